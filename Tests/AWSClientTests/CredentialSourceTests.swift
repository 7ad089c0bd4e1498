@testable import AWSCore
@testable import AWSServices
@testable import Signing
@testable import Support
import Foundation
import TestSupport
import Testing

/// Role profiles, web identity, SSO and credential_process against scripted STS and portal
/// answers: what each sends, what it signs with, and how it fails.
struct CredentialSourceTests {
    private static let roleARN = "arn:aws:iam::123456789012:role/cognito-backup"

    private static func stsAnswer(_ action: String, accessKeyID: String, expiresIn seconds: Int64 = 3_600) -> ScriptedServer.Behaviour {
        let expiration = UTCTime.now().adding(milliseconds: seconds * 1_000).iso8601
        return .respond(200, headers: [("Content-Type", "text/xml"), ("x-amzn-RequestId", "c6104cbe-af31-11e0-8154-cbc7ccf896c7")], body: """
            <\(action)Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><\(action)Result>
            <Credentials><AccessKeyId>\(accessKeyID)</AccessKeyId><SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
            <SessionToken>IQoJb3JpZ2luX2VjEAMPLE+TOKEN/\(accessKeyID)</SessionToken><Expiration>\(expiration)</Expiration></Credentials>
            <AssumedRoleUser><AssumedRoleId>AROA3XFRBF535PLBIFPI4:s3-access-example</AssumedRoleId><Arn>\(roleARN)/session</Arn></AssumedRoleUser>
            </\(action)Result><ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></\(action)Response>
            """)
    }

