/// How long a pool's backup should take, decided before it starts so that a backup which cannot
/// finish inside the invocation is not begun. The last backup's duration, with a quarter to spare,
/// is the best guide; a pool never backed up, or grown since, needs at least its ListUsers pages
/// at the UserList rate this function draws on.
public enum BackupEstimate {
    /// ListUsers' largest page.
    static let usersPerListUsersCall = 60.0

    /// - Parameters:
    ///   - lastDurationMilliseconds: the pool's newest backup's duration, if it has one.
    ///   - estimatedUsers: DescribeUserPool's `EstimatedNumberOfUsers`.
    ///   - userListRate: the requests per second the UserList bucket allows.
    public static func milliseconds(lastDurationMilliseconds: Int?, estimatedUsers: Int, userListRate: Double) -> Int64 {
        let fromLastBackup = Double(lastDurationMilliseconds ?? 0) * 1.25
        let fromPoolSize = Double(estimatedUsers) / (userListRate * usersPerListUsersCall) * 1000
        return Int64(max(fromLastBackup, fromPoolSize).rounded(.up))
    }
}
