@testable import BackupFunction
import Support
import Testing

/// How a pool's newest backup object's replication status reads as its DR copy's lag.
struct ReplicationLagTests {
    let written = UTCTime(millisecondsSinceEpoch: 1_800_000_000_000)
    var anHourLater: UTCTime { written.adding(milliseconds: 3_600_000) }

    @Test func aCompletedCopyLagsNothing() {
        #expect(ReplicationLag(status: "COMPLETED", writtenAt: written, now: anHourLater).pendingSeconds == 0)
        #expect(!ReplicationLag(status: "COMPLETED", writtenAt: written, now: anHourLater).failed)
    }

    @Test func aPendingCopyHasWaitedAsLongAsTheObjectIsOldAndHasNotFailed() {
        let lag = ReplicationLag(status: "PENDING", writtenAt: written, now: anHourLater)
        #expect(lag.pendingSeconds == 3_600 && !lag.failed)
    }

    @Test(arguments: ["FAILED", "REPLICA", nil] as [String?])
    func aCopyThatFailedOrWillNeverBeMadeHasFailedAndKeepsWaiting(_ status: String?) {
        let lag = ReplicationLag(status: status, writtenAt: written, now: anHourLater)
        #expect(lag.pendingSeconds == 3_600 && lag.failed)
    }

    @Test func aClockBehindTheObjectsIsNoLag() {
        #expect(ReplicationLag(status: "PENDING", writtenAt: anHourLater, now: written).pendingSeconds == 0)
    }
}
