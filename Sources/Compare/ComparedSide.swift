import AWSServices
import Backup
import JSON

/// One side of a comparison: a backup, or a live pool read the way a backup reads it.
public enum ComparedSide: Sendable {
    case backup(BackupContents)
    case pool(id: String, cognito: any CognitoAPI)

    /// The side's configuration, and its users and memberships spread into partitions.
    func read(name: String) async throws -> (configuration: BackupContents, users: Partitions, memberships: Partitions) {
        let users = try Partitions(for: "the users of \(name)")
        let memberships = try Partitions(for: "the memberships of \(name)")
        switch self {
        case .backup(let backup):
            let reader = backup.users.reader()
            while let user = try reader.next() { try users.add(Self.record(user), username: user.username) }
            try backup.memberships.forEach { (group, username) throws(BackupReadError) in
                do { try memberships.add([.string(group), .string(username)], username: username) } catch {
                    throw BackupReadError(offset: 0, reason: "\(error)")
                }
            }
            try users.finish()
            try memberships.finish()
            return (backup, users, memberships)
        case .pool(let id, let cognito):
            let reader = PoolReader(cognito: cognito, poolID: id)
            let configuration = try await reader.readConfiguration()
            try await reader.forEachUserPage { page in
                for user in page.values.compactMap(PoolUser.init) { try users.add(Self.record(user), username: user.username) }
            }
            try await reader.forEachGroupMembershipPage(configuration.groups.compactMap { $0["GroupName"]?.string }, page: { group, page, _ in
                for username in page.compactMap({ $0["Username"]?.string }) {
                    try memberships.add([.string(group), .string(username)], username: username)
                }
            }, finished: { _, _ in })
            try users.finish()
            try memberships.finish()
            var members = Dictionary(configuration.members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
            members[BackupFormat.Member.userPoolID] = .string(id)
            members[BackupFormat.Member.groups] = .array(configuration.groups)
            let none = BackupUsers([])
            let contents = BackupContents(formatVersion: BackupFormat.version, members: members, users: none,
                                          memberships: BackupMemberships([], users: none))
            return (contents, users, memberships)
        }
    }

    /// What is compared of a user: every attribute but `sub` (never the same after a restore),
    /// enabled state and status.
    static func record(_ user: PoolUser) -> JSON {
        let attributes = user.attributes.filter { $0.name != "sub" }.sorted { $0.name < $1.name }
        return ["Username": .string(user.username), "Enabled": .bool(user.enabled), "UserStatus": .string(user.status),
                "Attributes": .object(JSONObject(attributes.map { (key: $0.name, value: .string($0.value)) }))]
    }
}
