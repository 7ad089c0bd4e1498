import AWSCore

/// What S3 says about a bucket's replication: its rules, and where each object stands.
extension S3 {
    /// One enabled rule of a bucket's replication configuration.
    public struct ReplicationRule: Sendable, Equatable {
        public let id: String
        /// Keys this rule replicates start with it (`Filter.Prefix`, `Filter.And.Prefix` or the
        /// older rule-level `Prefix`; empty for every key).
        public let prefix: String
        /// The destination bucket's name (the configuration names its ARN).
        public let destinationBucket: String
        /// The destination account, for a rule that replicates to another account.
        public let destinationAccount: String?
    }

    /// The bucket's enabled replication rules; nil when it has no replication configuration.
    public func replicationRules(bucket: String) async throws(AWSError) -> [ReplicationRule]? {
        let text: String
        do {
            text = String(decoding: try await send("GetBucketReplication", "GET", bucket: bucket, key: nil, query: [("replication", "")]).body,
                          as: UTF8.self)
        } catch where error.code == "ReplicationConfigurationNotFoundError" {
            return nil
        }
        return Self.replicationRules(in: text)
    }

    static func replicationRules(in xml: String) -> [ReplicationRule] {
        XMLText.values(of: "Rule", in: xml).compactMap { rule in
            guard XMLText.value(of: "Status", in: Self.withoutNestedStatus(rule)) == "Enabled",
                  let destination = XMLText.value(of: "Destination", in: rule),
                  let arn = XMLText.value(of: "Bucket", in: destination) else { return nil }
            return ReplicationRule(id: XMLText.value(of: "ID", in: rule) ?? "", prefix: XMLText.value(of: "Prefix", in: rule) ?? "",
                                   destinationBucket: String(arn.split(separator: ":").last ?? Substring(arn)),
                                   destinationAccount: XMLText.value(of: "Account", in: destination))
        }
    }

    /// The rule without the elements that carry a `Status` of their own, whatever order S3 lists
    /// them in, so that the rule's own remains.
    static func withoutNestedStatus(_ rule: String) -> String {
        var rule = Substring(rule)
        for element in ["DeleteMarkerReplication", "SourceSelectionCriteria", "ExistingObjectReplication", "Destination"] {
            while let start = rule.firstRange(of: "<\(element)>"), let end = rule[start.upperBound...].firstRange(of: "</\(element)>") {
                rule = rule[..<start.lowerBound] + rule[end.upperBound...]
            }
        }
        return String(rule)
    }

    /// An object's size and `x-amz-replication-status` (COMPLETED, PENDING, FAILED, or REPLICA
    /// for a replica; nil for an object no rule covered when it was written).
    public func replicationState(bucket: String, key: String) async throws(AWSError) -> (size: Int, status: String?) {
        let response = try await send("HeadObject", "HEAD", bucket: bucket, key: key)
        return (Int(response.header("content-length") ?? "") ?? 0, response.header("x-amz-replication-status"))
    }
}
