import AWSCore
import AWSServices
import JSON
import Support

/// The newest drill of a pool, as the metadata table keeps it: what `status` and the function's
/// DrillOverdue judge restore testing by. Logs and metrics alone age out, and no reader of the
/// table could tell a pool never drilled from one drilled yesterday.
public struct DrillRecord: Sendable, Equatable {
    public let poolID: String
    /// `YYYY-MM-DDTHH:MM:SSZ`, when the drill ended.
    public let finishedAt: String
    public let passed: Bool
    /// The first failed step, in words; nil when it passed.
    public let failure: String?
    /// The backup it restored; nil when it found none.
    public let drilledKey: String?
    public let recoveryMilliseconds: Int

    public init(poolID: String, finishedAt: String, passed: Bool, failure: String?, drilledKey: String?, recoveryMilliseconds: Int) {
        self.poolID = poolID
        self.finishedAt = finishedAt
        self.passed = passed
        self.failure = failure
        self.drilledKey = drilledKey
        self.recoveryMilliseconds = recoveryMilliseconds
    }

    public init(_ report: DrillReport, finishedAt: UTCTime) {
        self.init(poolID: report.poolID, finishedAt: finishedAt.iso8601, passed: report.passed, failure: report.failure,
                  drilledKey: report.record?.s3Key, recoveryMilliseconds: report.recoveryMilliseconds)
    }

    public var json: JSON {
        ["user_pool_id": .string(poolID), "finished_at": .string(finishedAt), "passed": .bool(passed),
         "failure": failure.map(JSON.string) ?? .null, "drilled_key": drilledKey.map(JSON.string) ?? .null,
         "recovery_time_ms": .number(recoveryMilliseconds)]
    }
}

/// One item per pool, replaced by each drill, under a partition key no pool id can have
/// (`drill#<pool id>`, as the leases' `lease#`), so a pool's backups never include it. The
/// backup's key is `drilled_key`, not `s3_key`: a scan for backups looks for that attribute.
public struct DrillRecords: Sendable {
    let dynamodb: DynamoDB
    public let table: String

    public init(dynamodb: DynamoDB, table: String) {
        self.dynamodb = dynamodb
        self.table = table
    }

    public func record(_ drill: DrillRecord) async throws(AWSError) {
        var item = Self.key(drill.poolID).object ?? JSONObject()
        item["drill_of"] = AttributeValue.string(drill.poolID)
        item["finished_at"] = AttributeValue.string(drill.finishedAt)
        item["passed"] = ["BOOL": .bool(drill.passed)]
        if let failure = drill.failure { item["failure"] = AttributeValue.string(failure) }
        if let key = drill.drilledKey { item["drilled_key"] = AttributeValue.string(key) }
        item["recovery_time_ms"] = AttributeValue.number(drill.recoveryMilliseconds)
        _ = try await dynamodb.call("PutItem", ["TableName": .string(table), "Item": .object(item)])
    }

    /// nil for a pool never drilled (or drilled only before drills were recorded).
    public func newest(of poolID: String) async throws(AWSError) -> DrillRecord? {
        let answer = try await dynamodb.call("GetItem", ["TableName": .string(table), "ConsistentRead": true, "Key": Self.key(poolID)])
        guard let item = answer["Item"], let finished = item["finished_at"]?["S"]?.string else { return nil }
        return DrillRecord(poolID: poolID, finishedAt: finished, passed: item["passed"]?["BOOL"]?.bool ?? false,
                           failure: item["failure"]?["S"]?.string, drilledKey: item["drilled_key"]?["S"]?.string,
                           recoveryMilliseconds: item["recovery_time_ms"]?["N"]?.string.flatMap { Int($0) } ?? 0)
    }

    static func key(_ poolID: String) -> JSON {
        ["user_pool_id": AttributeValue.string("drill#\(poolID)"), "backup_date": AttributeValue.string("drill")]
    }
}