    /// A home with the given config and credentials files, and an environment pointing every
    /// service (STS, the SSO portal, Cognito) at `endpoint`.
    private static func environment(endpoint: String, config: String, credentials: String = "", extra: [String: String] = [:]) throws -> [String: String] {
        let home = try Fixture.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: "\(home)/.aws/sso/cache", withIntermediateDirectories: true)
        try Fixture.write(config, to: "\(home)/.aws/config")
        try Fixture.write(credentials, to: "\(home)/.aws/credentials")
        return ["HOME": home, "AWS_REGION": Fixture.region, "AWS_ENDPOINT_URL": endpoint, "AWS_EC2_METADATA_DISABLED": "true"]
            .merging(extra) { $1 }
    }

    private static func form(_ request: ScriptedServer.Request) -> [String: String] {
        Dictionary(uniqueKeysWithValues: request.bodyText.split(separator: "&").map {
            let pair = $0.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            return (pair[0], pair.count > 1 ? pair[1] : "")
        })
    }

    @Test func aClientForARoleProfileAssumesWithTheSourceKeysThenSignsWithTheRoles() async throws {
        let server = try ScriptedServer([Self.stsAnswer("AssumeRole", accessKeyID: "ASIAROLEEXAMPLE"), .listUsersPage])
        defer { server.stop() }
        let environment = try Self.environment(endpoint: server.baseURL,
            config: "[profile backup]\nrole_arn = \(Self.roleARN)\nsource_profile = base\nrole_session_name = nightly\n",
            credentials: "[base]\naws_access_key_id = AKIABASEEXAMPLE\naws_secret_access_key = baseSecretEXAMPLE\n")
        defer { Fixture.remove(environment["HOME"]!) }
        let aws = AWSClient(configuration: try AWSConfiguration(environment: environment, profile: "backup"))

        let page = try await Cognito(aws: aws, quotas: Fixture.unthrottledQuotas).call("ListUsers", Fixture.listUsersInput())

        #expect(page["Users"]?.array?.count == 1)
        let (assume, list) = (server.requests[0], server.requests[1])
        #expect(Self.form(assume) == ["Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": Self.roleARN, "RoleSessionName": "nightly"])
        #expect(assume.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(assume.header("Authorization")?.contains("Credential=AKIABASEEXAMPLE/") == true)
        #expect(assume.header("Authorization")?.contains("/eu-west-1/sts/aws4_request") == true)
        #expect(list.header("Authorization")?.contains("Credential=ASIAROLEEXAMPLE/") == true)
        #expect(list.header("X-Amz-Security-Token") == "IQoJb3JpZ2luX2VjEAMPLE+TOKEN/ASIAROLEEXAMPLE")
    }

    @Test func aProfileNamingItselfAsSourceAssumesItsRoleWithItsOwnKeys() async throws {
        let server = try ScriptedServer([Self.stsAnswer("AssumeRole", accessKeyID: "ASIAROLEEXAMPLE")])
        defer { server.stop() }
        let environment = try Self.environment(endpoint: server.baseURL, config: """
            [profile ops]
            role_arn = \(Self.roleARN)
            source_profile = ops
            aws_access_key_id = AKIAOPSEXAMPLE
            aws_secret_access_key = opsSecretEXAMPLE
            """)
        defer { Fixture.remove(environment["HOME"]!) }

        let credentials = try await CredentialChain(environment: environment, profile: "ops").credentials()

        #expect(credentials.accessKeyID == "ASIAROLEEXAMPLE")
        #expect(server.requests.first?.header("Authorization")?.contains("Credential=AKIAOPSEXAMPLE/") == true)
    }

    @Test func aRefusedAssumeRoleIsAnErrorNamingTheProfileRoleCodeAndRequest() async throws {
        let server = try ScriptedServer([.respond(403, headers: [("Content-Type", "text/xml")], body: """
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>
            <Message>User: arn:aws:iam::123456789012:user/base is not authorized to perform: sts:AssumeRole</Message></Error>
            <RequestId>4d5c2b6e-1f0a-4c9e-8b7d-3a2f1e0d9c8b</RequestId></ErrorResponse>
            """)])
        defer { server.stop() }
        let environment = try Self.environment(endpoint: server.baseURL, config: "[profile backup]\nrole_arn = \(Self.roleARN)\nsource_profile = base\n",
                                                credentials: "[base]\naws_access_key_id = AKIABASEEXAMPLE\naws_secret_access_key = s\n")
        defer { Fixture.remove(environment["HOME"]!) }

        let error = await #expect(throws: CredentialError.self) { try await CredentialChain(environment: environment, profile: "backup").credentials() }

        #expect(error?.message.contains("AssumeRole of \(Self.roleARN) for profile 'backup' failed") == true)
        #expect(error?.message.contains("AccessDenied (HTTP 403): User: arn:aws:iam::123456789012:user/base is not authorized") == true)
        #expect(error?.isTransient == false)
    }

    @Test func webIdentityIsUnsignedAndItsTokenFileIsReadAgainAtTheRefresh() async throws {
        let server = try ScriptedServer([
            Self.stsAnswer("AssumeRoleWithWebIdentity", accessKeyID: "ASIAFIRSTEXAMPLE", expiresIn: 240),
            Self.stsAnswer("AssumeRoleWithWebIdentity", accessKeyID: "ASIASECONDEXAMPLE", expiresIn: 3_600),
        ])
        defer { server.stop() }
        let environment = try Self.environment(endpoint: server.baseURL, config: "")
        let home = environment["HOME"]!
        defer { Fixture.remove(home) }
        try Fixture.write("eyJ.token-one.sig\n", to: "\(home)/token")
        let chain = CredentialChain(environment: environment.merging([
            "AWS_WEB_IDENTITY_TOKEN_FILE": "\(home)/token", "AWS_ROLE_ARN": Self.roleARN, "AWS_ROLE_SESSION_NAME": "pod-7",
        ]) { $1 }, refreshBackoff: RetryPolicy(baseDelayMilliseconds: 40, maxDelayMilliseconds: 40))

        #expect(try await chain.credentials().accessKeyID == "ASIAFIRSTEXAMPLE")
        // The issuer rotates the token; the refresh must send the new one.
        try Fixture.write("eyJ.token-two.sig\n", to: "\(home)/token")
        var served: [String] = []
        let deadline = ContinuousClock.now + .seconds(3)
        while served.last != "ASIASECONDEXAMPLE", ContinuousClock.now < deadline {
            served.append(try await chain.credentials().accessKeyID)
            try await Task.sleep(nanoseconds: 5_000_000)
        }

        #expect(served.last == "ASIASECONDEXAMPLE")
        #expect(server.requests.map { Self.form($0)["WebIdentityToken"] } == ["eyJ.token-one.sig", "eyJ.token-two.sig"])
        #expect(server.requests.allSatisfy { $0.header("Authorization") == nil && $0.header("X-Amz-Date") == nil })
        #expect(Self.form(server.requests[0])["RoleSessionName"] == "pod-7")
    }

    @Test func aTokenThePortalRefusesIsReportedAsAnExpiredSSOSession() async throws {
        let server = try ScriptedServer([.respond(401, headers: [("x-amzn-ErrorType", "UnauthorizedException")],
                                                  body: #"{"message":"Session token not found or invalid"}"#)])
        defer { server.stop() }
        let environment = try Self.environment(endpoint: server.baseURL, config: """
            [profile dev]
            sso_start_url = https://my-org.awsapps.com/start
            sso_region = eu-west-1
            sso_account_id = 111122223333
            sso_role_name = BackupReader
            """)
        defer { Fixture.remove(environment["HOME"]!) }
        try Fixture.write(#"{"accessToken":"aoaAAAAAGrevoked","expiresAt":"\#(UTCTime.now().adding(milliseconds: 3_600_000).iso8601)"}"#,
                          to: "\(environment["HOME"]!)/.aws/sso/cache/acff06c7037450e5a3fddcacb0a34e921da42d68.json")

        let error = await #expect(throws: CredentialError.self) { try await CredentialChain(environment: environment, profile: "dev").credentials() }

        #expect(error?.message == "the SSO session 'https://my-org.awsapps.com/start' has expired: run `aws sso login --profile dev`")
        #expect(server.requests.first?.target == "/federation/credentials?account_id=111122223333&role_name=BackupReader")
        #expect(server.requests.first?.header("x-amz-sso_bearer_token") == "aoaAAAAAGrevoked")
        #expect(server.requests.first?.header("Authorization") == nil)
    }

    @Test func credentialProcessCredentialsCarryTheirExpiration() async throws {
        let environment = try Self.environment(endpoint: "http://127.0.0.1:9", config: """
            [profile tool]
            credential_process = /bin/echo '{"Version":1,"AccessKeyId":"ASIAPROCESSEXAMPLE","SecretAccessKey":"s","SessionToken":"t","Expiration":"2030-01-02T03:04:05Z"}'
            """)
        defer { Fixture.remove(environment["HOME"]!) }

        let credentials = try await CredentialChain(environment: environment, profile: "tool").credentials()

        #expect(credentials.accessKeyID == "ASIAPROCESSEXAMPLE" && credentials.sessionToken == "t")
        #expect(credentials.expiration == UTCTime(iso8601: "2030-01-02T03:04:05Z"))
    }

    @Test func credentialProcessOutputOfAnotherVersionIsRefused() async throws {
        let environment = try Self.environment(endpoint: "http://127.0.0.1:9", config: """
            [profile tool]
            credential_process = /bin/echo '{"Version":2,"AccessKeyId":"A","SecretAccessKey":"s"}'
            """)
        defer { Fixture.remove(environment["HOME"]!) }

        let error = await #expect(throws: CredentialError.self) { try await CredentialChain(environment: environment, profile: "tool").credentials() }

        #expect(error?.message == "credential_process of profile 'tool' (/bin/echo) printed Version 2; only Version 1 is supported")
    }

    @Test func aProgramPastItsTimeIsKilled() async throws {
        let started = ContinuousClock.now
        let error = await #expect(throws: ChildProcess.Failure.self) {
            try await ChildProcess.run(["sleep", "30"], environment: [:], timeoutMilliseconds: 200, maxOutputBytes: 1_024)
        }
        #expect(error?.description == "did not finish within 200 ms")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aProgramWritingPastTheLimitIsKilled() async throws {
        let error = await #expect(throws: ChildProcess.Failure.self) {
            try await ChildProcess.run(["yes", "credentials"], environment: [:], timeoutMilliseconds: 10_000, maxOutputBytes: 64 * 1024)
        }
        #expect(error?.description == "wrote more than 65536 bytes")
    }

    @Test func cancellingTheTaskKillsTheProgramAtOnce() async throws {
        let started = ContinuousClock.now
        let run = Task { try await ChildProcess.run(["sleep", "30"], environment: [:], timeoutMilliseconds: 60_000, maxOutputBytes: 1_024) }
        try await Task.sleep(nanoseconds: 100_000_000)
        run.cancel()

        let result = await run.result

        #expect(throws: ChildProcess.Failure.self) { try result.get() }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
