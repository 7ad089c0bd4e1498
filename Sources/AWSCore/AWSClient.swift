import HTTP
import JSON
import Signing
import Support
import Synchronization

/// Region, credentials and endpoints: what every call to AWS needs, resolved once the way the
/// AWS CLI and SDKs resolve them.
public struct AWSConfiguration: Sendable {
    public let region: String
    public let environment: [String: String]
    public let profile: String?
    /// `--endpoint-url`: one endpoint for every service, ahead of the environment's.
    public let endpointOverride: String?

    public init(environment: [String: String] = ProcessEnvironment.current, region: String? = nil,
                profile: String? = nil, endpointOverride: String? = nil) throws(CredentialError) {
        self.environment = environment
        self.profile = profile
        self.endpointOverride = endpointOverride
        let profileName = profile ?? environment["AWS_PROFILE"] ?? "default"
        let resolved = region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
            ?? SharedConfigFiles(environment: environment).region(profile: profileName)
        guard let resolved, !resolved.isEmpty else {
            throw CredentialError("no AWS region: set AWS_REGION, pass --region, or set region in the profile")
        }
        self.region = resolved
    }
}

/// Signs, sends and retries calls to AWS. The service clients (`Cognito`, `S3`, `DynamoDB`) sit on
/// top of it and speak their protocols; nothing above them sees HTTP.
public final class AWSClient: Sendable {
    public static let userAgent = "cognito-backup/0.1.0"
    public let configuration: AWSConfiguration
    let credentials: any CredentialProvider
    let http: HTTPClient
    let timeouts: HTTPTimeouts
    /// How long one call may wait out throttling, on top of any `CallDeadline`; nil for no limit
    /// but the deadline (and, without one, the retry policy's attempts).
    public let maxThrottleWaitMilliseconds: Int64?
    /// How far AWS's clock is ahead of ours, learnt from a clock-skew error's `Date` header and
    /// kept for every later call, as the SDKs do.
    private let clockOffsetMilliseconds = Atomic<Int64>(0)

    public init(configuration: AWSConfiguration, credentials: (any CredentialProvider)? = nil, http: HTTPClient = .shared,
                timeouts: HTTPTimeouts = .standard, maxThrottleWaitMilliseconds: Int64? = nil) {
        self.configuration = configuration
        self.credentials = credentials ?? CredentialChain(environment: configuration.environment, profile: configuration.profile,
                                                          region: configuration.region, http: http)
        self.http = http
        self.timeouts = timeouts
        self.maxThrottleWaitMilliseconds = maxThrottleWaitMilliseconds
    }

    public var region: String { configuration.region }

    public func endpoint(for service: AWSService) -> Endpoint {
        Endpoint.resolve(service, region: region, environment: configuration.environment, override: configuration.endpointOverride)
    }

