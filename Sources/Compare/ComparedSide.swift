import AWSServices
import Backup
import JSON

/// One side of a comparison: a backup, or a live pool read the way a backup reads it.
public enum ComparedSide: Sendable {
    case backup(BackupContents)
    case pool(id: String, cognito: any CognitoAPI)

    /// A side read: its configuration, and its users and memberships spread into partitions.
    struct Read {
        let configuration: BackupContents
        let users: Partitions
        let memberships: Partitions
    }

    /// Users go to partitions by username; compared with a restore (`matching`), by the key that
    /// recognises them on both sides, their memberships too (`{group, key}`).
    func read(name: String, matching: UserMatching?) async throws -> Read {
        let users = try Partitions(for: "the users of \(name)")
        let memberships = try Partitions(for: "the memberships of \(name)")
        switch self {
        case .backup(let backup):
            let reader = backup.users.reader()
            guard let matching else {
                while let user = try reader.next() { try users.add(Self.record(user), username: user.username) }
                try backup.memberships.forEach { (group, username) throws(BackupReadError) in
                    do { try memberships.add([.string(group), .string(username)], username: username) } catch {
                        throw BackupReadError(offset: 0, reason: "\(error)")
                    }
                }
                try users.finish()
                try memberships.finish()
                return Read(configuration: backup, users: users, memberships: memberships)
            }
            // A membership names a username: the key and whether the user is federated-only are
            // joined to it a partition of usernames at a time.
            let owners = try Partitions(for: "the usernames of \(name)")
            while let user = try reader.next() {
                let key = matching.key(user)
                try users.add(Self.record(user, key: key), username: key.text)
                try owners.add([.string(user.username), .string(key.text), .bool(user.isFederatedOnly)], username: user.username)
            }
            let byUsername = try Partitions(for: "the memberships of \(name) by username")
            try backup.memberships.forEach { (group, username) throws(BackupReadError) in
                do { try byUsername.add([.string(group), .string(username)], username: username) } catch {
                    throw BackupReadError(offset: 0, reason: "\(error)")
                }
            }
            try users.finish()
            try owners.finish()
            try byUsername.finish()
            for partition in 0..<Partitions.count {
                var owner: [UserKey: (key: String, federated: Bool)] = [:]
                try owners.forEach(in: partition) { record in
                    let fields = record.array ?? []
                    owner[UserKey(fields.first?.string ?? "")] = (fields.dropFirst().first?.string ?? "", fields.last?.bool ?? false)
                }
                try byUsername.forEach(in: partition) { record in
                    let (group, username) = (record.array?.first?.string ?? "", record.array?.last?.string ?? "")
                    let found = owner[UserKey(username)]
                    // A federated-only user rejoins her groups when her next sign-in recreates her.
                    guard found?.federated != true else { return }
                    let key = found?.key ?? username
                    try memberships.add([.string(group), .string(key)], username: key)
                }
            }
            try memberships.finish()
            return Read(configuration: backup, users: users, memberships: memberships)
        case .pool(let id, let cognito):
            let reader = PoolReader(cognito: cognito, poolID: id)
            let configuration = try await reader.readConfiguration()
            try await reader.forEachUserPage { page in
                for user in page.values.compactMap(PoolUser.init) {
                    let key = matching?.key(user)
                    try users.add(key.map { Self.record(user, key: $0) } ?? Self.record(user), username: key?.text ?? user.username)
                }
            }
            try await reader.forEachGroupMembershipPage(configuration.groups.compactMap { $0["GroupName"]?.string }, page: { group, page, _ in
                for member in page {
                    // ListUsersInGroup answers with whole users: the key is at hand.
                    guard let username = member["Username"]?.string else { continue }
                    let key = matching.flatMap { matching in PoolUser(member).map { matching.key($0).text } } ?? username
                    try memberships.add([.string(group), .string(key)], username: key)
                }
            }, finished: { _, _ in })
            try users.finish()
            try memberships.finish()
            return Read(configuration: configuration.contents(poolID: id), users: users, memberships: memberships)
        }
    }

    /// What is compared of a user: every attribute but `sub` (never the same after a restore),
    /// enabled state and status.
    static func record(_ user: PoolUser) -> JSON {
        let attributes = user.attributes.filter { $0.name != "sub" }.sorted { $0.name < $1.name }
        return ["Username": .string(user.username), "Enabled": .bool(user.enabled), "UserStatus": .string(user.status),
                "Attributes": .object(JSONObject(attributes.map { (key: $0.name, value: .string($0.value)) }))]
    }

    /// What is compared of a user and her restore: everything, `sub` included, to be told apart
    /// as not carried (`Restoration.userNotCarried`), and the key she is matched by.
    static func record(_ user: PoolUser, key: UserKey) -> JSON {
        let attributes = user.attributes.sorted { $0.name < $1.name }
        return ["Key": .string(key.text), "Username": .string(user.username), "Enabled": .bool(user.enabled),
                "UserStatus": .string(user.status), "Federated": .bool(user.isFederatedOnly),
                "Attributes": .object(JSONObject(attributes.map { (key: $0.name, value: .string($0.value)) }))]
    }
}
