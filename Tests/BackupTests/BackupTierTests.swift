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
