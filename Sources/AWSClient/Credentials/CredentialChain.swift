#if canImport(Glibc)
import Glibc
#endif
import JSON

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

/// Finds credentials where the AWS SDKs look, in their order: the environment, the shared
/// credentials and config files, the container credentials endpoint (ECS, Lambda SnapStart,
/// EKS Pod Identity), then EC2's instance metadata (IMDSv2).
///
/// Temporary credentials are refreshed without a gap: from five minutes before they expire a
/// background refresh runs, retrying with backoff, while callers keep getting the still-valid
/// ones; a caller waits only when there are none, or they have expired.
public actor CredentialChain: CredentialProvider {
    private let environment: [String: String]
    private let profile: String?
    private let http: HTTPClient
    private let refreshBackoff: RetryPolicy
    private var cached: Credentials?
    private var lookupInFlight: Task<Result<Credentials, CredentialError>, Never>?
    private var backgroundRefresh: Task<Void, Never>?

    public static let refreshWindowMilliseconds: Int64 = 5 * 60 * 1000
    /// Credentials this close to expiring are treated as expired: a request signed with them could
    /// arrive after they stop working.
    static let expiryMarginMilliseconds: Int64 = 30 * 1000

    public init(environment: [String: String], profile: String? = nil, http: HTTPClient = .shared,
                refreshBackoff: RetryPolicy = RetryPolicy(baseDelayMilliseconds: 1_000, maxDelayMilliseconds: 30_000)) {
        self.environment = environment
        self.profile = profile
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
        let files = SharedConfigFiles(environment: environment)
        if let credentials = try files.credentials(profile: namedProfile ?? "default", required: namedProfile != nil) { return credentials }
        if let container = ContainerCredentialsSource(environment: environment) { return try await container.fetch(http: http) }
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

/// `~/.aws/credentials` and `~/.aws/config`, or the files the environment names instead.
struct SharedConfigFiles {
    let credentialsFile: [String: [String: String]]
    let configFile: [String: [String: String]]

    init(environment: [String: String]) {
        let home = environment["HOME"] ?? ""
        credentialsFile = Self.read(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials", isConfig: false)
        configFile = Self.read(environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config", isConfig: true)
    }

    func credentials(profile: String, required: Bool) throws(CredentialError) -> Credentials? {
        for section in [credentialsFile[profile], configFile[profile]] {
            guard let section, let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] else { continue }
            return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"])
        }
        if required {
            let known = credentialsFile[profile] != nil || configFile[profile] != nil
            throw CredentialError(known
                ? "profile '\(profile)' has no aws_access_key_id/aws_secret_access_key (role and SSO profiles are not supported)"
                : "profile '\(profile)' not found in the shared credentials or config file")
        }
        return nil
    }

    func region(profile: String) -> String? { configFile[profile]?["region"] }

    /// Sections of an INI file by profile name: `[name]` in the credentials file, `[profile name]`
    /// (or `[default]`) in the config file.
    static func read(_ path: String, isConfig: Bool) -> [String: [String: String]] {
        guard let text = FileIO.readText(path) else { return [:] }
        return parse(text, isConfig: isConfig)
    }

    static func parse(_ text: String, isConfig: Bool) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: " \t")
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: " \t")
                if isConfig, name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: " \t") }
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: " \t").lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: " \t")
            sections[current]?[key] = value
        }
        return sections
    }
}

/// The container credentials endpoint: a relative URI on 169.254.170.2 or a full URI, with an
/// optional authorization token given inline or in a file.
struct ContainerCredentialsSource {
    let url: String
    let authorization: String?

