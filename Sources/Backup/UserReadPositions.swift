import JSON

/// Where the read of a pool's users stands between two invocations: for each ListUsers stream
/// (a `sub` prefix, `PoolReader.subPrefixes`) whether it has started, the token its next page
/// needs, or that it is done.
///
/// Cognito may refuse a saved token (an expired one, a changed pool): that stream is then read
/// again from its first page, and the users it handed out already are skipped. They are known
/// by a 64-bit hash of their username, kept per unfinished stream — 8 bytes a user, where the
/// names themselves would take their length; two names sharing a hash (about one chance in
/// 10^8 at a million users read between two refusals) would drop the second from the backup.
public struct UserReadPositions: Sendable, Equatable {
    public enum Position: Sendable, Equatable {
        case notStarted
        case at(token: String)
        case done

        /// The token a stream standing here needs for its next page.
        var token: String? { if case .at(let token) = self { return token } else { return nil } }
    }

    /// By `sub` prefix; empty before the first call, `["": .done]` for a pool of one page.
    public internal(set) var streams: [String: Position] = [:]
    /// For each unfinished stream, the hashes of the usernames it handed out.
    public internal(set) var handedOut: [String: [UInt64]] = [:]

    public init() {}

    public var isComplete: Bool { !streams.isEmpty && streams.values.allSatisfy { $0 == .done } }

    /// FNV-1a of the name's bytes: NFC and NFD spellings are different users to Cognito.
    static func hash(_ username: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in username.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// `{"prefix": "not_started" | "done" | {"token": …}}` and `{"prefix": count}` of the hashes,
    /// which go, packed, into `hashBytes`, in the prefixes' order.
    var json: JSON {
        .object(streams.keys.sorted().map { prefix in
            switch streams[prefix]! {
            case .notStarted: return (prefix, "not_started")
            case .done: return (prefix, "done")
            case .at(let token): return (prefix, ["token": .string(token), "handed_out": .number(handedOut[prefix]?.count ?? 0)])
            }
        })
    }

    var hashBytes: [UInt8] { streams.keys.sorted().flatMap { Self.packed(handedOut[$0] ?? []) } }

    /// How many of `hashBytes` these positions take.
    var hashByteCount: Int { handedOut.values.reduce(0) { $0 + $1.count } * 8 }

    /// Hashes as little-endian bytes, 8 each, and back.
    static func packed(_ hashes: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hashes.count * 8)
        for hash in hashes { withUnsafeBytes(of: hash.littleEndian) { bytes += $0 } }
        return bytes
    }

    static func unpacked(_ bytes: ArraySlice<UInt8>) -> [UInt64] {
        stride(from: bytes.startIndex, to: bytes.endIndex - 7, by: 8).map { offset in
            bytes[offset..<offset + 8].reversed().reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    init(json: JSON, hashBytes: ArraySlice<UInt8>) throws(CheckpointDamaged) {
        guard let members = json.object?.members else { throw CheckpointDamaged(reason: "its user streams are not an object") }
        var offset = hashBytes.startIndex
        for (prefix, value) in members {
            switch value {
            case "not_started": streams[prefix] = .notStarted
            case "done": streams[prefix] = .done
            default:
                guard let token = value["token"]?.string, let count = value["handed_out"]?.int, count >= 0,
                      hashBytes.endIndex - offset >= count * 8 else {
                    throw CheckpointDamaged(reason: "the position of the user stream '\(prefix)' is unreadable")
                }
                streams[prefix] = .at(token: token)
                handedOut[prefix] = Self.unpacked(hashBytes[offset..<offset + count * 8])
                offset += count * 8
            }
        }
    }
}

/// A checkpoint that cannot be read back: written by an incompatible build, or altered.
public struct CheckpointDamaged: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { "the backup's checkpoint cannot be used: \(reason)" }
}
