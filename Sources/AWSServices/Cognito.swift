import AWSCore
import JSON

/// What the backup and restore need of Cognito: one call by operation name, JSON in and out.
/// The seam lets tests answer with recorded Cognito responses.
public protocol CognitoAPI: Sendable {
    func call(_ operation: String, _ input: JSON) async throws -> JSON
    /// The answer kept as its bytes, for pages copied into a backup as they came.
    func callRaw(_ operation: String, _ input: JSON) async throws -> RawJSONObject
}

extension CognitoAPI {
    /// For doubles that answer with values: the same answer, as bytes.
    public func callRaw(_ operation: String, _ input: JSON) async throws -> RawJSONObject {
        try RawJSONObject(validating: try await call(operation, input).serializedBytes)
    }
}

/// Cognito user pools over JSON 1.1. Every call draws on the token bucket of its quota category,
/// shared by all tasks, so parallel readers together stay just under the account's quota.
public final class Cognito: CognitoAPI {
    private let client: JSONProtocolClient
    public let quotas: CognitoQuotas

    public init(aws: AWSClient, quotas: CognitoQuotas = CognitoQuotas(), retry: RetryPolicy = .throttleTolerant) {
        client = JSONProtocolClient(aws: aws, service: .cognitoIdentityProvider,
                                    targetPrefix: "AWSCognitoIdentityProviderService", version: "1.1", retry: retry)
        self.quotas = quotas
    }

    public func call(_ operation: String, _ input: JSON) async throws -> JSON {
        try await client.call(operation, input, limiters: quotas.limiters(for: operation, poolID: input["UserPoolId"]?.string))
    }

    public func callRaw(_ operation: String, _ input: JSON) async throws -> RawJSONObject {
        try await client.callRaw(operation, input, limiters: quotas.limiters(for: operation, poolID: input["UserPoolId"]?.string))
    }
}

extension RetryPolicy {
    /// For callers that deliberately run at a quota: throttling is expected now and then and must
    /// not fail a backup that has read 90 % of a pool. The token bucket already slows every
    /// caller to a tenth of the quota when throttled, so backoffs stay short: a long one would
    /// only leave the quota idle after a storm has passed.
    public static let throttleTolerant = RetryPolicy(maxAttempts: 10, baseDelayMilliseconds: 200, maxDelayMilliseconds: 5_000)
}
