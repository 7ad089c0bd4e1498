import HTTP
import Signing

/// What every credential source reads and calls: the environment, the shared config files, and
/// the AWS clients (STS, the SSO portal) that turn a profile into credentials.
struct CredentialContext: Sendable {
    let environment: [String: String]
    let files: SharedConfigFiles
    /// The region the tool runs in, for STS's regional endpoint.
    let region: String
    let http: HTTPClient

    init(environment: [String: String], region: String?, http: HTTPClient) {
        self.environment = environment
        files = SharedConfigFiles(environment: environment)
        // As the SDKs do: STS in the tool's region; without one, us-east-1, where the global endpoint lives.
        self.region = region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]
            ?? files.region(profile: environment["AWS_PROFILE"] ?? "default") ?? "us-east-1"
        self.http = http
    }

    /// STS signing with `credentials`, or making unsigned calls only when there are none.
    func sts(signingWith credentials: Credentials?) throws(CredentialError) -> STS {
        STS(aws: try client(region: region, credentials: credentials))
    }

    func ssoPortal(region: String) throws(CredentialError) -> SSOPortal {
        SSOPortal(aws: try client(region: region, credentials: nil))
    }

    /// Endpoints come from the environment (`AWS_ENDPOINT_URL_STS`…), never from `--endpoint-url`,
    /// which names the endpoint of the service a command calls, as in the AWS CLI.
    private func client(region: String, credentials: Credentials?) throws(CredentialError) -> AWSClient {
        let configuration = try AWSConfiguration(environment: environment, region: region)
        return AWSClient(configuration: configuration, credentials: FixedCredentials(credentials: credentials), http: http)
    }
}

/// The credentials a source already holds; none for a client whose calls are all unsigned.
struct FixedCredentials: CredentialProvider {
    let credentials: Credentials?

    func credentials() async throws(CredentialError) -> Credentials {
        guard let credentials else { throw CredentialError("a call that must be unsigned asked for credentials") }
        return credentials
    }
}

extension CredentialError {
    /// A failed STS or SSO call, said in terms of the profile that needed it; throttling and
    /// server faults may pass, a refusal will not.
    init(_ what: String, _ error: AWSError) {
        self.init("\(what) failed: \(error)", isTransient: error.isRetryable)
    }
}
