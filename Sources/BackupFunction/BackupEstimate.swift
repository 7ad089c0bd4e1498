/// How big a pool is, as far as Cognito's UserList quota (ListUsers and ListUsersInGroup) cares.
public struct PoolSize: Sendable, Equatable {
    /// DescribeUserPool's `EstimatedNumberOfUsers`, which Cognito updates lazily.
    public var users: Int
    /// ListGroups' count now.
    public var groups: Int
    /// The last backup's `membership_count` (0 for a pool never backed up): the only count of
    /// memberships that costs no ListUsersInGroup call.
    public var memberships: Int

    /// ListUsers and ListUsersInGroup calls a backup makes, 60 users a page. A pool of more than
    /// one page is read in 16 `sub`-prefix streams after a first probe, each ending on a partial
    /// page; each group takes at least one call, and its members fill pages of 60.
    public var userListCalls: Int {
        let listUsers = users <= Self.usersPerPage ? 1 : 1 + PoolSize.userStreams + Self.pages(users)
        return listUsers + groups + Self.pages(memberships)
    }

    static let usersPerPage = 60
    /// PoolReader's `sub` prefixes.
    static let userStreams = 16

    static func pages(_ items: Int) -> Int { (items + usersPerPage - 1) / usersPerPage }
}

/// How long a pool's backup should take, decided before it starts so that a backup which cannot
/// finish inside the invocation is not begun. The last backup's duration, with a quarter to spare,
/// is the best guide; a pool never backed up, or grown since, needs at least its UserList calls
/// at the UserList rate this function draws on.
public enum BackupEstimate {
    /// - Parameters:
    ///   - lastDurationMilliseconds: the pool's newest backup's duration, if it has one.
    ///   - size: the pool's users, groups and memberships.
    ///   - userListRate: the requests per second the UserList bucket allows.
    public static func milliseconds(lastDurationMilliseconds: Int?, size: PoolSize, userListRate: Double) -> Int64 {
        let fromLastBackup = Double(lastDurationMilliseconds ?? 0) * 1.25
        let fromPoolSize = Double(size.userListCalls) / userListRate * 1000
        return Int64(max(fromLastBackup, fromPoolSize).rounded(.up))
    }
}
