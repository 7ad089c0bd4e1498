import HTTP
import Signing
import Support


public protocol CredentialProvider: Sendable {
    func credentials() async throws(CredentialError) -> Credentials
}

public struct CredentialError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// A credentials endpoint that failed but may answer next time (unreachable, timed out,
    /// HTTP 5xx), as opposed to configuration that names no usable credentials.
    public let isTransient: Bool
    public init(_ message: String, isTransient: Bool = false) {
        self.message = message
        self.isTransient = isTransient
    }
    public var description: String { message }
}

/// Finds credentials where the AWS SDKs look, in their order: the environment, the profile
/// (assumed roles, web identity, SSO, static keys, `credential_process`; see `ProfileCredentials`),
/// the container credentials endpoint (ECS, Lambda SnapStart, EKS Pod Identity), then EC2's
/// instance metadata (IMDSv2).
///
/// Temporary credentials are refreshed without a gap: from five minutes before they expire a
/// background refresh runs, retrying with backoff, while callers keep getting the still-valid
/// ones; a caller waits only when there are none, or they have expired.
public actor CredentialChain: CredentialProvider {
    private let environment: [String: String]
    private let profile: String?
    private let region: String?
    private let http: HTTPClient
    private let refreshBackoff: RetryPolicy
    private var cached: Credentials?
    private var lookupInFlight: Task<Result<Credentials, CredentialError>, Never>?
    private var backgroundRefresh: Task<Void, Never>?

    public static let refreshWindowMilliseconds: Int64 = 5 * 60 * 1000
    /// Credentials this close to expiring are treated as expired: a request signed with them could
    /// arrive after they stop working.
    static let expiryMarginMilliseconds: Int64 = 30 * 1000

    /// `region` is where STS is called for role and web identity profiles; without it, the
    /// environment's or the profile's.
    public init(environment: [String: String], profile: String? = nil, region: String? = nil, http: HTTPClient = .shared,
                refreshBackoff: RetryPolicy = RetryPolicy(baseDelayMilliseconds: 1_000, maxDelayMilliseconds: 30_000)) {
        self.environment = environment
        self.profile = profile
        self.region = region
        self.http = http
        self.refreshBackoff = refreshBackoff
    }

    public func credentials() async throws(CredentialError) -> Credentials {
        let now = UTCTime.now()
        if let cached, !Self.hasExpired(cached, at: now) {
            if Self.isExpiring(cached, at: now), backgroundRefresh == nil {
                backgroundRefresh = Task { await self.refreshWhileValid() }
            }
            return cached
        }
        return try await lookup().get()
    }

    /// One lookup at a time: callers arriving during one wait for its answer instead of each
    /// asking the metadata endpoint again.
    private func lookup() async -> Result<Credentials, CredentialError> {
        let task = lookupInFlight ?? Task { await self.resolveResult() }
        lookupInFlight = task
        let result = await task.value
        if lookupInFlight == task { lookupInFlight = nil }
        if case .success(let fresh) = result { cached = fresh }
        return result
    }

    /// Retries the lookup with backoff until it succeeds or the cached credentials expire; from
    /// then on callers look up for themselves.
    private func refreshWhileValid() async {
        defer { backgroundRefresh = nil }
        var attempt = 1
        while let cached, Self.isExpiring(cached, at: .now()), !Self.hasExpired(cached, at: .now()) {
            if case .success = await lookup() { return }
            let delay = refreshBackoff.backoffMilliseconds(attempt: attempt) { Int.random(in: $0) }
            do { try await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000) } catch { return }
            attempt += 1
        }
    }

    private func resolveResult() async -> Result<Credentials, CredentialError> {
        do { return .success(try await resolve()) } catch { return .failure(error) }
    }

    static func isExpiring(_ credentials: Credentials, at now: UTCTime) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return now.adding(milliseconds: refreshWindowMilliseconds) >= expiration
    }

    static func hasExpired(_ credentials: Credentials, at now: UTCTime) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return now.adding(milliseconds: expiryMarginMilliseconds) >= expiration
    }

    private func resolve() async throws(CredentialError) -> Credentials {
        // As in the AWS CLI: keys in the environment win over AWS_PROFILE, but not over --profile.
        if profile == nil, let credentials = Self.fromEnvironment(environment) { return credentials }
        let namedProfile = profile ?? environment["AWS_PROFILE"]
        let context = CredentialContext(environment: environment, region: region, http: http)
        let profiles = ProfileCredentials(context: context)
        if let credentials = try await profiles.resolve(profile: namedProfile ?? "default", required: namedProfile != nil) { return credentials }
        if let container = try ContainerCredentialsSource(environment: environment) { return try await container.fetch(http: http) }
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() != "true" {
            let imds = InstanceMetadataSource(environment: environment)
            if let credentials = try await imds.fetch(http: http) { return credentials }
        }
        throw CredentialError("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an IAM role")
    }

    static func fromEnvironment(_ environment: [String: String]) -> Credentials? {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
              let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else { return nil }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }
}

