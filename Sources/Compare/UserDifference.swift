import Backup
import JSON

/// Users compared a partition at a time: added, removed, changed (which attributes, enabled,
/// status). Against a restore, users are matched by their key (`UserMatching`) and what no restore
/// carries (`Restoration.userNotCarried`) is told apart; a federated-only user of the backup is
/// recreated by her next sign-in, not by a restore, so nothing of hers counts as a change; and
/// her links to external identities are compared as links, for the providers the restored pool has.
struct UserDifference {
    let restored: Bool
    /// The identity providers of the second side.
    let providers: Set<String>
    private(set) var firstSide = PoolComparison.FirstSide()

    init(restored: Bool, providers: Set<String>) {
        self.restored = restored
        self.providers = providers
    }

    mutating func compare(_ partition: Int, _ a: Partitions, _ b: Partitions, _ emit: (Change) throws -> Void) throws {
        let keyMember = restored ? "Key" : "Username"
        let key = { (record: JSON) in UserKey(record[keyMember]?.string ?? "") }
        var before: [UserKey: JSON] = [:]
        try a.forEach(in: partition) { record in before[key(record)] = record }
        for record in before.values {
            if record["Federated"]?.bool == true { firstSide.federatedUsers += 1 } else { firstSide.users += 1 }
        }
        var changes: [Change] = []
        try b.forEach(in: partition) { record in
            let name = key(record)
            guard let old = before.removeValue(forKey: name) else {
                changes.append(Change(kind: .users, action: .added, name: name.text))
                return
            }
            if let change = changed(name.text, old, record) { changes.append(change) }
        }
        changes += before.map { name, record in
            Change(kind: .users, action: record["Federated"]?.bool == true ? .notCarried : .removed, name: name.text)
        }
        for change in changes.sorted(by: { UserKey($0.name) < UserKey($1.name) }) { try emit(change) }
    }

    private mutating func changed(_ name: String, _ old: JSON, _ new: JSON) -> Change? {
        let all = SettingDifference.fields(old, new, ignoring: restored ? ["Key", "Federated"] : ["Username"]).map(Self.named)
        guard restored else { return all.isEmpty ? nil : Change(kind: .users, action: .changed, name: name, fields: all) }
        if old["Federated"]?.bool == true {
            return all.isEmpty ? nil : Change(kind: .users, action: .notCarried, name: name, fields: all)
        }
        var fields = all.filter { !Restoration.userNotCarried.contains(Self.path($0)) }
        let notCarried = all.filter { Restoration.userNotCarried.contains(Self.path($0)) }
        let links = LinkedIdentity.parse(old["Attributes"]?["identities"]?.string)
        let expected = Set(links.filter { providers.contains($0.providerName) })
        let have = Set(LinkedIdentity.parse(new["Attributes"]?["identities"]?.string))
        firstSide.linkedIdentities += expected.count
        firstSide.linkedWithoutProvider += links.count - expected.count
        if expected != have { fields.append(Change.Field(path: "identities", old: Self.json(expected), new: Self.json(have))) }
        if !fields.isEmpty { return Change(kind: .users, action: .changed, name: name, fields: fields, notCarried: notCarried) }
        return notCarried.isEmpty ? nil : Change(kind: .users, action: .notCarried, name: name, fields: notCarried)
    }

    /// An attribute is named as Cognito names it: `email`, `custom:tenant`.
    private static func named(_ field: Change.Field) -> Change.Field {
        guard field.path.hasPrefix("Attributes.") else { return field }
        return Change.Field(path: String(field.path.dropFirst("Attributes.".count)), old: field.old, new: field.new)
    }

    /// A named field's path as the record has it.
    private static func path(_ field: Change.Field) -> String {
        ["Enabled", "UserStatus", "Username"].contains(field.path) ? field.path : "Attributes." + field.path
    }

    /// Links in a fixed order, as `identities` writes them.
    static func json(_ links: Set<LinkedIdentity>) -> JSON {
        .array(links.sorted { ($0.providerName, $0.userID) < ($1.providerName, $1.userID) }.map {
            ["providerName": .string($0.providerName), "userId": .string($0.userID)]
        })
    }
}
