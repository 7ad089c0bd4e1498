@testable import AWSCore
@testable import AWSServices
@testable import Signing
@testable import Support
import Foundation
import TestSupport
import Testing

/// Where credentials come from, in the SDKs' order, and that they never show in text.
struct CredentialTests {
    /// An environment with nothing in it that could supply credentials by accident.
    private static func isolated(_ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": Fixture.emptyHome(), "AWS_EC2_METADATA_DISABLED": "true"].merging(extra) { $1 }
    }

    private static func temporaryCredentials(accessKeyID: String = "ASIAIOSFODNN7EXAMPLE", expiresIn seconds: Int64 = 3_600) -> String {
        let expiration = UTCTime.now().adding(milliseconds: seconds * 1_000).iso8601
        return #"""
            {"AccessKeyId":"\#(accessKeyID)","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY","Token":"IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQ","Expiration":"\#(expiration)","RoleArn":"arn:aws:iam::123456789012:role/cognito-backup"}
            """#
    }

    @Test func environmentKeysAreUsed() async throws {
        let chain = CredentialChain(environment: Self.isolated([
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE",
        ]))
        let credentials = try await chain.credentials()
        #expect(credentials.accessKeyID == "AKIAIOSFODNN7EXAMPLE")
        #expect(credentials.secretAccessKey == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        #expect(credentials.sessionToken == "FwoGZXIvYXdzEXAMPLE")
    }

    @Test func emptySessionTokenInTheEnvironmentIsNoToken() async throws {
        let chain = CredentialChain(environment: Self.isolated([
            "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS_SESSION_TOKEN": "",
        ]))
        #expect(try await chain.credentials().sessionToken == nil)
    }

    @Test func profileNamedByAWSProfileIsReadFromTheCredentialsFile() async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        try Fixture.write("""
            [default]
            aws_access_key_id = AKIADEFAULTEXAMPLE
            aws_secret_access_key = defaultSecretEXAMPLE

            [backup]
            aws_access_key_id = ASIABACKUPEXAMPLE
            aws_secret_access_key = backupSecretEXAMPLE
            aws_session_token = backupTokenEXAMPLE
            """, to: "\(directory)/credentials")
        let chain = CredentialChain(environment: Self.isolated([
            "AWS_PROFILE": "backup", "AWS_SHARED_CREDENTIALS_FILE": "\(directory)/credentials", "AWS_CONFIG_FILE": "\(directory)/config",
        ]))
        let credentials = try await chain.credentials()
        #expect(credentials.accessKeyID == "ASIABACKUPEXAMPLE")
        #expect(credentials.secretAccessKey == "backupSecretEXAMPLE")
        #expect(credentials.sessionToken == "backupTokenEXAMPLE")
    }

    @Test func keysInTheEnvironmentWinOverAWSProfileButNotOverAnExplicitProfile() async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        try Fixture.write("[backup]\naws_access_key_id = AKIAPROFILEEXAMPLE\naws_secret_access_key = profileSecretEXAMPLE\n", to: "\(directory)/credentials")
        let environment = Self.isolated([
            "AWS_PROFILE": "backup", "AWS_SHARED_CREDENTIALS_FILE": "\(directory)/credentials",
            "AWS_ACCESS_KEY_ID": "AKIAENVEXAMPLE", "AWS_SECRET_ACCESS_KEY": "envSecretEXAMPLE",
        ])
        #expect(try await CredentialChain(environment: environment).credentials().accessKeyID == "AKIAENVEXAMPLE")
        #expect(try await CredentialChain(environment: environment, profile: "backup").credentials().accessKeyID == "AKIAPROFILEEXAMPLE")
    }

    @Test func profileWithKeysInTheConfigFileIsRead() async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        try Fixture.write("""
            [profile ops]
            region = ap-southeast-2
            aws_access_key_id = AKIAOPSEXAMPLE
            aws_secret_access_key = opsSecretEXAMPLE
            """, to: "\(directory)/config")
        let chain = CredentialChain(environment: Self.isolated([
            "AWS_SHARED_CREDENTIALS_FILE": "\(directory)/credentials", "AWS_CONFIG_FILE": "\(directory)/config",
        ]), profile: "ops")
        #expect(try await chain.credentials().accessKeyID == "AKIAOPSEXAMPLE")
    }

    @Test func explicitProfileThatDoesNotExistIsAnErrorNamingIt() async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        try Fixture.write("[default]\naws_access_key_id = AKIADEFAULTEXAMPLE\naws_secret_access_key = defaultSecretEXAMPLE\n", to: "\(directory)/credentials")
        let chain = CredentialChain(environment: Self.isolated(["AWS_PROFILE": "prod-backup", "AWS_SHARED_CREDENTIALS_FILE": "\(directory)/credentials"]))
        let error = await #expect(throws: CredentialError.self) { try await chain.credentials() }
        #expect(error?.message.contains("'prod-backup'") == true)
    }

    @Test func roleProfileWhoseSourceProfileIsMissingNamesBoth() async throws {
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        try Fixture.write("[profile assumed]\nrole_arn = arn:aws:iam::123456789012:role/backup\nsource_profile = default\n", to: "\(directory)/config")
        let chain = CredentialChain(environment: Self.isolated(["AWS_CONFIG_FILE": "\(directory)/config"]), profile: "assumed")
        let error = await #expect(throws: CredentialError.self) { try await chain.credentials() }
        #expect(error?.message == "the source_profile 'default' of profile 'assumed' does not exist")
    }

    @Test func containerEndpointIsAskedWithTheInlineToken() async throws {
        let server = try ScriptedServer([.respond(200, headers: [("Content-Type", "application/json")], body: Self.temporaryCredentials())])
        defer { server.stop() }
        let chain = CredentialChain(environment: Self.isolated([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/v2/credentials/7f3a1c9e",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Basic c2VjcmV0LXRva2Vu",
        ]))

        let credentials = try await chain.credentials()

        #expect(credentials.accessKeyID == "ASIAIOSFODNN7EXAMPLE")
        #expect(credentials.sessionToken?.hasPrefix("IQoJb3JpZ2luX2Vj") == true)
        #expect(credentials.expiration != nil)
        #expect(server.requests.map(\.target) == ["/v2/credentials/7f3a1c9e"])
        #expect(server.requests.first?.header("Authorization") == "Basic c2VjcmV0LXRva2Vu")
    }

    @Test func containerEndpointIsAskedWithTheTokenFromTheTokenFile() async throws {
        let server = try ScriptedServer([.respond(200, headers: [("Content-Type", "application/json")], body: Self.temporaryCredentials())])
        defer { server.stop() }
        let directory = try Fixture.temporaryDirectory()
        defer { Fixture.remove(directory) }
        // EKS Pod Identity writes the token with a trailing newline.
        try Fixture.write("eyJhbGciOiJSUzI1NiJ9.pod-identity-token\n", to: "\(directory)/eks-pod-identity-token")
        let chain = CredentialChain(environment: Self.isolated([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/v1/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "\(directory)/eks-pod-identity-token",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "ignored-when-the-file-is-set",
        ]))

        _ = try await chain.credentials()

        #expect(server.requests.first?.header("Authorization") == "eyJhbGciOiJSUzI1NiJ9.pod-identity-token")
    }

    @Test func instanceMetadataIsReadWithASessionToken() async throws {
        let server = try ScriptedServer([
            .respond(200, headers: [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], body: "AQAEAFUqEXAMPLEimdsTOKEN=="),
            .respond(200, body: "cognito-backup-role"),
            .respond(200, headers: [("Content-Type", "text/plain")], body: #"{"Code":"Success","LastUpdated":"2025-06-02T10:00:00Z","Type":"AWS-HMAC",\#(Self.temporaryCredentials().dropFirst())"#),
        ])
        defer { server.stop() }
        let chain = CredentialChain(environment: Self.isolated([
            "AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": server.baseURL + "/",
        ]))

        let credentials = try await chain.credentials()

        #expect(credentials.accessKeyID == "ASIAIOSFODNN7EXAMPLE")
        let requests = server.requests
        #expect(requests.map { "\($0.method) \($0.target)" } == [
            "PUT /latest/api/token",
            "GET /latest/meta-data/iam/security-credentials/",
            "GET /latest/meta-data/iam/security-credentials/cognito-backup-role",
        ])
        #expect(requests.first?.header("X-aws-ec2-metadata-token-ttl-seconds") == "21600")
        #expect(requests.dropFirst().allSatisfy { $0.header("X-aws-ec2-metadata-token") == "AQAEAFUqEXAMPLEimdsTOKEN==" })
    }

    private static func containerChain(_ server: ScriptedServer) -> CredentialChain {
        CredentialChain(environment: Self.isolated(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/creds"]),
                        refreshBackoff: RetryPolicy(baseDelayMilliseconds: 40, maxDelayMilliseconds: 40))
    }

    @Test func expiringCredentialsAreServedWhileTheirRefreshRetriesThenReplaced() async throws {
        let failing = ScriptedServer.Behaviour.respond(500, body: "credentials service unavailable")
        let server = try ScriptedServer([
            .respond(200, body: Self.temporaryCredentials(accessKeyID: "ASIAFIRSTEXAMPLE", expiresIn: 240)),
            failing, failing,
            .respond(200, body: Self.temporaryCredentials(accessKeyID: "ASIASECONDEXAMPLE", expiresIn: 3_600)),
        ])
        defer { server.stop() }
        let chain = Self.containerChain(server)
        #expect(try await chain.credentials().accessKeyID == "ASIAFIRSTEXAMPLE")

        var served: [String] = []
        let deadline = ContinuousClock.now + .seconds(3)
        while served.last != "ASIASECONDEXAMPLE", ContinuousClock.now < deadline {
            served.append(try await chain.credentials().accessKeyID)
            try await Task.sleep(nanoseconds: 5_000_000)
        }

        // Every call got credentials at once: the first ones while the refresh failed twice,
        // then the fresh ones, and nothing is asked of the endpoint after that.
        let firstUntilReplaced = served.prefix { $0 == "ASIAFIRSTEXAMPLE" }
        #expect(firstUntilReplaced.count >= 3)
        #expect(served.dropFirst(firstUntilReplaced.count) == ["ASIASECONDEXAMPLE"])
        #expect(try await chain.credentials().accessKeyID == "ASIASECONDEXAMPLE")
        #expect(server.requests.count == 4)
    }

    @Test func expiredCredentialsAreNotServedWhileTheRefreshFails() async throws {
        let server = try ScriptedServer([
            .respond(200, body: Self.temporaryCredentials(accessKeyID: "ASIAFIRSTEXAMPLE", expiresIn: 20)),
            .respond(503, body: "credentials service unavailable"),
        ])
        defer { server.stop() }
        let chain = Self.containerChain(server)
        _ = try await chain.credentials()

        let error = await #expect(throws: CredentialError.self) { try await chain.credentials() }

        #expect(error?.isTransient == true)
        #expect(error?.message.contains("HTTP 503") == true)
    }

    @Test func aRefusalByTheContainerEndpointIsNotTransient() async throws {
        let server = try ScriptedServer([.respond(403, body: "bad authorization token")])
        defer { server.stop() }

        let error = await #expect(throws: CredentialError.self) { try await Self.containerChain(server).credentials() }

        #expect(error?.isTransient == false)
    }

    @Test func aTransientCredentialsFailureIsRetriedByTheCall() async throws {
        let credentialsServer = try ScriptedServer([
            .respond(500, body: "credentials service unavailable"),
            .respond(200, body: Self.temporaryCredentials(expiresIn: 3_600)),
        ])
        defer { credentialsServer.stop() }
        let cognitoServer = try ScriptedServer([.listUsersPage])
        defer { cognitoServer.stop() }
        let environment = Fixture.environment(endpoint: cognitoServer.baseURL)
            .merging(["AWS_ACCESS_KEY_ID": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(credentialsServer.baseURL)/creds"]) { $1 }
        let aws = AWSClient(configuration: try AWSConfiguration(environment: environment))
        let cognito = Cognito(aws: aws, quotas: Fixture.unthrottledQuotas, retry: Fixture.fastRetry(maxAttempts: 3))

        let page = try await cognito.call("ListUsers", Fixture.listUsersInput())

        #expect(page["Users"]?.array?.count == 1)
        #expect(credentialsServer.requests.count == 2)
        #expect(cognitoServer.requests.first?.header("X-Amz-Security-Token")?.hasPrefix("IQoJb3JpZ2luX2Vj") == true)
    }

    @Test func credentialsValidForAnHourAreReused() async throws {
        let server = try ScriptedServer([.respond(200, body: Self.temporaryCredentials(expiresIn: 3_600))])
        defer { server.stop() }
        let chain = CredentialChain(environment: Self.isolated(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/creds"]))

        for _ in 0..<3 { _ = try await chain.credentials() }

        #expect(server.requests.count == 1)
    }

    @Test func concurrentCallersShareOneFetch() async throws {
        let server = try ScriptedServer([.respond(200, body: Self.temporaryCredentials(expiresIn: 3_600))])
        defer { server.stop() }
        let chain = CredentialChain(environment: Self.isolated(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "\(server.baseURL)/creds"]))

        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await chain.credentials().accessKeyID } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }

        #expect(keys == Array(repeating: "ASIAIOSFODNN7EXAMPLE", count: 8))
        #expect(server.requests.count == 1)
    }

    @Test func noCredentialsAnywhereIsAClearError() async throws {
        let chain = CredentialChain(environment: Self.isolated())
        let error = await #expect(throws: CredentialError.self) { try await chain.credentials() }
        #expect(error?.message.contains("no AWS credentials found") == true)
        #expect(error?.message.contains("AWS_ACCESS_KEY_ID") == true)
    }

    @Test func descriptionNeverShowsSecretOrToken() {
        let credentials = Credentials(accessKeyID: "ASIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                      sessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN", expiration: UTCTime.now())
        for text in [credentials.description, "\(credentials)", String(reflecting: credentials)] {
            #expect(text.contains("ASIAIOSFODNN7EXAMPLE"))
            #expect(!text.contains("wJalrXUtnFEMI"))
            #expect(!text.contains("IQoJb3JpZ2lu"))
        }
    }
}
