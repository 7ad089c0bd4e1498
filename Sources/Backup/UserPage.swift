import JSON

/// One ListUsers page: each user as the bytes Cognito sent (a backup stores them as they are),
/// and, when asked, a user's name or value.
public struct UserPage: Sendable {
    private let page: RawJSONObject
    /// Each user's JSON text, in the page's order.
    public let users: [ArraySlice<UInt8>]

    init(_ page: RawJSONObject) {
        self.page = page
        users = page.elements(of: "Users")
    }

    public func username(_ user: ArraySlice<UInt8>) -> String? { page.member("Username", of: user)?.string }

    /// When Cognito created the user, in seconds since the epoch.
    func createdSeconds(_ user: ArraySlice<UInt8>) -> Double? { RecentUsers.seconds(page.member("UserCreateDate", of: user)) }

    /// Every user built into a value, for readers that compare users rather than store them.
    public var values: [JSON] { users.compactMap { try? JSON(parsing: Array($0)) } }
}
