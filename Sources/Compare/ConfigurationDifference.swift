import Backup
import JSON

/// The configuration of two sides, kind by kind: what was added, removed and changed. Items are
/// matched by what a person calls them (group, client and provider names, resource server
/// identifiers), so ids, dates and other values no restore keeps never count as changes.
struct ConfigurationDifference {
    let old: BackupContents
    let new: BackupContents

    /// What no restore carries over or a pool's age alone changes.
    static let volatile: Set<String> = [
        "Id", "Arn", "Name", "CreationDate", "LastModifiedDate", "EstimatedNumberOfUsers", "Domain", "CustomDomain",
        "Status", "UserPoolId", "ClientId", "ClientSecret", "ManagedLoginBrandingId", "TermsId", "ImageUrl", "CSSVersion",
        "SchemaAttributes", "Version", "CloudFrontDistribution", "S3Bucket", "AWSAccountId",
    ]

    func changes() -> [Change] {
        var changes = SettingDifference.fields(old.poolConfig, new.poolConfig, ignoring: Self.volatile).map {
            Change(kind: .settings, action: .changed, name: $0.path, fields: [$0])
        }
        changes += keyed(.schema, old.poolConfig["SchemaAttributes"]?.array ?? [], new.poolConfig["SchemaAttributes"]?.array ?? [],
                         by: "Name")
        if let oldMFA = old.mfaConfig, let newMFA = new.mfaConfig {
            changes += SettingDifference.fields(oldMFA, newMFA, ignoring: ["ResponseMetadata"]).map {
                Change(kind: .mfaConfiguration, action: .changed, name: $0.path, fields: [$0])
            }
        }
        changes += domains()
        changes += keyed(.resourceServers, old.resourceServers, new.resourceServers, by: "Identifier")
        changes += keyed(.identityProviders, old.identityProviders, new.identityProviders, by: "ProviderName")
        changes += keyed(.groups, old.groups, new.groups, by: "GroupName")
        changes += keyed(.appClients, old.appClients, new.appClients, by: "ClientName", id: "ClientId")
        changes += perClient(.uiCustomization, (old.uiCustomization.pool, old.uiCustomization.clients),
                             (new.uiCustomization.pool, new.uiCustomization.clients))
        changes += perClient(.riskConfiguration, (old.riskConfiguration.pool, old.riskConfiguration.clients),
                             (new.riskConfiguration.pool, new.riskConfiguration.clients))
        changes += perClient(.managedLoginBranding, (nil, old.managedLoginBranding), (nil, new.managedLoginBranding))
        changes += keyed(.terms, old.terms.map { named($0, in: old) }, new.terms.map { named($0, in: new) }, by: "TermsName")
        changes += single(.logDelivery, "pool", old.logDelivery, new.logDelivery)
        return changes
    }

    /// The prefix and custom domains, by their role; the prefix itself is a setting of the item.
    private func domains() -> [Change] {
        single(.domain, "prefix", old.domain, new.domain, keep: ["Domain", "ManagedLoginVersion"])
            + single(.domain, "custom", old.customDomain, new.customDomain, keep: ["Domain", "CustomDomainConfig", "ManagedLoginVersion"])
    }

    private func single(_ kind: Change.Kind, _ name: String, _ a: JSON?, _ b: JSON?, keep: [String]? = nil) -> [Change] {
        let pick = { (value: JSON?) -> JSON? in
            guard let value, let keep else { return value }
            return .object(JSONObject(keep.compactMap { key in value[key].map { (key: key, value: $0) } }))
        }
        switch (pick(a), pick(b)) {
        case (nil, nil): return []
        case (nil, _?): return [Change(kind: kind, action: .added, name: name)]
        case (_?, nil): return [Change(kind: kind, action: .removed, name: name)]
        case (let a?, let b?):
            let fields = SettingDifference.fields(a, b, ignoring: keep == nil ? Self.volatile : [])
            return fields.isEmpty ? [] : [Change(kind: kind, action: .changed, name: name, fields: fields)]
        }
    }

    /// Items matched by `key`; `id` names the member shown beside a name (the second side's).
    private func keyed(_ kind: Change.Kind, _ a: [JSON], _ b: [JSON], by key: String, id: String? = nil) -> [Change] {
        let name = { (item: JSON) in item[key]?.string ?? "" }
        let oldItems = Dictionary(a.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(b.map(name))
        var changes = a.filter { !newNames.contains(name($0)) }.map { item in Change(kind: kind, action: .removed, name: name(item), id: id.flatMap { item[$0]?.string })
        }
        for item in b {
            let itemID = id.flatMap { item[$0]?.string }
            guard let before = oldItems[name(item)] else {
                changes.append(Change(kind: kind, action: .added, name: name(item), id: itemID))
                continue
            }
            var fields = SettingDifference.fields(before, item, ignoring: Self.volatile)
            if id != nil, (before["ClientSecret"] == nil) != (item["ClientSecret"] == nil) {
                // A secret is regenerated by every restore: only whether there is one can differ.
                fields.append(Change.Field(path: "ClientSecret", old: .bool(before["ClientSecret"] != nil), new: .bool(item["ClientSecret"] != nil)))
            }
            if !fields.isEmpty { changes.append(Change(kind: kind, action: .changed, name: name(item), id: itemID, fields: fields)) }
        }
        return changes
    }

    /// A pool-wide value and one per app client, the clients named by their ClientName on each side.
    typealias PerClient = (pool: JSON?, clients: [(clientID: String, value: JSON)])

    private func perClient(_ kind: Change.Kind, _ a: PerClient, _ b: PerClient) -> [Change] {
        let byName = { (per: PerClient, side: BackupContents) -> [JSON] in
            per.clients.map { entry in
                var object = entry.value.object ?? JSONObject()
                object["ClientName"] = .string(Self.clientName(entry.clientID, in: side))
                return .object(object)
            }
        }
        return single(kind, "pool", a.pool, b.pool)
            + keyed(kind, byName(a, old), byName(b, new), by: "ClientName")
    }

    private func named(_ terms: JSON, in side: BackupContents) -> JSON {
        var object = terms.object ?? JSONObject()
        if let client = terms["ClientId"]?.string { object["ClientName"] = .string(Self.clientName(client, in: side)) }
        return .object(object)
    }

    private static func clientName(_ id: String, in side: BackupContents) -> String {
        side.appClients.first { $0["ClientId"]?.string == id }?["ClientName"]?.string ?? id
    }
}
