import AWSCore
import AWSServices
import JSON
import Support

/// Which run holds a pool's share of the UserList quota now. One item per pool in the metadata
/// table, under a partition key no pool id can have (`lease#<pool id>`, so the pool's backups'
/// rows never include it), written only when no live lease is there and deleted at the end.
/// A lease ends at its invocation's deadline, when Lambda stops the run whatever it was doing:
/// one past it belongs to a run that died, and is taken over.
public struct PoolLeases: Sendable {
    let dynamodb: DynamoDB
    let table: String

    public init(dynamodb: DynamoDB, table: String) {
        self.dynamodb = dynamodb
        self.table = table
    }

    public struct Lease: Sendable {
        public let poolID: String
        public let holder: Holder
        /// Tells this run's lease from a later one of the same request (a redelivered event).
        let token: String
    }

    /// The run a lease names.
    public struct Holder: Sendable {
        public let requestID: String
        public let since: String
        public let until: UTCTime
    }

    public enum Taken: Sendable {
        /// `previous` is the expired lease of a run that died, when there was one.
        case taken(Lease, previous: Holder?)
        case heldBy(Holder)
    }

    /// Conditions that change between our two calls (a release, an expiry) are looked at again,
    /// a few times at most.
    static let attempts = 3

    public func take(_ poolID: String, requestID: String, until expiry: UTCTime) async throws(AWSError) -> Taken {
        let now = UTCTime.now()
        let lease = Lease(poolID: poolID, holder: Holder(requestID: requestID, since: now.iso8601, until: expiry), token: Self.newToken())
        for _ in 1...Self.attempts {
            do {
                let answer = try await dynamodb.call("PutItem", [
                    "TableName": .string(table), "Item": Self.item(lease),
                    "ConditionExpression": "attribute_not_exists(user_pool_id) OR expires_at <= :now",
                    "ExpressionAttributeValues": [":now": AttributeValue.number(Int(UTCTime.now().secondsSinceEpoch))],
                    "ReturnValues": "ALL_OLD",
                ])
                return .taken(lease, previous: answer["Attributes"].flatMap(Self.holder(of:)))
            } catch where error.code == "ConditionalCheckFailedException" {
                guard let current = try await item(of: poolID), let holder = Self.holder(of: current) else { continue }
                // Our own write, retried after its answer was lost.
                if current["lease_token"]?["S"]?.string == lease.token { return .taken(lease, previous: nil) }
                if UTCTime.now() < holder.until { return .heldBy(holder) }
            }
        }
        throw AWSError(service: "dynamodb", operation: "PutItem", httpStatus: nil, code: "LeaseContended",
                       message: "the lease of \(poolID) changed hands \(Self.attempts) times while it was being taken", requestID: nil)
    }

    /// The same lease, live until `expiry`: a backup that goes on in the next invocation keeps
    /// the pool. Fails with `LeaseLost` if the lease expired and another run took it.
    public func extend(_ lease: Lease, until expiry: UTCTime) async throws(AWSError) -> Lease {
        let extended = Lease(poolID: lease.poolID, holder: Holder(requestID: lease.holder.requestID, since: lease.holder.since, until: expiry),
                             token: lease.token)
        do {
            _ = try await dynamodb.call("PutItem", [
                "TableName": .string(table), "Item": Self.item(extended), "ConditionExpression": "lease_token = :token",
                "ExpressionAttributeValues": [":token": AttributeValue.string(lease.token)],
            ])
        } catch where error.code == "ConditionalCheckFailedException" {
            throw AWSError(service: "dynamodb", operation: "PutItem", httpStatus: error.httpStatus, code: "LeaseLost",
                           message: "the lease of \(lease.poolID) expired between invocations and another run took it", requestID: error.requestID)
        }
        return extended
    }

    public func release(_ lease: Lease) async throws(AWSError) {
        do {
            _ = try await dynamodb.call("DeleteItem", [
                "TableName": .string(table), "Key": Self.key(lease.poolID),
                "ConditionExpression": "lease_token = :token",
                "ExpressionAttributeValues": [":token": AttributeValue.string(lease.token)],
            ])
        } catch where error.code == "ConditionalCheckFailedException" {
            // Taken over after it expired, or deleted by a first attempt whose answer was lost:
            // either way this run holds nothing any more.
        }
    }

    /// The run that holds (or held, if `until` is past) the pool's lease; nil when none does.
    public func holder(of poolID: String) async throws(AWSError) -> Holder? {
        try await item(of: poolID).flatMap(Self.holder(of:))
    }

    private func item(of poolID: String) async throws(AWSError) -> JSON? {
        try await dynamodb.call("GetItem", ["TableName": .string(table), "ConsistentRead": true, "Key": Self.key(poolID)])["Item"]
    }

    static func key(_ poolID: String) -> JSON {
        ["user_pool_id": AttributeValue.string("lease#\(poolID)"), "backup_date": AttributeValue.string("lease")]
    }

    static func item(_ lease: Lease) -> JSON {
        var item = key(lease.poolID).object ?? JSONObject()
        item["lease_of"] = AttributeValue.string(lease.poolID)
        item["holder_request_id"] = AttributeValue.string(lease.holder.requestID)
        item["started"] = AttributeValue.string(lease.holder.since)
        item["expires_at"] = AttributeValue.number(Int(Self.expiry(lease.holder.until)))
        item["lease_token"] = AttributeValue.string(lease.token)
        return .object(item)
    }

    /// A lease is live until this second: the deadline, rounded up to the table's whole seconds.
    static func expiry(_ deadline: UTCTime) -> Int64 { (deadline.millisecondsSinceEpoch + 999) / 1000 }

    static func holder(of item: JSON) -> Holder? {
        guard let requestID = item["holder_request_id"]?["S"]?.string, let expires = item["expires_at"]?["N"]?.string.flatMap({ Int64($0) })
        else { return nil }
        return Holder(requestID: requestID, since: item["started"]?["S"]?.string ?? "?", until: UTCTime(millisecondsSinceEpoch: expires * 1000))
    }

    static func newToken() -> String {
        var random = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(random.next() as UInt64, radix: 16) }.joined(separator: "-")
    }
}
