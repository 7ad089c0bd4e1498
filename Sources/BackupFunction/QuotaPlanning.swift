import AWSServices
import Backup
import LambdaRuntime
import JSON
import Support

extension BackupHandler {
    /// Time kept after a pool's estimate, for reading the configuration and answering.
    static let startMarginMilliseconds: Int64 = 15_000
    /// A running backup is cancelled this long before the deadline, to abort its upload and answer.
    static let stopBeforeDeadlineMilliseconds: Int64 = 10_000
    /// A resumable backup stops reading this long before the deadline: the pages under way are
    /// written, the last full part uploaded and the checkpoint saved in the 10 s left before the
    /// cancellation above.
    static let pauseBeforeDeadlineMilliseconds: Int64 = 20_000
    /// A paused backup's lease outlives its invocation by this much, for the state machine to
    /// start the next one: what can delay it longest is another invocation holding the
    /// function's one concurrency slot, for 15 minutes at most. A run that stopped for good
    /// frees the pool this long after its last deadline.
    static let leaseGapMilliseconds: Int64 = 15 * 60_000

    /// Sizes every pool of a run and plans it against the schedule and, unless the run goes on
    /// across invocations, the invocation. A pool whose size cannot be read is left out of the
    /// plan, with why: its backup fails on its own.
    func plan(_ found: PoolSelection.Found, resumable: Bool, _ invocation: Invocation) async -> QuotaPlan {
        let rate = configuration.quotas.limiter(for: .userList).configuredRate
        var pools: [QuotaPlan.Pool] = []
        var unknown: [String: String] = [:]
        for (poolID, reason) in found.selected.map({ ($0.poolID, $0.reason) }) {
            do {
                let last = try await catalog.backups(of: poolID, limit: 1).first
                let described = try await job.cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)])["UserPool"] ?? .null
                let size = try await size(of: poolID, described: described, lastBackup: last)
                pools.append(QuotaPlan.Pool(poolID: poolID, size: size, estimatedMilliseconds: BackupEstimate.milliseconds(
                    lastDurationMilliseconds: last?.durationMilliseconds, size: size, userListRate: rate),
                    tier: CognitoTier(pool: described), billedUsers: try await usersBilledByMFAReads(poolID, users: size.users),
                    selectedBecause: reason))
            } catch {
                unknown[poolID] = "\(Self.code(of: error)) sizing the pool"
            }
        }
        let budget = invocation.deadline.millisecondsSinceEpoch - UTCTime.now().millisecondsSinceEpoch
            - Self.startMarginMilliseconds - Self.stopBeforeDeadlineMilliseconds
        return QuotaPlan(pools: pools, unknown: unknown, userListRate: rate, schedule: configuration.schedule,
                         invocationMilliseconds: budget, resumable: resumable, scratchPools: found.scratchPools)
    }

    /// The pool's users (DescribeUserPool's estimate), groups (counted with ListGroups, outside the
    /// UserList quota) and memberships (as its last backup counted them).
    func size(of poolID: String, described: JSON? = nil, lastBackup: BackupRecord?) async throws -> PoolSize {
        var pool = described ?? .null
        if described == nil { pool = try await job.cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)])["UserPool"] ?? .null }
        let users = pool["EstimatedNumberOfUsers"]?.int ?? 0
        let groups = try await job.cognito.listAll("ListGroups", poolID: poolID).count
        return PoolSize(users: users, groups: groups, memberships: lastBackup?.membershipCount ?? 0)
    }

    /// The users a backup makes active by reading their MFA preferences (`BACKUP_USER_MFA`): all
    /// of them where it reads, none where it does not.
    func usersBilledByMFAReads(_ poolID: String, users: Int) async throws -> Int {
        switch configuration.backup.userMFA {
        case .off: return 0
        case .on: return users
        case .auto:
            let mfa = try await job.cognito.call("GetUserPoolMfaConfig", ["UserPoolId": .string(poolID)])
            return UserMFAReading.auto.applies(to: mfa) ? users : 0
        }
    }
}
