import Backup

// A test's backup is small: its users and memberships are looked at whole. The program never
// holds them so (see `Partitions`).
extension BackupUsers {
    public func all() throws(BackupReadError) -> [PoolUser] {
        var users: [PoolUser] = []
        let reader = reader()
        while let user = try reader.next() { users.append(user) }
        return users
    }
}

extension BackupMemberships {
    public func all() throws(BackupReadError) -> [(group: String, usernames: [String])] {
        var members: [String: [String]] = [:]
        try forEach { group, username in members[group, default: []].append(username) }
        return groups.map { ($0, members[$0] ?? []) }
    }
}
