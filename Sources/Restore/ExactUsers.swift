import AWSCore
import AWSServices
import Backup
import JSON
import Synchronization

/// `--exact` for users and their memberships. The target's users and members are streamed page
/// by page against `BackupMembers`; only what is to be removed is kept, never the target's users.
extension ExactRemoval {
    /// Memberships the backup lacks of users it has, in groups it has: those of a user or a
    /// group the backup lacks go with that user or group. Each removal bills its user.
    func memberships(_ members: BackupMembers) async throws(RestoreFailure) {
        // `--only memberships` keeps no group of the backup's, only its memberships' groups.
        let saved = Set(backup.groups.compactMap { $0["GroupName"]?.string } + backup.memberships.groups)
        let extra = Mutex<[(group: String, username: String)]>([])
        do {
            let groups = try await cognito.listAll("ListGroups", poolID: poolID).compactMap { $0["GroupName"]?.string }.filter(saved.contains)
            try await PoolReader(cognito: cognito, poolID: poolID).forEachGroupMembershipPage(groups, page: { group, users, _ in
                let found = users.compactMap(PoolUser.init).filter { members.has($0) && !members.has($0, in: group) }
                extra.withLock { $0 += found.map { (group, $0.username) } }
            }, finished: { _, _ in })
        } catch {
            throw RestoreFailure(step: "list the target pool's group members", poolID: poolID, underlying: error)
        }
        try await deleteAll(extra.withLock { $0 }.sorted { ($0.group, $0.username) < ($1.group, $1.username) }) { membership in
            try await delete(.memberships, "AdminRemoveUserFromGroup",
                             ["Username": .string(membership.username), "GroupName": .string(membership.group)],
                             name: "\(membership.username) in \(membership.group)")
        }
    }

    /// Users the backup lacks, by `BackupMembers`.
    func users(_ members: BackupMembers) async throws(RestoreFailure) {
        let extra = Mutex<[String]>([])
        do {
            try await PoolReader(cognito: cognito, poolID: poolID).forEachUserPage { page in
                let found = page.values.compactMap(PoolUser.init).filter { !members.has($0) }.map(\.username)
                extra.withLock { $0 += found }
            }
        } catch {
            throw RestoreFailure(step: "list the target pool's users", poolID: poolID, underlying: error)
        }
        try await deleteAll(extra.withLock { $0 }.sorted()) { username in
            try await delete(.users, "AdminDeleteUser", ["Username": .string(username)], name: username)
        }
    }

    /// `restore --user --exact`: the selected users' memberships the backup lacks, read user by
    /// user (AdminListGroupsForUser), and nothing else. A user the target lacks has none.
    func membershipsOfBackupUsers(_ members: BackupMembers) async throws(RestoreFailure) {
        var users: [PoolUser] = []
        do {
            // A selection: a few users, named on the command line or in a file.
            let reader = backup.users.reader()
            while let user = try reader.next() { users.append(user) }
        } catch {
            throw RestoreFailure(step: "read the backup's users", poolID: poolID, underlying: error)
        }
        try await deleteAll(users) { user in
            let username = members.matching.key(user).text
            let groups = Mutex<[String]>([])
            do {
                try await cognito.forEachPage("AdminListGroupsForUser",
                                              ["UserPoolId": .string(poolID), "Username": .string(username), "Limit": 60]) { page in
                    groups.withLock { $0 += (page["Groups"]?.array ?? []).compactMap { $0["GroupName"]?.string } }
                }
            } catch let error as AWSError where error.code == "UserNotFoundException" {
                // Not in the target: the restore creates her, in the backup's groups only.
                return
            } catch {
                throw RestoreFailure(step: "list the groups of \(user.username)", poolID: poolID, underlying: error)
            }
            let wanted = Set(backup.memberships.groups(of: user.username))
            for group in groups.withLock({ $0 }) where !wanted.contains(group) {
                try await delete(.memberships, "AdminRemoveUserFromGroup", ["Username": .string(username), "GroupName": .string(group)],
                                 name: "\(user.username) in \(group)")
            }
        }
    }
}
