import JSON

/// One ListUsers page: each user as the bytes Cognito sent (a backup stores them as they are),
/// and, when asked, a user's name or value.
public struct UserPage: Sendable {
    private let page: RawJSONObject
    /// Each user's JSON text, in the page's order.
    public private(set) var users: [ArraySlice<UInt8>]

    init(_ page: RawJSONObject) {
        self.page = page
        users = page.elements(of: "Users")
    }

    /// The same page with only the users `isKept` keeps: a ListUsers stream read again after
    /// Cognito refused its saved token leaves out the users it already handed out.
    func keeping(_ isKept: (ArraySlice<UInt8>) -> Bool) -> UserPage {
        var kept = self
        kept.users = users.filter(isKept)
        return kept
    }

    public func username(_ user: ArraySlice<UInt8>) -> String? { page.member("Username", of: user)?.string }

    /// The names of the users Cognito created at `cutoff` (seconds since the epoch) or later, or
    /// at a time it does not say. Only their names are built: most users of a page are older.
    func usernames(createdSince cutoff: Double) -> [String] {
        users.compactMap { user in
            guard (RecentUsers.seconds(page.member("UserCreateDate", of: user)) ?? .infinity) >= cutoff else { return nil }
            return username(user) ?? ""
        }
    }

    /// Every user built into a value, for readers that compare users rather than store them.
    public var values: [JSON] {
        // Each user's text was checked with its page, so parsing it cannot fail.
        users.compactMap { try? JSON(parsing: Array($0)) }
    }
}
