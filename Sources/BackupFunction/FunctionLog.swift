import Backup
import JSON
import Support
#if canImport(Glibc)
import Glibc
#endif

/// Lambda's JSON log format on stdout, one object a line, and CloudWatch Embedded Metric Format
/// records that CloudWatch turns into metrics without an API call. Nothing secret is ever logged:
/// only pool ids, keys, counts and error descriptions (which carry no credentials).
public struct FunctionLog: Sendable {
    let write: @Sendable (String) -> Void
    /// `BACKUP_ENVIRONMENT`: a dimension of every metric, first in each dimension set, so that two
    /// stacks in one account and region alarm on their own pools only. nil: none, as before.
    let environment: String?

    public init(environment: String? = nil, write: @escaping @Sendable (String) -> Void = { line in
        StandardStream.output.write(line + "\n")
    }) {
        self.write = write
        let name = environment?.trimmingCharacters(in: " \t\r\n") ?? ""
        self.environment = name.isEmpty ? nil : name
    }

    public func info(_ message: String, requestID: String? = nil, _ fields: [(String, JSON)] = []) {
        entry("INFO", message, requestID: requestID, fields)
    }

    public func warn(_ message: String, requestID: String? = nil, _ fields: [(String, JSON)] = []) {
        entry("WARN", message, requestID: requestID, fields)
    }

    public func error(_ message: String, requestID: String? = nil, _ fields: [(String, JSON)] = []) {
        entry("ERROR", message, requestID: requestID, fields)
    }

    private func entry(_ level: String, _ message: String, requestID: String?, _ fields: [(String, JSON)]) {
        var line: JSONObject = ["timestamp": .string(UTCTime.now().iso8601), "level": .string(level), "message": .string(message)]
        if let requestID { line["requestId"] = .string(requestID) }
        for (key, value) in fields { line[key] = value }
        write(JSON.object(line).serialized)
    }

    static let namespace = "CognitoBackup"
    static let environmentDimension = "Environment"

    /// One metrics record per pool: with the pool as dimension, and without, so an alarm can
    /// watch every pool at once.
    public func metrics(poolID: String, succeeded: Bool, durationMilliseconds: Int, users: Int, bytes: Int) {
        emit(dimensions: [["UserPoolId"], []], ["UserPoolId": .string(poolID)], [
            ("BackupSucceeded", "Count", .number(succeeded ? 1 : 0)), ("BackupFailed", "Count", .number(succeeded ? 0 : 1)),
            ("BackupDuration", "Milliseconds", .number(durationMilliseconds)), ("UsersBackedUp", "Count", .number(users)),
            ("BackupBytes", "Bytes", .number(bytes)),
        ])
    }

    /// The quota plan: one log line, at WARN when the schedule cannot keep up, and its metrics —
    /// the schedule's share of the UserList quota and whether it fits, then each pool's estimate.
    public func quotaPlan(_ plan: QuotaPlan, requestID: String) {
        let fields = plan.json.members.map { ($0.key, $0.value) }
        if plan.problems.isEmpty { info("quota plan", requestID: requestID, fields) } else { warn("quota plan does not fit", requestID: requestID, fields) }
        emit(dimensions: [[]], [:], [
            ("UserListQuotaShare", "None", .number(plan.userListQuotaShare)),
            ("QuotaPlanDoesNotFit", "Count", .number(plan.problems.isEmpty ? 0 : 1)),
        ])
        for pool in plan.pools {
            emit(dimensions: [["UserPoolId"]], ["UserPoolId": .string(pool.poolID)], [
                ("EstimatedBackupSeconds", "Seconds", .number(Int(QuotaPlan.seconds(pool.estimatedMilliseconds)))),
            ])
        }
    }

    /// What one pool's backup took of the account's UserList quota in this invocation, per pool
    /// only: the run-wide `UserListQuotaShare` without dimension is the quota plan's.
    public func quotaUse(poolID: String, userListRequests: Int, share: Double) {
        emit(dimensions: [["UserPoolId"]], ["UserPoolId": .string(poolID)], [
            ("UserListRequests", "Count", .number(userListRequests)), ("UserListQuotaShare", "None", .number(share)),
        ])
    }

    /// The selection's protection, without dimension: what the alarms on it watch.
    public func protection(poolsWithoutRecentBackup: Int, drillsOverdue: Int?) {
        emit(dimensions: [[]], [:], [("PoolsWithoutRecentBackup", "Count", .number(poolsWithoutRecentBackup))]
            + (drillsOverdue.map { [("DrillOverdue", "Count", JSON.number($0))] } ?? []))
    }

    /// An Embedded Metric Format record of `values` for one pool, with and without the pool as dimension.
    func metrics(poolID: String, _ values: [(name: String, unit: String, value: Int)]) {
        emit(dimensions: [["UserPoolId"], []], ["UserPoolId": .string(poolID)], values.map { ($0.name, $0.unit, .number($0.value)) })
    }

    /// An Embedded Metric Format record: `properties` hold the dimensions' values.
    private func emit(dimensions: [[String]], _ properties: JSONObject, _ metrics: [(name: String, unit: String, value: JSON)]) {
        let dimensions = environment == nil ? dimensions : dimensions.map { [Self.environmentDimension] + $0 }
        var record: JSONObject = [
            "_aws": [
                "Timestamp": .number(Int(UTCTime.now().millisecondsSinceEpoch)),
                "CloudWatchMetrics": [[
                    "Namespace": .string(Self.namespace),
                    "Dimensions": .array(dimensions.map { .array($0.map(JSON.string)) }),
                    "Metrics": .array(metrics.map { ["Name": .string($0.name), "Unit": .string($0.unit)] }),
                ]],
            ],
        ]
        if let environment { record[Self.environmentDimension] = .string(environment) }
        for (key, value) in properties.members { record[key] = value }
        for metric in metrics { record[metric.name] = metric.value }
        write(JSON.object(record).serialized)
    }
}