    init?(environment: [String: String]) {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            url = "http://169.254.170.2\(relative)"
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            url = full
        } else {
            return nil
        }
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            authorization = FileIO.readText(file)?.trimmingCharacters(in: " \t\r\n")
        } else {
            authorization = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        }
    }

    func fetch(http: HTTPClient) async throws(CredentialError) -> Credentials {
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let authorization { headers.append(("Authorization", authorization)) }
        let request = HTTPRequest(method: "GET", url: url, headers: headers, timeouts: .metadata, bypassProxy: true)
        let response: HTTPResponse
        do { response = try await http.send(request) } catch {
            throw CredentialError("container credentials endpoint unreachable: \(error)", isTransient: true)
        }
        guard response.status == 200 else {
            throw CredentialError("container credentials endpoint answered HTTP \(response.status)", isTransient: Self.isTransient(response.status))
        }
        return try TemporaryCredentialsDocument.parse(response.body, source: "container credentials endpoint")
    }

    /// Throttled or failing for now; metadata endpoints answer 4xx only to requests that will
    /// never succeed.
    static func isTransient(_ status: Int) -> Bool { status == 429 || status >= 500 }
}

/// EC2 instance metadata, IMDSv2 only: a session token first, then the role's credentials.
struct InstanceMetadataSource {
    let base: String

    init(environment: [String: String]) {
        var base = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }

    /// nil when there is no metadata service (not on EC2).
    func fetch(http: HTTPClient) async throws(CredentialError) -> Credentials? {
        let tokenRequest = HTTPRequest(method: "PUT", url: "\(base)/latest/api/token",
                                       headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")],
                                       timeouts: .metadata, bypassProxy: true)
        // No answer, or a refusal, means no metadata service here (not on EC2, or IMDS disabled);
        // a server fault means one that is there but failing for now.
        guard let tokenResponse = try? await http.send(tokenRequest) else { return nil }
        if ContainerCredentialsSource.isTransient(tokenResponse.status) {
            throw CredentialError("instance metadata answered HTTP \(tokenResponse.status) for a session token", isTransient: true)
        }
        guard tokenResponse.status == 200 else { return nil }
        let token = [("X-aws-ec2-metadata-token", String(decoding: tokenResponse.body, as: UTF8.self))]
        let path = "\(base)/latest/meta-data/iam/security-credentials/"
        let roleResponse: HTTPResponse
        do { roleResponse = try await http.send(HTTPRequest(method: "GET", url: path, headers: token, timeouts: .metadata, bypassProxy: true)) } catch {
            throw CredentialError("instance metadata service failed: \(error)", isTransient: true)
        }
        if ContainerCredentialsSource.isTransient(roleResponse.status) {
            throw CredentialError("instance metadata answered HTTP \(roleResponse.status) for the role name", isTransient: true)
        }
        let role = String(decoding: roleResponse.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard roleResponse.status == 200, !role.isEmpty else { throw CredentialError("this instance has no IAM role attached") }
        let credentialsResponse: HTTPResponse
        do {
            credentialsResponse = try await http.send(HTTPRequest(method: "GET", url: path + role, headers: token, timeouts: .metadata, bypassProxy: true))
        } catch { throw CredentialError("instance metadata service failed: \(error)", isTransient: true) }
        guard credentialsResponse.status == 200 else {
            throw CredentialError("instance metadata answered HTTP \(credentialsResponse.status) for role credentials",
                                  isTransient: ContainerCredentialsSource.isTransient(credentialsResponse.status))
        }
        return try TemporaryCredentialsDocument.parse(credentialsResponse.body, source: "instance metadata")
    }
}

/// The JSON both the container endpoint and IMDS answer with.
enum TemporaryCredentialsDocument {
    static func parse(_ body: [UInt8], source: String) throws(CredentialError) -> Credentials {
        guard let document = try? JSON(parsing: body),
              let id = document["AccessKeyId"]?.string, let secret = document["SecretAccessKey"]?.string else {
            throw CredentialError("\(source) returned no usable credentials")
        }
        return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: document["Token"]?.string,
                           expiration: document["Expiration"]?.string.flatMap(UTCTime.init(iso8601:)))
    }
}

extension HTTPTimeouts {
    /// Metadata endpoints are local: if they do not answer within a second they are not there.
    static let metadata = HTTPTimeouts(connectMilliseconds: 1_000, totalMilliseconds: 2_000, stallSeconds: nil)
}
