@testable import AWSCore
import Testing

/// Which region calls go to: what the user said, then the environment, then the profile.
struct RegionResolutionTests {
    private static func configFile(in directory: String) throws -> String {
        try Fixture.write("[default]\nregion = us-west-2\n\n[profile backup]\nregion = ap-southeast-2\n", to: "\(directory)/config")
        return "\(directory)/config"
    }

    @Test func explicitRegionBeatsTheEnvironment() throws {
        let configuration = try AWSConfiguration(environment: ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-central-1"], region: "us-east-2")
        #expect(configuration.region == "us-east-2")
    }

    @Test func awsRegionBeatsAWSDefaultRegion() throws {
        let configuration = try AWSConfiguration(environment: ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-central-1"])
        #expect(configuration.region == "eu-west-1")
    }

    @Test func awsDefaultRegionBeatsTheProfile() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        let configuration = try AWSConfiguration(environment: ["AWS_DEFAULT_REGION": "eu-central-1", "AWS_CONFIG_FILE": try Self.configFile(in: directory)])
        #expect(configuration.region == "eu-central-1")
    }

    @Test func namedProfileSuppliesTheRegion() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        let configuration = try AWSConfiguration(environment: ["AWS_PROFILE": "backup", "AWS_CONFIG_FILE": try Self.configFile(in: directory)])
        #expect(configuration.region == "ap-southeast-2")
    }

    @Test func explicitProfileBeatsAWSProfileForTheRegion() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        let configuration = try AWSConfiguration(environment: ["AWS_PROFILE": "backup", "AWS_CONFIG_FILE": try Self.configFile(in: directory)], profile: "default")
        #expect(configuration.region == "us-west-2")
    }

    @Test func defaultProfileSuppliesTheRegionWhenNoneIsNamed() throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        let configuration = try AWSConfiguration(environment: ["AWS_CONFIG_FILE": try Self.configFile(in: directory)])
        #expect(configuration.region == "us-west-2")
    }

    @Test func noRegionAnywhereIsAnError() throws {
        let environment = ["HOME": Fixture.emptyHome()]
        let error = #expect(throws: CredentialError.self) { try AWSConfiguration(environment: environment) }
        #expect(error?.message.contains("no AWS region") == true)
    }
}
