import AWSServices
import JSON
import Support

/// One backup as the metadata table records it.
public struct BackupRecord: Sendable, Equatable {
    public var userPoolID: String
    public var backupDate: String
    public var bucket: String
    public var s3Key: String
    public var userCount: Int
    public var groupCount: Int
    public var membershipCount: Int
    public var appClientCount: Int
    public var identityProviderCount: Int
    public var resourceServerCount: Int
    public var sizeBytes: Int
    public var sha256: String
    public var s3VersionID: String?
    public var durationMilliseconds: Int
    public var formatVersion: Int
    public var warningCount: Int
    /// The Lambda request id of the invocation that took it (nil from the CLI): a redelivered
    /// event finds its backup by it instead of taking another.
    public var requestID: String?
    /// The retention tier the object and its manifest are tagged with.
    public var tier: BackupTier? = nil
    /// When its tier's lifecycle rule removes the object, in seconds since the epoch: the table's
    /// TTL attribute. nil: written without the tiers' days (a CLI backup without
    /// `BACKUP_TIER_RETENTION_DAYS`, a row from before expiries), or under a legal hold.
    public var expiresAt: Int? = nil
    /// `held`: the legal hold `hold` set on the object's and the manifest's versions (the row
    /// only, never the manifest, which is written before any hold).
    public var legalHold: BackupHold? = nil

    var item: JSON {
        var item: JSONObject = [
            "user_pool_id": AttributeValue.string(userPoolID),
            "backup_date": AttributeValue.string(backupDate),
            "s3_bucket": AttributeValue.string(bucket),
            "s3_key": AttributeValue.string(s3Key),
            "user_count": AttributeValue.number(userCount),
            "group_count": AttributeValue.number(groupCount),
            "membership_count": AttributeValue.number(membershipCount),
            "app_client_count": AttributeValue.number(appClientCount),
            "identity_provider_count": AttributeValue.number(identityProviderCount),
            "resource_server_count": AttributeValue.number(resourceServerCount),
            "size_bytes": AttributeValue.number(sizeBytes),
            "sha256": AttributeValue.string(sha256),
            "duration_ms": AttributeValue.number(durationMilliseconds),
            "format_version": AttributeValue.number(formatVersion),
            "warning_count": AttributeValue.number(warningCount),
        ]
        if let s3VersionID { item["s3_version_id"] = AttributeValue.string(s3VersionID) }
        if let requestID { item["request_id"] = AttributeValue.string(requestID) }
        if let tier { item["tier"] = AttributeValue.string(tier.rawValue) }
        if let expiresAt { item["expires_at"] = AttributeValue.number(expiresAt) }
        if let legalHold { item["held"] = legalHold.item }
        return .object(item)
    }

    /// The record as plain JSON, for `--json` output and the Lambda's answer.
    public var json: JSON {
        .object((item.object ?? JSONObject()).members.map { ($0.key, AttributeValue.plain($0.value)) })
    }
}

extension BackupRecord {
    init(item: JSON) {
        self.init(plain: .object((item.object ?? JSONObject()).members.map { ($0.key, AttributeValue.plain($0.value)) }))
    }

    /// Reads the record's plain JSON form: the one `json` writes, in answers and manifests.
    public init(plain: JSON) {
        func s(_ key: String) -> String { plain[key]?.string ?? "" }
        func n(_ key: String) -> Int { plain[key]?.int ?? 0 }
        userPoolID = s("user_pool_id")
        backupDate = s("backup_date")
        bucket = s("s3_bucket")
        s3Key = s("s3_key")
        userCount = n("user_count")
        groupCount = n("group_count")
        membershipCount = n("membership_count")
        appClientCount = n("app_client_count")
        identityProviderCount = n("identity_provider_count")
        resourceServerCount = n("resource_server_count")
        sizeBytes = n("size_bytes")
        sha256 = s("sha256")
        s3VersionID = plain["s3_version_id"]?.string
        durationMilliseconds = n("duration_ms")
        formatVersion = n("format_version")
        warningCount = n("warning_count")
        requestID = plain["request_id"]?.string
        tier = plain["tier"]?.string.flatMap(BackupTier.init(rawValue:))
        expiresAt = plain["expires_at"]?.int
        legalHold = plain["held"].flatMap(BackupHold.init(plain:))
    }

    /// Whether its object is gone at `now` by its tier's rule: by its expiry, or for a row written
    /// without one, by its tier and `retention` when known. A held row never is. DynamoDB deletes
    /// an expired row up to two days late, so readers judge the expiry themselves.
    public func hasExpired(at now: UTCTime, retention: TierRetention?) -> Bool {
        guard legalHold == nil else { return false }
        if let expiresAt { return Int64(expiresAt) <= now.secondsSinceEpoch }
        guard let retention, let started = UTCTime(iso8601: backupDate) else { return false }
        return retention.expiry(of: tier, startedAt: started) <= now.secondsSinceEpoch
    }
}

/// A legal hold as the row records it: the versions held, so that the backup is found, listed
/// and restored by version once its tier's lifecycle rule has put a delete marker on its key.
public struct BackupHold: Sendable, Equatable {
    public var objectVersionID: String
    /// nil for a backup older than manifests.
    public var manifestVersionID: String?
    public var since: String
    /// The row's expiry before the hold, put back when it is lifted.
    public var expiresAt: Int?

