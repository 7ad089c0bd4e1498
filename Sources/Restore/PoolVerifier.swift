import Backup
import Compare
import JSON

/// The original design's validation checklist, automated: a backup compared with the pool it was
/// restored into by the comparison engine (`PoolComparison` with `Restoration.restore`), each
/// check the engine's changes of one kind. What no restore carries (subs, ids, dates, statuses,
/// the prefix) is never a difference, and `diff --mapping` of the same two sides reports exactly
/// these differences as changes. Users and memberships are compared a partition at a time, so
/// memory does not grow with the pool.
public struct PoolVerifier: Sendable {
    public let backup: BackupContents
    public let pool: ComparedSide
    /// False after a restore with `--skip-triggers`.
    public let expectTriggers: Bool
    /// The mapping's backup client id → restored id; clients it does not name are paired by name.
    public let clients: [String: String]

    /// How many differences each check lists before summing up the rest.
    static let shown = 5

    /// The pool settings a restore writes, by the check that compares them.
    static let settingGroups: [(check: String, keys: [String])] = [
        ("security policies", ["Policies", "MfaConfiguration", "AccountRecoverySetting", "AdminCreateUserConfig",
                               "UserAttributeUpdateSettings", "AutoVerifiedAttributes", "AliasAttributes",
                               "UsernameAttributes", "UsernameConfiguration", "DeviceConfiguration",
                               "DeletionProtection", "UserPoolAddOns", "UserPoolTier"]),
        ("messages and delivery", ["VerificationMessageTemplate", "SmsAuthenticationMessage", "EmailConfiguration", "SmsConfiguration"]),
        ("tags", ["UserPoolTags"]),
    ]

    public init(backup: BackupContents, pool: ComparedSide, expectTriggers: Bool = true, clients: [String: String] = [:]) {
        self.backup = backup
        self.pool = pool
        self.expectTriggers = expectTriggers
        self.clients = clients
    }

    public func checks() async throws -> [VerifyCheck] {
        let found = Differences()
        let comparison = PoolComparison(backup: backup, restored: pool,
                                        restoration: .restore(triggers: expectTriggers, clients: clients))
        let summary = try await comparison.run { change in found.add(change) }
        let side = summary.firstSide
        var settings = CreateRequest.pick(Self.settingGroups.flatMap(\.keys) + ["LambdaConfig"], from: backup.poolConfig)
        CreateRequest.dropDeprecatedDuplicates(&settings)
        var checks = Self.settingGroups.map { group in
            found.check(group.check, detail: "\(group.keys.filter { settings[$0] != nil }.count) settings")
        }
        let declared = (backup.poolConfig["SchemaAttributes"]?.array ?? []).filter { CreateRequest.schemaEntry($0) != nil }.count
        checks.append(found.check("schema", detail: "\(declared) declared attributes"))
        if backup.mfaConfig != nil { checks.append(found.check("MFA configuration", detail: "MFA settings")) }
        if expectTriggers { checks.append(found.check("Lambda triggers", detail: "\(settings["LambdaConfig"] == nil ? 0 : 1) settings")) }
        checks += [
            found.check("resource servers", detail: "\(backup.resourceServers.count) resource servers"),
            found.check("identity providers", detail: "\(backup.identityProviders.count) identity providers"),
            found.check("groups", detail: "\(backup.groups.count) groups"),
            found.check("app clients", detail: "\(backup.appClients.count) app clients"),
            found.check("domain", detail: domainDetail(restoredPrefix: found.restoredPrefix)),
            found.check("UI customization", detail: "\(Self.compared(backup.uiCustomization)) settings"),
            found.check("threat protection", detail: "\(Self.compared(backup.riskConfiguration)) settings"),
            found.check("managed login branding", detail: "\(backup.managedLoginBranding.count) branding styles"),
            found.check("terms", detail: "\(backup.terms.count) terms"),
        ]
        let logs = backup.logDelivery?["LogConfigurations"]?.array?.count ?? 0
        if logs > 0 || found.has("log delivery") { checks.append(found.check("log delivery", detail: "\(logs) log configurations")) }
        let federated = side.federatedUsers > 0 ? " (and \(side.federatedUsers) federated-only users, recreated at their next sign-in)" : ""
        checks += [
            found.check("users", detail: "\(side.users) users" + federated),
            found.check("user attributes and enabled state", detail: "\(side.users) users"),
            found.check("linked identities", detail: "\(side.linkedIdentities) linked identities"
                + (side.linkedWithoutProvider > 0 ? " (and \(side.linkedWithoutProvider) to providers the pool does not have)" : "")),
            found.check("group memberships", detail: "\(side.memberships) memberships in \(backup.memberships.groups.count) groups"),
        ]
        return checks
    }

    /// The pool-wide value, if any, and each client's own (a client showing the pool's, `ClientId`
    /// "ALL", has none of its own).
    private static func compared(_ values: BackupContents.PerClient) -> Int {
        (values.pool == nil ? 0 : 1) + values.clients.filter { $0.value["ClientId"]?.string == $0.clientID }.count
    }

