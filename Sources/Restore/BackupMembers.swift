import Backup
import JSON

/// Who the backup has and in which groups, as `restore --exact` asks of each user and membership
/// of the target: 8 bytes a name, never the users themselves. A target user is the backup's when
/// its `UserMatching` key or its username is one of the backup's (so a federated user, whose key
/// may be an email, is still found by name); in a case-insensitive target both are compared
/// folded, as Cognito compares them. Kept generous on purpose: a hash that collides keeps an
/// item the backup lacks, never removes one it has.
struct BackupMembers: Sendable {
    let matching: UserMatching
    let folded: Bool
    private let users: SortedHashes
    private let memberships: SortedHashes

    init(backup: BackupContents, target: JSON) throws(BackupReadError) {
        matching = UserMatching(poolConfig: backup.poolConfig)
        folded = target["UsernameConfiguration"]?["CaseSensitive"]?.bool == false
        var users: [UInt64] = [], memberships: [UInt64] = []
        let reader = backup.users.reader()
        while let user = try reader.next() {
            let names = Self.names(of: user, matching: matching, folded: folded)
            users += names.map { SortedHashes.hash($0) }
            for group in backup.memberships.groups(of: user.username) {
                memberships += names.map { SortedHashes.hash(Self.membership(group, $0)) }
            }
        }
        self.users = SortedHashes(sorted: users.sorted())
        self.memberships = SortedHashes(sorted: memberships.sorted())
    }

    /// Whether the backup has this user of the target.
    func has(_ user: PoolUser) -> Bool {
        Self.names(of: user, matching: matching, folded: folded).contains { users.contains($0) }
    }

    /// Whether the backup has this user of the target in `group`.
    func has(_ user: PoolUser, in group: String) -> Bool {
        Self.names(of: user, matching: matching, folded: folded).contains { memberships.contains(Self.membership(group, $0)) }
    }

    private static func names(of user: PoolUser, matching: UserMatching, folded: Bool) -> [String] {
        let names = [matching.key(user).text, user.username]
        return folded ? names.map { $0.lowercased() } : names
    }

    /// A group name cannot hold a unit separator, so no two memberships share a text.
    private static func membership(_ group: String, _ name: String) -> String { group + "\u{1F}" + name }
}
