import AWSServices
import JSON

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
