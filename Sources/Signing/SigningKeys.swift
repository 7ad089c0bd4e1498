import Synchronization

/// SigV4's signing key depends only on the secret, the day, the region and the service, yet
/// deriving it takes four HMACs; a backup signs thousands of requests a day with the same few.
/// So the keys derived last are kept, as the SDKs keep theirs.
final class SigningKeys: Sendable {
    static let shared = SigningKeys()

    private struct Scope: Hashable {
        let secret: String
        let day: String
        let region: String
        let service: String
    }

    private let keys = Mutex<[Scope: [UInt8]]>([:])
    /// A process signs for a handful of scopes at once; the bound keeps one that runs for days,
    /// or through many rotations of its credentials, from collecting them.
    private let capacity = 16

    /// The key for `day` (`YYYYMMDD`), derived the first time it is asked for.
    func key(secret: String, day: String, region: String, service: String) -> [UInt8] {
        let scope = Scope(secret: secret, day: day, region: region, service: service)
        if let key = keys.withLock({ $0[scope] }) { return key }
        var key = Crypto.hmacSHA256(key: Array("AWS4\(secret)".utf8), Array(day.utf8))
        for part in [region, service, "aws4_request"] { key = Crypto.hmacSHA256(key: key, Array(part.utf8)) }
        keys.withLock { keys in
            if keys.count >= capacity { keys.removeAll() }
            keys[scope] = key
        }
        return key
    }
}
