import AWSCore
import AWSServices
import ArgumentParser
import Support

/// The options every AWS CLI user already knows, resolved the same way the CLI resolves them.
struct AWSOptions: ParsableArguments {
    @Option(help: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, or the profile's region).")
    var region: String?

    @Option(help: "Named profile from ~/.aws/credentials and ~/.aws/config (default: AWS_PROFILE).")
    var profile: String?

    @Option(name: .customLong("endpoint-url"), help: "Send every AWS call here instead (a local emulator, a VPC endpoint).")
    var endpointURL: String?

    @Option(name: .customLong("max-wait"), help: ArgumentHelp(
        "How long one AWS call keeps retrying while AWS throttles it before the command fails, in seconds.",
        valueName: "seconds"))
    var maxWait: Int = 900

    func validate() throws {
        guard maxWait > 0 else { throw ValidationError("--max-wait must be a positive number of seconds") }
    }

    /// `profile` names another identity than `--profile` (restore's `--source-profile`).
    func client(environment: [String: String] = ProcessEnvironment.current, profile: String? = nil) throws -> AWSClient {
        AWSClient(configuration: try AWSConfiguration(environment: environment, region: region, profile: profile ?? self.profile,
                                                      endpointOverride: endpointURL),
                  maxThrottleWaitMilliseconds: Int64(maxWait) * 1_000)
    }

    /// Cognito for a command that reads a pool, at the shares of the quotas the environment sets
    /// (COGNITO_TPS_*): `diff` and `verify` read a live pool the same way.
    func cognito() throws -> Cognito {
        let client = try client()
        return Cognito(aws: client, quotas: try CognitoQuotas(environment: client.configuration.environment))
    }
}
