#if canImport(Glibc)
import Glibc
#endif
import JSON

public protocol CredentialProvider: Sendable {
    func credentials() async throws(CredentialError) -> Credentials
}

public struct CredentialError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Finds credentials where the AWS SDKs look, in their order: the environment, the shared
/// credentials and config files, the container credentials endpoint (ECS, Lambda SnapStart,
/// EKS Pod Identity), then EC2's instance metadata (IMDSv2). Temporary credentials are reused
/// until five minutes before they expire.
public actor CredentialChain: CredentialProvider {
    private let environment: [String: String]
    private let profile: String?
    private let http: HTTPClient
    private var cached: Credentials?
    private var refresh: Task<Result<Credentials, CredentialError>, Never>?

    public init(environment: [String: String], profile: String? = nil, http: HTTPClient = .shared) {
        self.environment = environment
        self.profile = profile
        self.http = http
    }

    public func credentials() async throws(CredentialError) -> Credentials {
        if let cached, !Self.isExpiring(cached) { return cached }
        // One lookup at a time: callers arriving during one wait for its answer instead of each
        // asking the metadata endpoint again.
        let refresh = self.refresh ?? Task { await self.resolveResult() }
        self.refresh = refresh
        let result = await refresh.value
        if self.refresh == refresh { self.refresh = nil }
        let fresh = try result.get()
        cached = fresh
        return fresh
    }

    private func resolveResult() async -> Result<Credentials, CredentialError> {
        do { return .success(try await resolve()) } catch { return .failure(error) }
    }

    static func isExpiring(_ credentials: Credentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return UTCTime.now().adding(milliseconds: 5 * 60 * 1000) >= expiration
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
            throw CredentialError("container credentials endpoint unreachable: \(error)")
        }
        guard response.status == 200 else { throw CredentialError("container credentials endpoint answered HTTP \(response.status)") }
        return try TemporaryCredentialsDocument.parse(response.body, source: "container credentials endpoint")
    }
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
        guard let tokenResponse = try? await http.send(tokenRequest), tokenResponse.status == 200 else { return nil }
        let token = [("X-aws-ec2-metadata-token", String(decoding: tokenResponse.body, as: UTF8.self))]
        let path = "\(base)/latest/meta-data/iam/security-credentials/"
        let roleResponse: HTTPResponse
        do { roleResponse = try await http.send(HTTPRequest(method: "GET", url: path, headers: token, timeouts: .metadata, bypassProxy: true)) } catch {
            throw CredentialError("instance metadata service failed: \(error)")
        }
        let role = String(decoding: roleResponse.body, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard roleResponse.status == 200, !role.isEmpty else { throw CredentialError("this instance has no IAM role attached") }
        let credentialsResponse: HTTPResponse
        do {
            credentialsResponse = try await http.send(HTTPRequest(method: "GET", url: path + role, headers: token, timeouts: .metadata, bypassProxy: true))
        } catch { throw CredentialError("instance metadata service failed: \(error)") }
        guard credentialsResponse.status == 200 else { throw CredentialError("instance metadata answered HTTP \(credentialsResponse.status) for role credentials") }
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
