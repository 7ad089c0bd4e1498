@testable import BackupFunction
import Support
import Testing

struct PoolComplianceTests {
    let now = UTCTime(iso8601: "2026-12-07T12:00:00Z")!
    let policy = ProtectionPolicy(rpoSeconds: 7_200, drillMaxAgeSeconds: nil)

    func ago(_ seconds: Int64) -> UTCTime { now.adding(milliseconds: -seconds * 1000) }

    @Test func aPoolWithoutABackupIsOutOfPolicy() {
        let judged = PoolCompliance(.init(poolID: "p", newestBackup: nil), policy: policy, now: now)
        #expect(judged.breaches == [.noBackup])
    }

    @Test func aBackupYoungerThanTheRPOIsCompliant() {
        #expect(PoolCompliance(.init(poolID: "p", newestBackup: ago(7_200)), policy: policy, now: now).compliant)
    }

    @Test func aBackupOlderThanTheRPOIsTooOld() {
        let judged = PoolCompliance(.init(poolID: "p", newestBackup: ago(7_201)), policy: policy, now: now)
        #expect(judged.breaches == [.backupTooOld(ageSeconds: 7_201, rpoSeconds: 7_200)])
        #expect(judged.breaches[0].description == "newest backup is 2h1s old, older than the RPO of 2h")
    }

    @Test func aBackupFromAClockAheadOfOursIsNotNegativelyOld() {
        #expect(PoolCompliance(.init(poolID: "p", newestBackup: ago(-30)), policy: policy, now: now).compliant)
    }

    @Test func failedReplicationIsOutOfPolicyButPendingIsNot() {
        #expect(PoolCompliance(.init(poolID: "p", newestBackup: ago(60), replicationStatus: "FAILED"), policy: policy, now: now).breaches
            == [.replicationFailed])
        #expect(PoolCompliance(.init(poolID: "p", newestBackup: ago(60), replicationStatus: "PENDING"), policy: policy, now: now).compliant)
    }

    @Test func aFailedDrillCountsEvenWhenDrillsAreNotJudgedByAge() {
        let drill = PoolCompliance.Facts.Drill(finishedAt: ago(60), passed: false, failure: "verify: users")
        let judged = PoolCompliance(.init(poolID: "p", newestBackup: ago(60), newestDrill: drill), policy: policy, now: now)
        #expect(judged.breaches == [.drillFailed("verify: users")])
    }

    @Test func drillsAreOverdueOnlyWhenAMaximumAgeIsGiven() {
        let old = PoolCompliance.Facts.Drill(finishedAt: ago(9 * 86_400), passed: true, failure: nil)
        let facts = PoolCompliance.Facts(poolID: "p", newestBackup: ago(60), newestDrill: old)
        #expect(PoolCompliance(facts, policy: policy, now: now).compliant)
        let judged = ProtectionPolicy(rpoSeconds: 7_200, drillMaxAgeSeconds: 7 * 86_400)
        #expect(PoolCompliance(facts, policy: judged, now: now).breaches == [.drillOverdue(ageSeconds: 9 * 86_400, maxAgeSeconds: 7 * 86_400)])
        #expect(PoolCompliance(.init(poolID: "p", newestBackup: ago(60)), policy: judged, now: now).breaches
            == [.neverDrilled(maxAgeSeconds: 7 * 86_400)])
    }

    @Test func aDrillThatCannotBeReadIsUnknownNotOverdueWhereDrillsAreJudged() {
        let unread = PoolCompliance.Facts(poolID: "p", newestBackup: ago(60), drillUnknown: "cannot read the drill record: AccessDenied")
        let judged = PoolCompliance(unread, policy: ProtectionPolicy(rpoSeconds: 7_200, drillMaxAgeSeconds: 86_400), now: now)
        #expect(judged.breaches == [.drillUnknown(reason: "cannot read the drill record: AccessDenied", maxAgeSeconds: 86_400)])
        #expect(judged.breaches.map(\.code) == ["drill-unknown"])
        #expect(judged.breaches[0].description == "no drill within 1d can be shown: cannot read the drill record: AccessDenied")
    }

    @Test func aDrillThatCannotBeReadIsNoBreachWhereDrillsAreNotJudged() {
        let unread = PoolCompliance.Facts(poolID: "p", newestBackup: ago(60), drillUnknown: "no table")
        #expect(PoolCompliance(unread, policy: policy, now: now).compliant)
    }

    @Test func everyBreachOfAPoolIsNamedAtOnce() {
        let drill = PoolCompliance.Facts.Drill(finishedAt: ago(60), passed: false, failure: nil)
        let judged = PoolCompliance(.init(poolID: "p", newestBackup: ago(10_000), replicationStatus: "FAILED", newestDrill: drill),
                                    policy: policy, now: now)
        #expect(judged.breaches.map(\.code) == ["backup-too-old", "replication-failed", "drill-failed"])
    }
}

struct ProtectionPolicyTests {
    @Test func theRPOIsBackupRPOMinutesWhenSet() throws {
        #expect(try ProtectionPolicy(environment: ["BACKUP_RPO_MINUTES": "45", "BACKUP_SCHEDULE": "rate(1 day)"]).rpoSeconds == 2_700)
    }

    @Test func theRPOIsTwiceTheSchedulesPeriodOtherwise() throws {
        #expect(try ProtectionPolicy(environment: ["BACKUP_SCHEDULE": "rate(6 hours)"]).rpoSeconds == 43_200)
        #expect(try ProtectionPolicy(environment: ["BACKUP_SCHEDULE": "cron(0/15 * * * ? *)"]).rpoSeconds == 1_800)
    }

    @Test func theRPOIsTwoHoursWithNoScheduleAtAll() throws {
        #expect(try ProtectionPolicy(environment: [:]).rpoSeconds == 7_200)
    }

    @Test func drillsAreJudgedOnlyWhenAMaximumAgeIsSet() throws {
        #expect(try ProtectionPolicy(environment: [:]).drillMaxAgeSeconds == nil)
        #expect(try ProtectionPolicy(environment: ["BACKUP_DRILL_MAX_AGE_DAYS": "8"]).drillMaxAgeSeconds == 8 * 86_400)
    }

    @Test(arguments: [["BACKUP_RPO_MINUTES": "0"], ["BACKUP_RPO_MINUTES": "1.5"], ["BACKUP_DRILL_MAX_AGE_DAYS": "-1"],
                      ["BACKUP_SCHEDULE": "hourly"]])
    func aSettingThatCannotBeAnAgeIsRefused(_ environment: [String: String]) {
        #expect(throws: ConfigurationError.self) { try ProtectionPolicy(environment: environment) }
    }

    @Test(arguments: [("1s", 1), ("90", 90), ("30m", 1_800), ("2h", 7_200), ("7d", 604_800)])
    func anAgeIsANumberAndAUnit(_ text: String, _ seconds: Int) {
        #expect(ProtectionPolicy.seconds(parsing: text) == seconds)
    }

    @Test(arguments: ["", "h", "0s", "-5m", "2w", "1.5h", "2 h"])
    func whatIsNotAnAgeIsRefused(_ text: String) {
        #expect(ProtectionPolicy.seconds(parsing: text) == nil)
    }

    @Test(arguments: [(0, "0s"), (45, "45s"), (3_720, "1h2m"), (7_200, "2h"), (183_600, "2d3h"), (86_401, "1d1s"), (90_061, "1d1h")])
    func anAgeReadsInItsTwoLargestUnits(_ seconds: Int, _ text: String) {
        #expect(ProtectionPolicy.age(seconds) == text)
    }
}
