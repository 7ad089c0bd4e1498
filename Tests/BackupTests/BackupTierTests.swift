@testable import Backup
import Support
import Testing

/// A pool's first backup of a UTC month is kept as monthly, its first of a day as daily, the rest hourly.
struct BackupTierTests {
    static func at(_ text: String) -> UTCTime { UTCTime(iso8601: text)! }

    @Test func aPoolsFirstBackupIsMonthly() {
        #expect(BackupTier(startedAt: Self.at("2026-12-07T03:00:00.000Z"), previous: nil) == .monthly)
    }

    @Test func theFirstOfAMonthIsMonthlyAfterTheLastOfTheMonthBefore() {
        #expect(BackupTier(startedAt: Self.at("2027-01-01T00:00:01.000Z"), previous: "2026-12-31T23:59:59.000Z") == .monthly)
    }

    @Test func theFirstOfADayIsDaily() {
        #expect(BackupTier(startedAt: Self.at("2026-12-08T00:00:01.000Z"), previous: "2026-12-07T23:00:00.000Z") == .daily)
    }

    @Test func anotherTheSameDayIsHourly() {
        #expect(BackupTier(startedAt: Self.at("2026-12-07T05:00:00.000Z"), previous: "2026-12-07T04:00:00.000Z") == .hourly)
    }

    @Test func aPreviousBackupNotBeforeThisOneOrUnreadableIsHourly() {
        #expect(BackupTier(startedAt: Self.at("2026-12-07T05:00:00.000Z"), previous: "2026-12-07T05:00:00.000Z") == .hourly)
        #expect(BackupTier(startedAt: Self.at("2026-12-07T05:00:00.000Z"), previous: "yesterday") == .hourly)
    }

    @Test func theTagIsURLEncodedForTheTaggingHeader() {
        #expect(BackupTier.monthly.tagging == "cognito-backup%3Atier=monthly")
    }
}

struct TierLockTests {
    @Test func eachTierIsLockedForItsOwnDaysToTheSecondRoundedUp() throws {
        let lock = try #require(try TierLock(mode: "COMPLIANCE", tierDays: "hourly=2, daily=35, monthly=366"))
        let started = UTCTime(iso8601: "2026-12-07T03:00:00.250Z")!
        #expect(lock.retainUntil(.hourly, startedAt: started) == "2026-12-09T03:00:01Z")
        #expect(lock.retainUntil(.monthly, startedAt: started) == "2027-12-08T03:00:01Z")
    }

    @Test func noModeIsNoLock() throws {
        #expect(try TierLock(mode: "", tierDays: "") == nil)
    }
}
