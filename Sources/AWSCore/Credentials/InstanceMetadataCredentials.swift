import HTTP
import Signing

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
