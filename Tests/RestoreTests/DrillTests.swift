@testable import Backup
@testable import Restore
import JSON
import Support
import Testing

struct DrillScratchPoolTests {
    let backup = BackupContents(formatVersion: 2, timestamp: "2026-11-29T10:15:30Z", sourcePoolID: "us-east-1_Prod1",
                        poolConfig: ["Name": "customers", "DeletionProtection": "ACTIVE", "UserPoolTags": ["team": "identity"],
                                     "LambdaConfig": ["PreSignUp": "arn:aws:lambda:us-east-1:123456789012:function:check"]],
                        domain: ["Domain": "customers-auth"], uiCustomization: .init(pool: ["CSS": ".x{}"], clients: []),
                        logDelivery: ["LogConfigurations": [["LogLevel": "ERROR"]]])

    @Test func theScratchPoolIsNamedAfterThePoolAndTheSecond() {
        let scratch = DrillScratchPool(of: backup, at: UTCTime(millisecondsSinceEpoch: 1_795_000_000_000))
        #expect(scratch.name == "drill-us-east-1_Prod1-20261118T110640Z")
    }

    @Test func theScratchPoolCanBeDeletedAndIsTaggedAsAScratchPool() {
        let config = DrillScratchPool(of: backup, at: .now()).backup.poolConfig
        #expect(config["DeletionProtection"]?.string == "INACTIVE")
        #expect(config["UserPoolTags"]?[DrillScratchPool.tagKey]?.string == "true")
        #expect(config["UserPoolTags"]?["team"]?.string == "identity")
    }

    @Test func whatMustNotReachProductionIsLeftOutAndSaidSo() {
        let scratch = DrillScratchPool(of: backup, at: .now())
        #expect(scratch.backup.poolConfig["LambdaConfig"] == nil)
        #expect(scratch.backup.domain == nil && scratch.backup.uiCustomization.pool == nil && scratch.backup.logDelivery == nil)
        #expect(scratch.notDrilled.count == 4)
        #expect(scratch.notDrilled.contains { $0.hasPrefix("prefix domain customers-auth") })
    }

    @Test func aPoolWithoutProtectionOrExtrasIsDrilledWhole() {
        let plain = BackupContents(formatVersion: 2, timestamp: "t", sourcePoolID: "us-east-1_P1", poolConfig: ["Name": "plain"])
        let scratch = DrillScratchPool(of: plain, at: .now())
        #expect(scratch.notDrilled.isEmpty)
        #expect(scratch.backup.poolConfig["DeletionProtection"] == nil)
    }
}

struct DrillReportTests {
    func report(_ steps: [(DrillReport.Step, Bool, Int)]) -> DrillReport {
        var report = DrillReport(poolID: "us-east-1_P1")
        report.steps = steps.map { DrillReport.StepResult(step: $0.0, passed: $0.1, milliseconds: $0.2, detail: "detail") }
        return report
    }

    @Test func aDrillPassesOnlyWhenEveryStepRanAndPassed() {
        #expect(report([(.integrity, true, 1), (.restore, true, 1), (.verify, true, 1), (.cleanup, true, 1)]).passed)
        #expect(!report([(.integrity, true, 1), (.restore, true, 1), (.verify, false, 1), (.cleanup, true, 1)]).passed)
        #expect(!report([(.integrity, true, 1), (.restore, true, 1), (.cleanup, true, 1)]).passed)
    }

    @Test func theFailureNamesTheFirstFailedStepOrTheOneNeverReached() {
        #expect(report([(.integrity, false, 1), (.cleanup, true, 1)]).failure == "integrity: detail")
        #expect(report([(.integrity, true, 1), (.restore, true, 1), (.cleanup, true, 1)]).failure == "stopped before verify")
    }

    @Test func theRecoveryTimeLeavesOutTheCleanup() {
        let timed = report([(.integrity, true, 100), (.restore, true, 2_000), (.verify, true, 900), (.cleanup, true, 400)])
        #expect(timed.recoveryMilliseconds == 3_000 && timed.totalMilliseconds == 3_400)
        #expect(timed.text.contains("recovery time (integrity + restore + verify): 3.0s"))
    }
}

struct ReplicationStatusTests {
    @Test(arguments: [nil, "COMPLETED"])
    func aCompletedOrUnreportedReplicationLeavesTheReplicaToDecide(_ status: String?) {
        #expect(ReplicationCheck.problem(withStatus: status) == nil)
    }

    @Test(arguments: ["PENDING", "FAILED", "REPLICA"])
    func anyOtherStatusIsADifference(_ status: String) {
        #expect(ReplicationCheck.problem(withStatus: status)?.contains(status) == true)
    }
}
