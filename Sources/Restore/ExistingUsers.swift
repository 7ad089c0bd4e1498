import Backup

/// The users already in the target pool (a rerun, or `--target-pool-id`), by `UserMatching` key,
/// kept compact because a pool may hold a million: per user a 64-bit hash of its key and an
/// `Entry` of 72 bytes (username and sub as `CompactText`, the writable attributes' digest, two
/// flags, linked identities: empty and unallocated for most users), 80 bytes in all, plus the
/// text of a username or sub that is not a lowercase UUID and longer than 15 bytes. Two keys with
/// one hash are taken for one about once in 2^64 / count lookups; the user found must then still
/// prove to be the backup's (`UserRestore.isOurs`) before it is touched.
struct ExistingUsers: Sendable {
    struct Entry: Sendable {
        /// nil when it is the key's own text, as it is unless the pool signs in by email or phone.
        let username: CompactText?
        let sub: CompactText?
        let writableDigest: UInt64
        let enabled: Bool
        let awaitsNewPassword: Bool
        let identities: [LinkedIdentity]

        init(_ user: TargetUser, key: UserKey) {
            username = user.username == key.text ? nil : CompactText(user.username)
            sub = user.sub.map(CompactText.init)
            writableDigest = user.writableDigest
            enabled = user.enabled
            awaitsNewPassword = user.awaitsNewPassword
            identities = user.identities
        }
    }

    private let hashes: SortedHashes
    private let entries: [Entry]

    /// Users by the hash of their key (`SortedHashes.hash`), in any order.
    init(_ users: [(hash: UInt64, entry: Entry)]) {
        let sorted = users.sorted { $0.hash < $1.hash }
        hashes = SortedHashes(sorted: sorted.map(\.hash))
        entries = sorted.map(\.entry)
    }

    /// The target's user of `key`, if it has one.
    subscript(key: UserKey) -> TargetUser? {
        guard let index = hashes.index(of: SortedHashes.hash(key.text)) else { return nil }
        let entry = entries[index]
        return TargetUser(username: entry.username?.text ?? key.text, sub: entry.sub?.text, writableDigest: entry.writableDigest,
                          enabled: entry.enabled, awaitsNewPassword: entry.awaitsNewPassword, identities: entry.identities)
    }
}