    private func domainDetail(restoredPrefix: String?) -> String {
        let detail = [backup.domain?["Domain"]?.string.map { "prefix \(restoredPrefix ?? $0) (was \($0))" },
                      backup.customDomain?["Domain"]?.string.map { "custom \($0)" }].compactMap { $0 }
        return detail.isEmpty ? "no domain" : detail.joined(separator: ", ")
    }
}

/// The engine's changes sorted into the checks, each keeping its first differences and a count
/// of the rest, so that a pool of a million missing users is a line and a number.
private final class Differences {
    /// The first lines in sort order, whatever order the partitions found them in.
    private struct Found {
        /// What the backup has and the pool lacks first, as a person reads a checklist.
        var missing: [String] = []
        var other: [String] = []
        var count = 0

        mutating func keep(_ line: String, missing: Bool) {
            count += 1
            if missing { Self.keep(line, in: &self.missing) } else { Self.keep(line, in: &other) }
        }

        private static func keep(_ line: String, in lines: inout [String]) {
            guard lines.count < PoolVerifier.shown || line < lines[lines.count - 1] else { return }
            lines.insert(line, at: lines.firstIndex { line < $0 } ?? lines.count)
            if lines.count > PoolVerifier.shown { lines.removeLast() }
        }
    }

    private var checks: [String: Found] = [:]
    /// The prefix the pool's domain has, when not the backup's.
    private(set) var restoredPrefix: String?

    func add(_ change: Change) {
        guard change.action != .notCarried else {
            if change.kind == .domain, change.name == "prefix" {
                restoredPrefix = change.fields.first { $0.path == "Domain" }?.new?.string
            }
            return
        }
        switch change.kind {
        case .users where change.action == .changed:
            for field in change.fields {
                if field.path == "identities" {
                    let (old, new) = (Self.links(field.old), Self.links(field.new))
                    for link in old where !new.contains(link) { note("linked identities", missing: true, "\(change.name): \(link) missing") }
                    for link in new where !old.contains(link) { note("linked identities", missing: false, "\(change.name): \(link) not in the backup") }
                } else if field.path == "Enabled" {
                    note("user attributes and enabled state", missing: false,
                         "\(change.name): enabled \(Self.text(field.old)) in the backup, \(Self.text(field.new)) in the pool")
                } else {
                    note("user attributes and enabled state", missing: false, "\(change.name): \(field.path) is "
                        + "\(field.old?.string.map { "'\($0)'" } ?? "absent") in the backup, \(field.new?.string.map { "'\($0)'" } ?? "absent") in the pool")
                }
            }
        case .memberships:
            let parts = change.name.split(separator: " in ", maxSplits: 1).map(String.init)
            let (user, group) = (parts.first ?? "", parts.last ?? "")
            note("group memberships", missing: change.action == .removed,
                 "\(group): \(user) \(change.action == .removed ? "missing" : "not in the backup")")
        default:
            let check = Self.check(for: change)
            let label = Self.label(change)
            switch change.action {
            case .removed: note(check, missing: true, "\(label): missing")
            case .added: note(check, missing: false, "\(label): not in the backup")
            default:
                for field in change.fields {
                    let path = change.kind == .settings || change.kind == .mfaConfiguration ? field.path : "\(label).\(field.path)"
                    note(check, missing: false, VerifyCheck.line(path, field.old, field.new))
                }
            }
        }
    }

    func has(_ check: String) -> Bool { checks[check] != nil }

    func check(_ name: String, detail: String) -> VerifyCheck {
        let found = checks[name] ?? Found()
        var shown = Array((found.missing + found.other).prefix(PoolVerifier.shown))
        if found.count > PoolVerifier.shown { shown.append("… and \(found.count - PoolVerifier.shown) more") }
        return VerifyCheck(name: name, detail: detail, differences: shown)
    }

    private func note(_ check: String, missing: Bool, _ line: String) {
        checks[check, default: Found()].keep(line, missing: missing)
    }

    private static func check(for change: Change) -> String {
        switch change.kind {
        case .settings:
            let key = String(change.name.prefix { $0 != "." })
            return PoolVerifier.settingGroups.first { $0.keys.contains(key) }?.check ?? "Lambda triggers"
        case .schema: return "schema"
        case .mfaConfiguration: return "MFA configuration"
        case .domain: return "domain"
        case .resourceServers: return "resource servers"
        case .identityProviders: return "identity providers"
        case .groups: return "groups"
        case .appClients: return "app clients"
        case .uiCustomization: return "UI customization"
        case .riskConfiguration: return "threat protection"
        case .managedLoginBranding: return "managed login branding"
        case .terms: return "terms"
        case .logDelivery: return "log delivery"
        case .users: return "users"
        case .memberships: return "group memberships"
        }
    }

    /// Per-client values are named by their client, as the checklist always named them.
    private static func label(_ change: Change) -> String {
        switch change.kind {
        case .uiCustomization, .riskConfiguration, .managedLoginBranding, .terms:
            change.name == "pool" ? "pool" : "app client \(change.name)"
        default: change.name
        }
    }

    private static func links(_ value: JSON?) -> [String] {
        (value?.array ?? []).map { "\($0["providerName"]?.string ?? "") identity \($0["userId"]?.string ?? "")" }
    }

    private static func text(_ value: JSON?) -> String { value.map { $0.string ?? $0.serialized } ?? "absent" }
}
