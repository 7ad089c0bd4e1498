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

    public func username(_ user: ArraySlice<UInt8>) -> String? { page.members(["Username"], of: user)[0]?.string }

    /// The user's name and when Cognito created them (seconds since the epoch), in one reading.
    func nameAndCreation(_ user: ArraySlice<UInt8>) -> (username: String?, created: Double?) {
        let found = page.members(["Username", "UserCreateDate"], of: user)
        return (found[0]?.string, RecentUsers.seconds(found[1]))
    }

    /// Every user built into a value, for readers that compare users rather than store them.
    public var values: [JSON] {
        // Each user's text was checked with its page, so parsing it cannot fail.
        users.compactMap { try? JSON(parsing: Array($0)) }
    }
}
