import AWSClient
@testable import BackupFunction
import Testing

struct BackupEstimateTests {
    @Test func theLastBackupsDurationWithAQuarterToSpareWhenItIsTheLonger() {
        #expect(BackupEstimate.milliseconds(lastDurationMilliseconds: 40_000, estimatedUsers: 6_000, userListRate: 27.9) == 50_000)
    }

    @Test func thePoolsListUsersPagesAtTheUserListRateWhenTheyAreTheLonger() {
        // 1,674,000 users in 60-user pages at 27.9 calls/s: 1,000 s.
        #expect(BackupEstimate.milliseconds(lastDurationMilliseconds: 60_000, estimatedUsers: 1_674_000, userListRate: 27.9) == 1_000_000)
    }

    @Test func aPoolNeverBackedUpIsEstimatedFromItsSizeAlone() {
        #expect(BackupEstimate.milliseconds(lastDurationMilliseconds: nil, estimatedUsers: 1_800, userListRate: 30) == 1_000)
        #expect(BackupEstimate.milliseconds(lastDurationMilliseconds: nil, estimatedUsers: 0, userListRate: 30) == 0)
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
