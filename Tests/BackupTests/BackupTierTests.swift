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
        let lock = try #require(try TierLock(mode: "COMPLIANCE", retention: TierRetention("hourly=2, daily=35, monthly=366")))
        let started = UTCTime(iso8601: "2026-12-07T03:00:00.250Z")!
        #expect(lock.retainUntil(.hourly, startedAt: started) == "2026-12-09T03:00:01Z")
        #expect(lock.retainUntil(.monthly, startedAt: started) == "2027-12-08T03:00:01Z")
    }

    @Test func noModeIsNoLock() throws {
        #expect(try TierLock(mode: "", retention: nil) == nil)
    }
}

/// A row expires when its tier's lifecycle rule removes the object, counted as S3 counts Days.
struct TierRetentionTests {
    static let retention = try! TierRetention("hourly=2,daily=35,monthly=366")!
    static func at(_ text: String) -> UTCTime { UTCTime(iso8601: text)! }
    static func seconds(_ text: String) -> Int64 { at(text).secondsSinceEpoch }

    @Test func theRuleAddsTheDaysAndRoundsUpToTheNextMidnightUTC() {
        // S3's own example: created 10:30 on 15 January with 3 days, gone from 00:00 on the 19th.
        let three = try! TierRetention("hourly=3,daily=3,monthly=3")!
        #expect(three.expiry(of: .hourly, startedAt: Self.at("2014-01-15T10:30:00.000Z")) == Self.seconds("2014-01-19T00:00:00.000Z"))
        #expect(Self.retention.expiry(of: .daily, startedAt: Self.at("2026-12-07T23:59:59.999Z")) == Self.seconds("2027-01-12T00:00:00.000Z"))
        #expect(Self.retention.expiry(of: .monthly, startedAt: Self.at("2026-12-07T00:00:00.000Z")) == Self.seconds("2027-12-09T00:00:00.000Z"))
    }

    @Test func aBackupWithoutATierIsKeptAsLongAsTheLongestTier() {
        let started = Self.at("2026-12-07T03:00:00.000Z")
        #expect(Self.retention.expiry(of: nil, startedAt: started) == Self.retention.expiry(of: .monthly, startedAt: started))
    }

    @Test func daysForEveryTierOrNoneAtAll() throws {
        #expect(try TierRetention("") == nil)
        #expect(throws: ConfigurationError.self) { try TierRetention("hourly=2") }
        #expect(throws: ConfigurationError.self) { try TierRetention("hourly=2,daily=0,monthly=366") }
        #expect(throws: ConfigurationError.self) { try TierLock(mode: "GOVERNANCE", retention: nil) }
    }

    static func row(_ date: String, tier: BackupTier?, expiresAt: Int? = nil, held: Bool = false) -> BackupRecord {
        var record = BackupRecord(plain: ["user_pool_id": "us-east-1_A", "backup_date": .string(date), "s3_key": "k"])
        record.tier = tier
        record.expiresAt = expiresAt
        if held { record.legalHold = BackupHold(objectVersionID: "v1", manifestVersionID: "v2", since: date, expiresAt: expiresAt) }
        return record
    }

    @Test func aRowHasExpiredOnceItsExpiryHasPassed() {
        let row = Self.row("2026-12-07T03:00:00.000Z", tier: .hourly, expiresAt: Int(Self.seconds("2026-12-10T00:00:00.000Z")))
        #expect(!row.hasExpired(at: Self.at("2026-12-09T23:59:59.000Z"), retention: nil))
        #expect(row.hasExpired(at: Self.at("2026-12-10T00:00:00.000Z"), retention: nil))
    }

    @Test func aRowWithoutAnExpiryIsJudgedByItsTierWhenTheDaysAreKnownElseKept() {
        let hourly = Self.row("2026-12-07T03:00:00.000Z", tier: .hourly)
        let untiered = Self.row("2026-12-07T03:00:00.000Z", tier: nil)
        let later = Self.at("2026-12-20T00:00:00.000Z")
        #expect(hourly.hasExpired(at: later, retention: Self.retention))
        #expect(!untiered.hasExpired(at: later, retention: Self.retention))
        #expect(!hourly.hasExpired(at: later, retention: nil))
    }

    @Test func aHeldRowNeverExpires() {
        let held = Self.row("2026-12-07T03:00:00.000Z", tier: .hourly, expiresAt: 1, held: true)
        #expect(!held.hasExpired(at: Self.at("2030-01-01T00:00:00.000Z"), retention: Self.retention))
    }

    @Test func theHoldRoundTripsThroughTheRowsItem() {
        let held = Self.row("2026-12-07T03:00:00.000Z", tier: .daily, expiresAt: 1_800_000_000, held: true)
        #expect(BackupRecord(item: held.item) == held)
    }
}
