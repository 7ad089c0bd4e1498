import Backup
import JSON
import Support

/// The pool a drill restores into, and the backup as that pool should hold it: the backup less
/// what a scratch pool must not take from production (a global domain, triggers that would run
/// production code, log delivery into production destinations), and tagged so that IAM can
/// confine the drill's writes and deletes to pools it created.
public struct DrillScratchPool: Sendable {
    /// Carried by every scratch pool; the template's drill policy allows writes and deletes only
    /// on pools with it (`aws:ResourceTag`), and CreateUserPool only with it (`aws:RequestTag`).
    public static let tagKey = PoolSelection.scratchPoolTagKey

    /// `drill-<pool>-<yyyymmdd>T<hhmmss>Z`: unique per pool and second, and recognisable in the
    /// console as something to delete should a drill ever leave one. `*` reads the tags of pools
    /// so named (`PoolSelection.scratchPoolNamePrefix`) to leave them out.
    public let name: String
    public let backup: BackupContents
    /// What of the backup the drill does not restore or compare, with the reason.
    public let notDrilled: [String]

    public init(of original: BackupContents, at time: UTCTime) {
        name = "\(PoolSelection.scratchPoolNamePrefix)\(original.sourcePoolID)-\(time.amzDate)"
        var backup = original
        var notDrilled: [String] = []
        var config = backup.poolConfig.object ?? JSONObject()
        // Cognito refuses to delete a protected pool; the drill must always be able to.
        if config["DeletionProtection"]?.string == "ACTIVE" { config["DeletionProtection"] = "INACTIVE" }
        if let triggers = config["LambdaConfig"]?.object, !triggers.isEmpty {
            notDrilled.append("Lambda triggers (\(triggers.count)): a scratch pool must not invoke production functions")
        }
        config["LambdaConfig"] = nil
        var tags = config["UserPoolTags"]?.object ?? JSONObject()
        tags[Self.tagKey] = "true"
        config["UserPoolTags"] = .object(tags)
        backup.poolConfig = .object(config)

        if let prefix = backup.domain?["Domain"]?.string {
            notDrilled.append("prefix domain \(prefix): domain names are global and the source pool holds it")
        }
        if let custom = backup.customDomain?["Domain"]?.string {
            notDrilled.append("custom domain \(custom): it needs its certificate and DNS")
        }
        backup.domain = nil
        backup.customDomain = nil
        if backup.uiCustomization.pool != nil || !backup.uiCustomization.clients.isEmpty {
            notDrilled.append("UI customization: Cognito keeps it only for a pool with a domain")
        }
        backup.uiCustomization = .none
        if backup.logDelivery?["LogConfigurations"]?.array?.isEmpty == false {
            notDrilled.append("log delivery: a scratch pool must not write into production log destinations")
        }
        backup.logDelivery = nil
        self.backup = backup
        self.notDrilled = notDrilled
    }
}
