@testable import AWSCore
@testable import AWSServices
import Testing

/// Where each service's requests go, resolved the way the SDKs resolve `AWS_ENDPOINT_URL*`.
struct EndpointTests {
    @Test(arguments: [
        (AWSService.cognitoIdentityProvider, "eu-west-1", "https://cognito-idp.eu-west-1.amazonaws.com"),
        (.s3, "us-east-1", "https://s3.us-east-1.amazonaws.com"),
        (.dynamodb, "ap-southeast-2", "https://dynamodb.ap-southeast-2.amazonaws.com"),
        (.cognitoIdentityProvider, "cn-north-1", "https://cognito-idp.cn-north-1.amazonaws.com.cn"),
        (.dynamodb, "cn-northwest-1", "https://dynamodb.cn-northwest-1.amazonaws.com.cn"),
    ])
    func defaultEndpointIsTheRegionalAWSHost(_ service: AWSService, _ region: String, _ expected: String) {
        let endpoint = Endpoint.resolve(service, region: region, environment: [:])
        #expect(endpoint.baseURL == expected)
        #expect(endpoint.isAWSHost)
    }

    @Test func globalEndpointVariableAppliesToEveryService() {
        let environment = ["AWS_ENDPOINT_URL": "http://localhost:4566/"]
        for service in [AWSService.cognitoIdentityProvider, .s3, .dynamodb] {
            let endpoint = Endpoint.resolve(service, region: "eu-west-1", environment: environment)
            #expect(endpoint == Endpoint(baseURL: "http://localhost:4566", isAWSHost: false))
        }
    }

    @Test(arguments: [
        (AWSService.cognitoIdentityProvider, "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"),
        (.s3, "AWS_ENDPOINT_URL_S3"),
        (.dynamodb, "AWS_ENDPOINT_URL_DYNAMODB"),
    ])
    func serviceEndpointVariableBeatsTheGlobalOne(_ service: AWSService, _ variable: String) {
        let environment = ["AWS_ENDPOINT_URL": "http://localhost:4566", variable: "http://127.0.0.1:5000"]
        #expect(Endpoint.resolve(service, region: "eu-west-1", environment: environment).baseURL == "http://127.0.0.1:5000")
    }

    @Test func serviceEndpointVariableLeavesOtherServicesAlone() {
        let environment = ["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"]
        #expect(Endpoint.resolve(.dynamodb, region: "eu-west-1", environment: environment).baseURL == "https://dynamodb.eu-west-1.amazonaws.com")
    }

    @Test func endpointURLOptionBeatsBothVariables() {
        let environment = ["AWS_ENDPOINT_URL": "http://localhost:4566", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"]
        let endpoint = Endpoint.resolve(.s3, region: "eu-west-1", environment: environment, override: "http://127.0.0.1:7000")
        #expect(endpoint.baseURL == "http://127.0.0.1:7000")
    }

    @Test func clientResolvesThroughItsConfiguration() throws {
        let configuration = try AWSConfiguration(environment: ["AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://localhost:4566"],
                                                 endpointOverride: "http://127.0.0.1:7000")
        let client = AWSClient(configuration: configuration, credentials: StaticCredentials())
        #expect(client.endpoint(for: .cognitoIdentityProvider).baseURL == "http://127.0.0.1:7000")
    }

    @Test func hostAndPortAndBasePathAreSplitFromTheURL() {
        let endpoint = Endpoint(baseURL: "https://vpce-0a1b2c3d.cognito-idp.eu-west-1.vpce.amazonaws.com:8443/gateway/v1", isAWSHost: false)
        #expect(endpoint.scheme == "https")
        #expect(endpoint.host == "vpce-0a1b2c3d.cognito-idp.eu-west-1.vpce.amazonaws.com:8443")
        #expect(endpoint.basePath == "/gateway/v1")
    }

    @Test func endpointWithoutPathHasAnEmptyBasePath() {
        let endpoint = Endpoint.resolve(.dynamodb, region: "eu-west-1", environment: ["AWS_ENDPOINT_URL": "http://localhost:8000//"])
        #expect(endpoint.scheme == "http")
        #expect(endpoint.host == "localhost:8000")
        #expect(endpoint.basePath == "")
    }

    private func s3(_ environment: [String: String]) throws -> S3 {
        let configuration = try AWSConfiguration(environment: environment.merging(["AWS_REGION": "eu-west-1"]) { $1 })
        return S3(aws: AWSClient(configuration: configuration, credentials: StaticCredentials()))
    }

    @Test func s3OnAWSPutsTheBucketInTheHostName() throws {
        let (endpoint, path) = try s3([:]).address(bucket: "pool-backups", key: "eu-west-1_AbCdEfGhI/2025/06/02.json")
        #expect(endpoint.baseURL == "https://pool-backups.s3.eu-west-1.amazonaws.com")
        #expect(path == "/eu-west-1_AbCdEfGhI/2025/06/02.json")
    }

    @Test func s3BucketRequestOnAWSIsTheRootPath() throws {
        let (endpoint, path) = try s3([:]).address(bucket: "pool-backups", key: nil)
        #expect(endpoint.host == "pool-backups.s3.eu-west-1.amazonaws.com")
        #expect(path == "/")
    }

    @Test func s3BucketWithDotsUsesPathStyleOnAWS() throws {
        let (endpoint, path) = try s3([:]).address(bucket: "backups.example.com", key: "pool.json")
        #expect(endpoint.baseURL == "https://s3.eu-west-1.amazonaws.com")
        #expect(path == "/backups.example.com/pool.json")
    }

    @Test func s3BucketInAnotherRegionIsSentToThatRegionsHostAndSignedForIt() throws {
        let (endpoint, path) = try s3([:]).address(bucket: "dr-backups", key: "pool.json", region: "us-west-2")
        #expect(endpoint.baseURL == "https://dr-backups.s3.us-west-2.amazonaws.com")
        #expect(endpoint.signingRegion == "us-west-2")
        #expect(path == "/pool.json")
    }

    @Test func s3BucketInAnotherRegionKeepsACustomEndpointsHost() throws {
        let (endpoint, path) = try s3(["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"]).address(bucket: "dr-backups", key: "pool.json", region: "us-west-2")
        #expect(endpoint == Endpoint(baseURL: "http://127.0.0.1:9000", isAWSHost: false, signingRegion: "us-west-2"))
        #expect(path == "/dr-backups/pool.json")
    }

    @Test func s3OnACustomEndpointUsesPathStyle() throws {
        let (endpoint, path) = try s3(["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"]).address(bucket: "pool-backups", key: "pool.json")
        #expect(endpoint.baseURL == "http://127.0.0.1:9000")
        #expect(path == "/pool-backups/pool.json")
        #expect(try s3(["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000"]).address(bucket: "pool-backups", key: nil).1 == "/pool-backups")
    }
}
