import AWSCore
import AWSServices
import Backup
import JSON
import LambdaRuntime
import Restore
import Support

/// The drill event: each pool's newest backup restored into a scratch pool, verified and
/// deleted (see `Drill`). Every pool is drilled; any failure fails the invocation, so the
/// function's Errors metric and the DrillFailed alarm both see it.
public struct DrillHandler: Sendable {
    let configuration: FunctionConfiguration
    let drill: Drill
    let log: FunctionLog

    /// A drill still running this long before the deadline is stopped, leaving time to delete
    /// its scratch pool and answer.
    static let stopBeforeDeadlineMilliseconds: Int64 = 60_000
    /// The cleanup's own limit, so that the answer still goes out.
    static let cleanUpBeforeDeadlineMilliseconds: Int64 = 5_000

    public init(configuration: FunctionConfiguration, aws: AWSClient, log: FunctionLog) {
        self.configuration = configuration
        let cognito = Cognito(aws: aws, quotas: configuration.quotas)
        // The template sets it to its ImportRole: a `"users": "all"` drill then imports.
        let role = aws.configuration.environment["BACKUP_IMPORT_ROLE_ARN"]?.trimmingCharacters(in: " \t\r\n") ?? ""
        drill = Drill(cognito: cognito, creating: Cognito(aws: aws, quotas: configuration.quotas, retry: RetryPolicy(maxAttempts: 1)),
                      s3: S3(aws: aws), catalog: BackupCatalog(dynamodb: DynamoDB(aws: aws), table: configuration.table),
                      importAccess: role.isEmpty ? nil : ImportJobAccess(roleARN: role, logs: CloudWatchLogs(aws: aws)))
        self.log = log
    }

    func handle(_ poolIDs: [String]?, users: DrillUsers, _ invocation: Invocation) async throws(InvocationError) -> [UInt8] {
        let pools: [String]
        if let poolIDs {
            pools = poolIDs
        } else {
            do {
                pools = try await configuration.selection.pools(in: drill.cognito).map(\.poolID)
            } catch {
                throw InvocationError(type: "SelectionFailed", message: "listing the selected pools: \(error)")
            }
        }
        var drill = self.drill
        drill.users = users
        drill.cleanupDeadline = invocation.deadline.adding(milliseconds: -Self.cleanUpBeforeDeadlineMilliseconds)
        var reports: [DrillReport] = []
        for poolID in pools {
            let (result, cutOff) = await Cutoff.run(until: invocation.deadline.adding(milliseconds: -Self.stopBeforeDeadlineMilliseconds)) {
                [drill] () async throws(Never) -> DrillReport in await drill.run(poolID: poolID)
            }
            let report = result.get()
            reports.append(report)
            var fields: [(String, JSON)] = [("drill", report.json)]
            if cutOff { fields.append(("stopped", "at the invocation's deadline")) }
            if report.passed {
                log.info("drill passed", requestID: invocation.requestID, fields)
            } else {
                log.error("drill failed", requestID: invocation.requestID, fields)
            }
            log.metrics(poolID: poolID, [("DrillSucceeded", "Count", report.passed ? 1 : 0), ("DrillFailed", "Count", report.passed ? 0 : 1),
                                         ("DrillDuration", "Milliseconds", report.totalMilliseconds),
                                         ("DrillUsersChecked", "Count", report.usersChecked), ("DrillBilledUsers", "Count", report.billedUsers)])
        }
        let failed = reports.filter { !$0.passed }
        guard failed.isEmpty else {
            throw InvocationError(type: "DrillFailed", message: "\(failed.count) of \(reports.count) drills failed: "
                + failed.map { "\($0.poolID): \($0.failure ?? "")" }.joined(separator: "; "))
        }
        let body: JSON = [
            "message": .string("\(reports.count) drills passed"),
            "drills": .array(reports.map {
                ["user_pool_id": .string($0.poolID), "s3_key": $0.record.map { .string($0.s3Key) } ?? .null,
                 "recovery_time_ms": .number($0.recoveryMilliseconds), "users_checked": .number($0.usersChecked),
                 "billed_users": .number($0.billedUsers)]
            }),
        ]
        return (["statusCode": 200, "body": .string(body.serialized)] as JSON).serializedBytes
    }
}
