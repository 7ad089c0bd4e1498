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

/// An external identity linked to a native user, from its `identities` attribute.
public struct LinkedIdentity: Hashable, Sendable {
    public let providerName: String
    public let userID: String

    public init(providerName: String, userID: String) {
        self.providerName = providerName
        self.userID = userID
    }

    public static func of(_ user: PoolUser) -> [LinkedIdentity] { parse(user.attribute("identities")) }

    /// The links an `identities` attribute's value lists; none in a value that is not such a list.
    public static func parse(_ text: String?) -> [LinkedIdentity] {
        guard let text, let list = try? JSON(parsing: text) else { return [] }
        return (list.array ?? []).compactMap { entry in
            guard let provider = entry["providerName"]?.string, let id = entry["userId"]?.string else { return nil }
            return LinkedIdentity(providerName: provider, userID: id)
        }
    }
}
