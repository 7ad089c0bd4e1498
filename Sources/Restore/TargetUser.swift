import Backup

/// What a restore reads of a user in the target pool: enough to tell whether it is the backup's
/// (`UserRestore.isOurs`), to bring it up to date, and to record its sub in the mapping.
struct TargetUser: Sendable, Equatable {
    let username: String
    let sub: String?
    /// `writableDigest(of:)` of the user there.
    let writableDigest: UInt64
    let enabled: Bool
    /// In FORCE_CHANGE_PASSWORD: a placeholder password can still be set.
    let awaitsNewPassword: Bool
    let identities: [LinkedIdentity]

    init(username: String, sub: String?, writableDigest: UInt64, enabled: Bool, awaitsNewPassword: Bool, identities: [LinkedIdentity]) {
        self.username = username
        self.sub = sub
        self.writableDigest = writableDigest
        self.enabled = enabled
        self.awaitsNewPassword = awaitsNewPassword
        self.identities = identities
    }

    init(_ user: PoolUser) {
        self.init(username: user.username, sub: user.sub, writableDigest: Self.writableDigest(of: user), enabled: user.enabled,
                  awaitsNewPassword: user.status == "FORCE_CHANGE_PASSWORD", identities: LinkedIdentity.of(user))
    }

    var disabled: TargetUser {
        TargetUser(username: username, sub: sub, writableDigest: writableDigest, enabled: false, awaitsNewPassword: awaitsNewPassword,
                   identities: identities)
    }

    /// `CreateRequest.writableAttributes` in 64 bits (seeded per process, so only compared within
    /// one restore): two users whose writable attributes differ have one digest about once in 2^64.
    static func writableDigest(of user: PoolUser) -> UInt64 {
        var hasher = Hasher()
        let attributes = CreateRequest.writableAttributes(of: user)
        hasher.combine(attributes.count)
        for (name, value) in attributes.sorted(by: { $0.key < $1.key }) {
            hasher.combine(name)
            hasher.combine(value)
        }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}
