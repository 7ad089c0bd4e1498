import ArgumentParser
import AWSClient

/// The options every AWS CLI user already knows, resolved the same way the CLI resolves them.
struct AWSOptions: ParsableArguments {
    @Option(help: "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, or the profile's region).")
    var region: String?

    @Option(help: "Named profile from ~/.aws/credentials and ~/.aws/config (default: AWS_PROFILE).")
    var profile: String?

    @Option(name: .customLong("endpoint-url"), help: "Send every AWS call here instead (a local emulator, a VPC endpoint).")
    var endpointURL: String?

    func client(environment: [String: String] = ProcessEnvironment.current) throws -> AWSClient {
        AWSClient(configuration: try AWSConfiguration(environment: environment, region: region, profile: profile, endpointOverride: endpointURL))
    }
}