    public init(objectVersionID: String, manifestVersionID: String?, since: String, expiresAt: Int?) {
        self.objectVersionID = objectVersionID
        self.manifestVersionID = manifestVersionID
        self.since = since
        self.expiresAt = expiresAt
    }

    var item: JSON {
        var members: JSONObject = ["object_version_id": AttributeValue.string(objectVersionID), "since": AttributeValue.string(since)]
        if let manifestVersionID { members["manifest_version_id"] = AttributeValue.string(manifestVersionID) }
        if let expiresAt { members["expires_at"] = AttributeValue.number(expiresAt) }
        return AttributeValue.map(members)
    }

    init?(plain: JSON) {
        guard let object = plain["object_version_id"]?.string else { return nil }
        self.init(objectVersionID: object, manifestVersionID: plain["manifest_version_id"]?.string,
                  since: plain["since"]?.string ?? "", expiresAt: plain["expires_at"]?.int)
    }
}

/// The metadata table: one item per finished backup, keyed by pool and date.
public struct BackupCatalog: Sendable {
    public let dynamodb: DynamoDB
    public let table: String

    public init(dynamodb: DynamoDB, table: String) {
        self.dynamodb = dynamodb
        self.table = table
    }

    /// Adds the row, never replacing one: a retried write whose first answer was lost finds its
    /// own row and succeeds.
    public func record(_ record: BackupRecord) async throws {
        do {
            _ = try await dynamodb.call("PutItem", [
                "TableName": .string(table), "Item": record.item,
                "ConditionExpression": "attribute_not_exists(user_pool_id)",
            ])
        } catch where error.code == "ConditionalCheckFailedException" {
            guard try await holds(record) else { throw error }
        }
    }

    /// Whether the table has this backup's row (a consistent read).
    public func holds(_ record: BackupRecord) async throws -> Bool {
        let answer = try await dynamodb.call("GetItem", [
            "TableName": .string(table), "ConsistentRead": true,
            "Key": ["user_pool_id": AttributeValue.string(record.userPoolID), "backup_date": AttributeValue.string(record.backupDate)],
        ])
        return answer["Item"]?["s3_key"]?["S"]?.string == record.s3Key
    }

    /// The pool's backups, newest first.
    public func backups(of poolID: String, limit: Int? = nil) async throws -> [BackupRecord] {
        try await records("Query", [
            "TableName": .string(table),
            "KeyConditionExpression": "user_pool_id = :pool",
            "ExpressionAttributeValues": [":pool": AttributeValue.string(poolID)],
            "ScanIndexForward": false,
        ], limit: limit)
    }

    /// The row of the backup object `key`, if the table has one: its date is its key's second,
    /// moved on by a millisecond per backup of the pool started in that second.
    public func backup(at key: BackupKey) async throws -> BackupRecord? {
        guard let second = UTCTime(iso8601: key.startedAt) else { return nil }
        let rows = try await records("Query", [
            "TableName": .string(table), "ConsistentRead": true,
            "KeyConditionExpression": "user_pool_id = :pool AND backup_date BETWEEN :from AND :to",
            "ExpressionAttributeValues": [":pool": AttributeValue.string(key.poolID), ":from": AttributeValue.string(second.iso8601),
                                          ":to": AttributeValue.string(second.adding(milliseconds: 2_000).iso8601)],
        ], limit: nil)
        return rows.first { $0.s3Key == key.key }
    }

    /// Records the hold on the row, and removes its expiry so that the row outlives the tier
    /// (`hold` nil: lifts it and puts back the expiry it had). Only the row of `record`'s key.
    public func setHold(_ hold: BackupHold?, on record: BackupRecord) async throws {
        var input: JSONObject = [
            "TableName": .string(table),
            "Key": ["user_pool_id": AttributeValue.string(record.userPoolID), "backup_date": AttributeValue.string(record.backupDate)],
            "ConditionExpression": "s3_key = :key",
        ]
        var values: JSONObject = [":key": AttributeValue.string(record.s3Key)]
        if let hold {
            values[":hold"] = hold.item
            input["UpdateExpression"] = "SET held = :hold REMOVE expires_at"
        } else if let expiry = record.legalHold?.expiresAt {
            values[":expiry"] = AttributeValue.number(expiry)
            input["UpdateExpression"] = "SET expires_at = :expiry REMOVE held"
        } else {
            input["UpdateExpression"] = "REMOVE held"
        }
        input["ExpressionAttributeValues"] = .object(values)
        _ = try await dynamodb.call("UpdateItem", .object(input))
    }

    /// Every pool's backups (a table scan), newest first. Items without a key are the function's
    /// leases on pools, not backups.
    public func allBackups() async throws -> [BackupRecord] {
        try await records("Scan", ["TableName": .string(table), "FilterExpression": "attribute_exists(s3_key)"], limit: nil)
            .sorted { $0.backupDate > $1.backupDate }
    }

    /// The items of `operation`, page after page, until the last page or `limit` records.
    private func records(_ operation: String, _ input: JSONObject, limit: Int?) async throws -> [BackupRecord] {
        var records: [BackupRecord] = []
        var request = input
        repeat {
            if let limit { request["Limit"] = .number(limit - records.count) }
            let page = try await dynamodb.call(operation, .object(request))
            records += (page["Items"]?.array ?? []).map(BackupRecord.init(item:))
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        } while request["ExclusiveStartKey"] != nil && (limit.map { records.count < $0 } ?? true)
        return records
    }
}
