/// A string kept for the whole restore of every user in the target pool: 16 bytes when it is a
/// lowercase UUID, as Cognito's subs and generated usernames are, instead of a heap allocation;
/// any other string as it is (one of 15 bytes or fewer is held inline by `String` anyway).
enum CompactText: Sendable, Equatable {
    case uuid(UInt64, UInt64)
    case text(String)

    init(_ text: String) {
        self = Self.uuid(text).map { .uuid($0.0, $0.1) } ?? .text(text)
    }

    var text: String {
        switch self {
        case let .text(text): return text
        case let .uuid(high, low):
            var bytes: [UInt8] = []
            bytes.reserveCapacity(36)
            for nibble in 0..<32 {
                if Self.dashes.contains(bytes.count) { bytes.append(UInt8(ascii: "-")) }
                let word = nibble < 16 ? high : low
                bytes.append(Self.hexDigits[Int((word >> UInt64(60 - 4 * (nibble % 16))) & 0xF)])
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private static let dashes: Set<Int> = [8, 13, 18, 23]
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The UUID's 128 bits, if `text` is one spelt in lowercase: only then does `text` give back
    /// the very same bytes.
    private static func uuid(_ text: String) -> (UInt64, UInt64)? {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0, nibbles = 0
        for (offset, byte) in bytes.enumerated() {
            if dashes.contains(offset) {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let value = hexDigits.firstIndex(of: byte) else { return nil }
            if nibbles < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
            nibbles += 1
        }
        return (high, low)
    }
}
