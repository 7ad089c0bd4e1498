import AWSCore
import JSON

/// DynamoDB over JSON 1.0, for the metadata table.
public final class DynamoDB: Sendable {
    private let client: JSONProtocolClient

    public init(aws: AWSClient, retry: RetryPolicy = .standard) {
        client = JSONProtocolClient(aws: aws, service: .dynamodb, targetPrefix: "DynamoDB_20120810", version: "1.0", retry: retry)
    }

    public func call(_ operation: String, _ input: JSON) async throws(AWSError) -> JSON {
        try await client.call(operation, input)
    }
}

/// DynamoDB's typed attribute values, for the few types the metadata table uses.
public enum AttributeValue {
    public static func string(_ value: String) -> JSON { ["S": .string(value)] }
    public static func number(_ value: Int) -> JSON { ["N": .string(String(value))] }
    /// A map of attribute values (`M`).
    public static func map(_ members: JSONObject) -> JSON { ["M": .object(members)] }

    public static func plain(_ attribute: JSON) -> JSON {
        if let s = attribute["S"]?.string { return .string(s) }
        if let n = attribute["N"]?.string { return .number(n) }
        if let b = attribute["BOOL"]?.bool { return .bool(b) }
        if let m = attribute["M"]?.object { return .object(m.members.map { ($0.key, plain($0.value)) }) }
        return .null
    }
}
