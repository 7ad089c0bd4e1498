import AWSServices
@testable import BackupFunction
import Testing

struct PoolSizeTests {
    @Test func aPoolOfOnePageIsReadWithOneListUsersCall() {
        #expect(PoolSize(users: 60, groups: 0, memberships: 0).userListCalls == 1)
        #expect(PoolSize(users: 0, groups: 0, memberships: 0).userListCalls == 1)
    }

    @Test func aLargerPoolAddsTheProbeAndEachStreamsLastPage() {
        // 61 users: the probe, 2 pages' worth, and 16 streams that each end on a partial page.
        #expect(PoolSize(users: 61, groups: 0, memberships: 0).userListCalls == 1 + 16 + 2)
    }

    @Test func eachGroupTakesACallAndItsMembersFillPagesOfSixty() {
        #expect(PoolSize(users: 10, groups: 3, memberships: 121).userListCalls == 1 + 3 + 3)
    }
}

struct QuotaPlanTests {
    static func pool(_ id: String, seconds: Int64, users: Int = 6_000) -> QuotaPlan.Pool {
        QuotaPlan.Pool(poolID: id, size: PoolSize(users: users, groups: 0, memberships: 0), estimatedMilliseconds: seconds * 1000)
    }

    @Test func theShareIsARunsCallsOverWhatTheQuotaAllowsInAPeriod() {
        #expect(QuotaPlan.share(userListCalls: 108_000, periodSeconds: 3_600) == 1)
        #expect(QuotaPlan.share(userListCalls: 10_800, periodSeconds: 3_600) == 0.1)
        #expect(QuotaPlan.share(userListCalls: 10_800, periodSeconds: 86_400) == 0.1 / 24)
    }

    @Test func thePlansShareCountsEveryPoolsCalls() {
        let plan = QuotaPlan(pools: [Self.pool("eu-west-1_a", seconds: 10), Self.pool("eu-west-1_b", seconds: 10)],
                             userListRate: 15, schedule: .hourly, invocationMilliseconds: 875_000)
        #expect(plan.userListCalls == 2 * (1 + 16 + 100))
        #expect(plan.userListQuotaShare == Double(2 * 117) / (30 * 3_600))
        #expect(plan.problems.isEmpty)
    }

    @Test func aPoolLongerThanAnInvocationDoesNotFit() {
        let plan = QuotaPlan(pools: [Self.pool("eu-west-1_big", seconds: 900)], userListRate: 15, schedule: .hourly,
                             invocationMilliseconds: 875_000)
        #expect(plan.problems == ["eu-west-1_big needs about 900s, more than the 875s an invocation has for backups: it is never started"])
    }

    @Test func poolsThatTogetherOutlastAnInvocationDoNotFit() {
        let plan = QuotaPlan(pools: [Self.pool("eu-west-1_a", seconds: 500), Self.pool("eu-west-1_b", seconds: 500)],
                             userListRate: 15, schedule: .hourly, invocationMilliseconds: 875_000)
        #expect(plan.problems.count == 1)
        #expect(plan.problems.first?.hasPrefix("the 2 pools need about 1000s one after another") == true)
    }

    @Test func aRunThatGoesOnAcrossInvocationsIsBoundOnlyByTheSchedule() throws {
        let pools = [Self.pool("eu-west-1_big", seconds: 1200), Self.pool("eu-west-1_b", seconds: 500)]
        #expect(QuotaPlan(pools: pools, userListRate: 15, schedule: .hourly, invocationMilliseconds: 875_000, resumable: true).problems == [])
        let tooSlow = QuotaPlan(pools: pools, userListRate: 15, schedule: try ScheduleExpression(parsing: "rate(20 minutes)"),
                                invocationMilliseconds: 875_000, resumable: true)
        #expect(tooSlow.problems.count == 1 && tooSlow.problems[0].hasPrefix("a run needs about 1700s"))
    }

    @Test func aRunLongerThanTheScheduleDoesNotFit() throws {
        let plan = QuotaPlan(pools: [Self.pool("eu-west-1_a", seconds: 400)], userListRate: 15,
                             schedule: try ScheduleExpression(parsing: "rate(5 minutes)"), invocationMilliseconds: 875_000)
        #expect(plan.problems == ["a run needs about 400s, more than the 300s between runs of rate(5 minutes): "
            + "the next run finds pools still being backed up and skips them"])
    }

    @Test func theLogLineSaysWhetherItFitsAndNamesEachPool() {
        let plan = QuotaPlan(pools: [Self.pool("eu-west-1_big", seconds: 900)], unknown: ["eu-west-1_gone": "ResourceNotFoundException sizing the pool"],
                             userListRate: 15, schedule: .hourly, invocationMilliseconds: 875_000)
        let line = plan.json
        #expect(line["fits"]?.bool == false)
        #expect(line["pools"]?.array?.first?["estimated_seconds"]?.int == 900)
        #expect(line["unknown"]?.array?.first?["user_pool_id"]?.string == "eu-west-1_gone")
        #expect(line["problems"]?.array?.count == 1)
    }
}

struct BillingInThePlanTests {
    @Test func aPoolWhoseUsersTheBackupReadsStatesTheirMonthlyCostAtItsTier() throws {
        let size = PoolSize(users: 1_000_000, groups: 0, memberships: 0)
        let plan = QuotaPlan(pools: [QuotaPlan.Pool(poolID: "eu-west-1_mfa", size: size, estimatedMilliseconds: 1000, tier: .essentials,
                                                    billedUsers: 1_000_000)],
                             userListRate: 15, schedule: .hourly, invocationMilliseconds: 875_000)
        let pool = try #require(plan.json["pools"]?.array?.first)
        #expect(pool["tier"]?.string == "ESSENTIALS")
        #expect(pool["billed_users"]?.int == 1_000_000)
        #expect(pool["monthly_cost_usd"] == .number(15_000))
        #expect(CognitoTier.plus.describe(users: 990) == "$19.80 (990 users at Plus's $0.02 per monthly active user)")
    }

    @Test func aPoolWhoseUsersTheBackupDoesNotReadCostsNothing() throws {
        let plan = QuotaPlan(pools: [QueryPool.plain], userListRate: 15, schedule: .hourly, invocationMilliseconds: 875_000)
        let pool = try #require(plan.json["pools"]?.array?.first)
        #expect(pool["billed_users"]?.int == 0 && pool["monthly_cost_usd"] == .number(0))
    }

    enum QueryPool {
        static let plain = QuotaPlan.Pool(poolID: "eu-west-1_p", size: PoolSize(users: 500, groups: 0, memberships: 0), estimatedMilliseconds: 1000)
    }
}
