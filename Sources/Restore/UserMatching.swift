import Backup
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
