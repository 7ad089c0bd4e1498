import AWSServices
import Backup
import JSON

/// What one run of the schedule asks of the account's UserList quota (ListUsers and
/// ListUsersInGroup: 30 requests/s, not adjustable, shared with the applications' own calls),
/// worked out before the run so that a schedule which cannot keep up is said out loud.
public struct QuotaPlan: Sendable {
    public struct Pool: Sendable {
        public let poolID: String
        public let size: PoolSize
        /// `BackupEstimate`'s: the longer of the last backup's duration and the UserList calls' time.
        public let estimatedMilliseconds: Int64
        /// The pool's feature plan, which prices its monthly active users.
        public var tier: CognitoTier = .essentials
        /// Users the backup makes monthly active users (by reading their MFA preferences): each
        /// run of a month bills the same users once.
        public var billedUsers = 0
        /// Why the selection holds the pool: listed, every pool (`*`), or the tag that chose it.
        public var selectedBecause = "listed"

        public init(poolID: String, size: PoolSize, estimatedMilliseconds: Int64, tier: CognitoTier = .essentials, billedUsers: Int = 0,
                    selectedBecause: String = "listed") {
            self.poolID = poolID
            self.size = size
            self.estimatedMilliseconds = estimatedMilliseconds
            self.tier = tier
            self.billedUsers = billedUsers
            self.selectedBecause = selectedBecause
        }

        /// US dollars a month the billed users cost, before the account's free MAUs.
        public var monthlyCost: Double { tier.cost(users: billedUsers) }
    }

    public let pools: [Pool]
    /// Pools whose size could not be read, with why: their backups fail and say so themselves.
    public let unknown: [String: String]
    public let userListRate: Double
    public let schedule: ScheduleExpression
    /// What one invocation has for backups: its time less the margins kept to start and to answer.
    public let invocationMilliseconds: Int64
    /// The run goes on across invocations (the state machine's): an invocation's time bounds nothing.
    public let resumable: Bool
    /// Drill scratch pools `*` or a tag found and left out: named, so nobody wonders why.
    public let scratchPools: [String]

    public init(pools: [Pool], unknown: [String: String] = [:], userListRate: Double, schedule: ScheduleExpression,
                invocationMilliseconds: Int64, resumable: Bool = false, scratchPools: [String] = []) {
        self.pools = pools
        self.unknown = unknown
        self.userListRate = userListRate
        self.schedule = schedule
        self.invocationMilliseconds = invocationMilliseconds
        self.resumable = resumable
        self.scratchPools = scratchPools
    }

    public var userListCalls: Int { pools.reduce(0) { $0 + $1.size.userListCalls } }
    /// The pools are backed up one after another, in one invocation.
    public var estimatedMilliseconds: Int64 { pools.reduce(0) { $0 + $1.estimatedMilliseconds } }
    public var userListQuotaShare: Double { Self.share(userListCalls: userListCalls, periodSeconds: schedule.periodSeconds) }

    /// The share of the account's UserList quota a run of `userListCalls` every `periodSeconds` takes.
    public static func share(userListCalls: Int, periodSeconds: Int) -> Double {
        Double(userListCalls) / (CognitoQuotaCategory.userList.defaultQuota * Double(periodSeconds))
    }

    /// Why the schedule cannot keep up; empty when it can.
    public var problems: [String] {
        var problems: [String] = []
        let budget = Self.seconds(invocationMilliseconds)
        for pool in pools where !resumable && pool.estimatedMilliseconds > invocationMilliseconds {
            problems.append("\(pool.poolID) needs about \(Self.seconds(pool.estimatedMilliseconds))s, more than the \(budget)s "
                + "an invocation has for backups: it is never started")
        }
        if !resumable, pools.count > 1, estimatedMilliseconds > invocationMilliseconds {
            problems.append("the \(pools.count) pools need about \(Self.seconds(estimatedMilliseconds))s one after another, "
                + "more than the \(budget)s an invocation has for backups: the last ones are not started")
        }
        if estimatedMilliseconds > Int64(schedule.periodSeconds) * 1000 {
            problems.append("a run needs about \(Self.seconds(estimatedMilliseconds))s, more than the \(schedule.periodSeconds)s "
                + "between runs of \(schedule.text): the next run finds pools still being backed up and skips them")
        }
        return problems
    }

    static func seconds(_ milliseconds: Int64) -> Int64 { (milliseconds + 999) / 1000 }

    /// The plan as its log line carries it.
    public var json: JSONObject {
        var line: JSONObject = [
            "schedule": .string(schedule.text),
            "period_seconds": .number(schedule.periodSeconds),
            "userlist_rate": .number(userListRate),
            "userlist_calls": .number(userListCalls),
            "estimated_seconds": .number(Int(Self.seconds(estimatedMilliseconds))),
            "invocation_seconds": .number(Int(Self.seconds(invocationMilliseconds))),
            "userlist_quota_share": .number(userListQuotaShare),
            "pools": .array(pools.map { pool in
                [
                    "user_pool_id": .string(pool.poolID), "selected_because": .string(pool.selectedBecause), "estimated_users": .number(pool.size.users),
                    "groups": .number(pool.size.groups), "memberships": .number(pool.size.memberships),
                    "userlist_calls": .number(pool.size.userListCalls),
                    "estimated_seconds": .number(Int(Self.seconds(pool.estimatedMilliseconds))),
                    "tier": .string(pool.tier.rawValue), "billed_users": .number(pool.billedUsers),
                    "monthly_cost_usd": .number(CognitoTier.cents(pool.monthlyCost)),
                ]
            }),
            "fits": .bool(problems.isEmpty),
        ]
        if !problems.isEmpty { line["problems"] = .array(problems.map(JSON.string)) }
        if !scratchPools.isEmpty {
            line["not_selected"] = .array(scratchPools.map {
                ["user_pool_id": .string($0), "reason": .string("a restore drill's scratch pool (tag \(PoolSelection.scratchPoolTagKey)=true)")]
            })
        }
        if !unknown.isEmpty {
            line["unknown"] = .array(unknown.sorted { $0.key < $1.key }.map { ["user_pool_id": .string($0.key), "reason": .string($0.value)] })
        }
        return line
    }
}
