/// A username (or sign-in email) compared byte for byte. Swift's String equality is canonical
/// equivalence: the NFC and NFD spellings of "José" are equal to it, and two users to Cognito.
public struct UserKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let text: String
    public let bytes: [UInt8]

    public init(_ text: String) {
        self.text = text
        bytes = Array(text.utf8)
    }

    public static func == (lhs: UserKey, rhs: UserKey) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }
    public static func < (lhs: UserKey, rhs: UserKey) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
    public var description: String { text }

    /// The key a case-insensitive pool sees: two usernames with one folded key are one user there.
    public var folded: UserKey { UserKey(text.lowercased()) }
}
