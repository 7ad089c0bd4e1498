import AWSServices
import Backup
import JSON
import Synchronization

extension BackupContents {
    /// A live pool read the way the backup engine reads one, so that verify compares two values
    /// of the same shape.
    public static func snapshot(of poolID: String, cognito: any CognitoAPI) async throws -> BackupContents {
        let reader = PoolReader(cognito: cognito, poolID: poolID)
        let configuration = try await reader.readConfiguration()
        let users = Mutex([PoolUser]())
        try await reader.forEachUserPage { page in
            let parsed = page.values.compactMap(PoolUser.init)
            users.withLock { $0 += parsed }
        }
        let memberships = Mutex([(group: String, usernames: [String])]())
        try await reader.forEachGroupMembership(configuration.groups.compactMap { $0["GroupName"]?.string }) { group, usernames in
            memberships.withLock { $0.append((group, usernames)) }
        }
        var members = Dictionary(configuration.members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        members[BackupFormat.Member.userPoolID] = .string(poolID)
        members[BackupFormat.Member.groups] = .array(configuration.groups)
        let poolUsers = BackupUsers(users.withLock { $0 })
        return BackupContents(formatVersion: BackupFormat.version, members: members, users: poolUsers,
                      memberships: BackupMemberships(memberships.withLock { $0 }, users: poolUsers))
    }
}