    /// One logical call: paced by every one of `limiters`, retried per `retry` (throttling until
    /// the call's deadline), and answered with a 2xx response or a typed error.
    /// `succeeded` tells a success from an error; S3 can put an error in a 200.
    public func perform(_ call: ServiceCall, endpoint: Endpoint, retry: RetryPolicy, limiters: [RateLimiter],
                 succeeded: (HTTPResponse) -> Bool = { (200..<300).contains($0.status) },
                 decodeError: (HTTPResponse) -> (code: String, message: String)) async throws(AWSError) -> HTTPResponse {
        let started = UTCTime.now()
        let ownDeadline = maxThrottleWaitMilliseconds.map { started.adding(milliseconds: $0) }
        var schedule = RetrySchedule(policy: retry, deadline: [CallDeadline.current, ownDeadline].compactMap { $0 }.min())
        let cancelled = AWSError.cancelled(service: call.service.rawValue, operation: call.operation)
        var clockCorrected = false
        while true {
            // A cancelled task sends nothing more: not after a wait for a token, nor after a backoff.
            if Task.isCancelled { throw cancelled }
            do { for limiter in limiters { try await limiter.acquire() } } catch { throw cancelled }
            let error: AWSError
            do {
                let response = try await sendOnce(call, endpoint: endpoint)
                if succeeded(response) {
                    for limiter in limiters { await limiter.recordSuccess() }
                    return response
                }
                let decoded = decodeError(response)
                error = AWSError(service: call.service.rawValue, operation: call.operation, httpStatus: response.status,
                                 code: decoded.code, message: decoded.message,
                                 requestID: response.header("x-amzn-requestid") ?? response.header("x-amz-request-id"))
                // Signed with a clock AWS says is off: sign again with AWS's time, once, at once.
                if !clockCorrected, error.isClockSkew, let serverTime = response.header("date").flatMap(UTCTime.init(httpDate:)) {
                    clockOffsetMilliseconds.store(serverTime.millisecondsSinceEpoch - UTCTime.now().millisecondsSinceEpoch, ordering: .relaxed)
                    clockCorrected = true
                    continue
                }
            } catch let failure {
                switch failure {
                case .transport(let transport):
                    error = .transport(transport, service: call.service.rawValue, operation: call.operation)
                case .credentials(let problem):
                    // A credentials endpoint failing for now is retried like any transient fault.
                    error = AWSError(service: call.service.rawValue, operation: call.operation, httpStatus: nil,
                                     code: problem.isTransient ? AWSError.credentialsUnavailableCode : "MissingCredentials",
                                     message: problem.message, requestID: nil)
                }
            }
            if error.isThrottling { for limiter in limiters { await limiter.recordThrottle() } }
            let delay = try schedule.delayMilliseconds(after: error)
            do { try await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000) } catch { throw cancelled }
        }
    }

    private enum SendFailure: Error {
        case transport(TransportError)
        case credentials(CredentialError)
    }

    private func sendOnce(_ call: ServiceCall, endpoint: Endpoint) async throws(SendFailure) -> HTTPResponse {
        let path = endpoint.basePath + call.path
        var headers = call.headers
        headers.append(("Host", endpoint.host))
        if !call.unsigned {
            let credentials: Credentials
            do { credentials = try await self.credentials.credentials() } catch { throw .credentials(error) }
            let payload = call.bodySHA256.map { SignableRequest.Payload.hash($0.hexString) } ?? SignableRequest.Payload(body: call.body)
            let signable = SignableRequest(method: call.method, path: path, query: call.query, headers: headers, payload: payload)
            let region = endpoint.signingRegion ?? self.region
            let signer = call.service == .s3 ? SigV4Signer.s3(credentials: credentials, region: region)
                : SigV4Signer(credentials: credentials, region: region, service: call.service.signingName)
            headers += signer.signingHeaders(for: signable, at: UTCTime.now().adding(milliseconds: clockOffsetMilliseconds.load(ordering: .relaxed)))
        }
        // Added after signing, as the SDKs do: proxies rewrite User-Agent, and verifiers skip it.
        headers.append(("User-Agent", Self.userAgent))
        var url = "\(endpoint.scheme)://\(endpoint.host)\(URIEncoding.encode(path, keepSlash: true))"
        if !call.query.isEmpty {
            url += "?" + call.query.map { "\(URIEncoding.encode($0.name, keepSlash: false))=\(URIEncoding.encode($0.value, keepSlash: false))" }
                .joined(separator: "&")
        }
        do {
            return try await http.send(HTTPRequest(method: call.method, url: url, headers: headers, body: call.body, timeouts: timeouts,
                                                   maxResponseBytes: call.maxResponseBytes))
        } catch { throw .transport(error) }
    }
}

/// One request to one service, before signing.
public struct ServiceCall {
    var service: AWSService
    var operation: String
    var method: String
    /// Not percent-encoded; relative to the endpoint's base path.
    var path: String
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    /// The body's SHA-256 when the caller has it already (S3 checksums it too): not computed again.
    var bodySHA256: [UInt8]? = nil
    /// Sent without a signature: calls that exist to obtain credentials (web identity, SSO).
    var unsigned = false
    var maxResponseBytes = HTTPRequest.defaultMaxResponseBytes

    public init(service: AWSService, operation: String, method: String, path: String, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)] = [], body: [UInt8] = [], bodySHA256: [UInt8]? = nil,
                unsigned: Bool = false, maxResponseBytes: Int = HTTPRequest.defaultMaxResponseBytes) {
        self.service = service
        self.operation = operation
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.bodySHA256 = bodySHA256
        self.unsigned = unsigned
        self.maxResponseBytes = maxResponseBytes
    }
}
