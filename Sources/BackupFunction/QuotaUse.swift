import AWSServices
import Support

extension BackupHandler {
    /// UserList requests this process has let out so far. The function backs its pools up one at
    /// a time and runs one invocation at a time, so what a pool's backup adds is its own.
    func userListRequests() async -> Int { await configuration.quotas.limiter(for: .userList).granted }

    /// The share of the account's UserList quota a pool's backup took while it ran in this
    /// invocation, measured: the requests it let out (retries included) over what the quota
    /// allows in the same time. A pool that made none (skipped, or failed before reading) says
    /// nothing; one backed up across invocations reports each invocation's part.
    func reportQuotaUse(of poolID: String, since started: UTCTime, requestsBefore: Int) async {
        let requests = await userListRequests() - requestsBefore
        guard requests > 0 else { return }
        let milliseconds = max(1, UTCTime.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch)
        log.quotaUse(poolID: poolID, userListRequests: requests, share: Self.userListShare(requests: requests, milliseconds: milliseconds))
    }

    static func userListShare(requests: Int, milliseconds: Int64) -> Double {
        Double(requests) / (CognitoQuotaCategory.userList.defaultQuota * Double(milliseconds) / 1000)
    }
}
