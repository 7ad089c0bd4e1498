import JSON

/// How a user is recognised in both pools. Usually by username; but in a pool whose users sign in
/// with their email or phone number (`UsernameAttributes`), Cognito gives every new user a fresh
/// UUID username, so the email or phone number is what carries over.
public struct UserMatching: Sendable {
    public let usernameAttributes: [String]

    public init(poolConfig: JSON) {
        usernameAttributes = (poolConfig["UsernameAttributes"]?.array ?? []).compactMap(\.string)
    }

    public func key(_ user: PoolUser) -> UserKey {
        for attribute in usernameAttributes {
            if let value = user.attribute(attribute), !value.isEmpty { return UserKey(value) }
        }
        return UserKey(user.username)
    }
}

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

/// An external identity linked to a native user, from its `identities` attribute.
struct LinkedIdentity: Hashable, Sendable {
    let providerName: String
    let userID: String

    static func of(_ user: PoolUser) -> [LinkedIdentity] {
        guard let text = user.attribute("identities"), let list = try? JSON(parsing: text) else { return [] }
        return (list.array ?? []).compactMap { entry in
            guard let provider = entry["providerName"]?.string, let id = entry["userId"]?.string else { return nil }
            return LinkedIdentity(providerName: provider, userID: id)
        }
    }
}
