@testable import BackupFunction
import Support
import Testing

struct BackupEstimateTests {
    @Test func theLastBackupsDurationWithAQuarterToSpareWhenItIsTheLonger() {
        let size = PoolSize(users: 6_000, groups: 0, memberships: 0)
        #expect(BackupEstimate.milliseconds(lastDurationMilliseconds: 40_000, size: size, userListRate: 27.9) == 50_000)
    }

    @Test func thePoolsUserListCallsAtTheUserListRateWhenTheyAreTheLonger() {
        // A probe, 16 streams' last pages and 29,983 full pages: 30,000 calls at 30 calls/s, 1,000 s.
        let size = PoolSize(users: 1_798_980, groups: 0, memberships: 0)
        #expect(BackupEstimate.milliseconds(lastDurationMilliseconds: 60_000, size: size, userListRate: 30) == 1_000_000)
    }

    @Test func aPoolNeverBackedUpIsEstimatedFromItsSizeAlone() {
        let size = PoolSize(users: 1_000, groups: 10, memberships: 1_200)
        // 17 + 17 ListUsers, 10 + 20 ListUsersInGroup: 64 calls at 16 calls/s.
        #expect(BackupEstimate.milliseconds(lastDurationMilliseconds: nil, size: size, userListRate: 16) == 4_000)
    }
}

struct CutoffTests {
    struct Stopped: Error {}

    @Sendable static func sleepUntilCancelled() async throws(Stopped) -> String {
        do { try await Task.sleep(nanoseconds: 30_000_000_000) } catch { throw Stopped() }
        return "finished"
    }

    @Test func workStillRunningAtTheCutoffIsCancelledAndSaysSo() async {
        let started = ContinuousClock.now

        let (result, cutOff) = await Cutoff.run(until: UTCTime.now().adding(milliseconds: 200), Self.sleepUntilCancelled)

        #expect(cutOff)
        #expect(throws: Stopped.self) { try result.get() }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func workThatFinishesFirstIsNotCutOffAndDoesNotWaitForTheCutoff() async throws {
        let started = ContinuousClock.now

        let (result, cutOff) = await Cutoff.run(until: UTCTime.now().adding(milliseconds: 30_000)) { () async throws(Stopped) -> Int in 7 }

        #expect(!cutOff)
        #expect(try result.get() == 7)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func cancellingTheCallerCancelsTheWorkWithoutCallingItACutoff() async {
        let task = Task { await Cutoff.run(until: UTCTime.now().adding(milliseconds: 30_000), Self.sleepUntilCancelled) }
        try? await Task.sleep(nanoseconds: 100_000_000)  // a head start only; the test holds however long it was
        task.cancel()

        let (result, cutOff) = await task.value

        #expect(!cutOff)
        #expect(throws: Stopped.self) { try result.get() }
    }
}
