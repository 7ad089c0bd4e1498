@testable import AWSCore
@testable import Support
import Testing

/// How the shared config files, a role profile's settings, an SSO profile and the container
/// endpoint's URI are read, without a network.
struct CredentialConfigTests {
    @Test func configSectionsAreProfilesSSOSessionsAndNothingElse() {
        let files = SharedConfigFiles(credentials: "", config: """
            # a comment line
            ; another kind of comment
            [default]
            region = eu-west-1

            [profile "team backup"]   # quoted, because the name has a space
            role_arn = arn:aws:iam::123456789012:role/backup
            source_profile = default

            [sso-session my-sso]
            sso_start_url = https://my-org.awsapps.com/start
            sso_region = eu-west-1

            [services local]
            dynamodb =
              endpoint_url = http://localhost:8000

            [plain]
            region = us-west-2
            """)

        #expect(Set(files.configFile.keys) == ["default", "team backup"])
        #expect(files.configFile["team backup"]?["role_arn"] == "arn:aws:iam::123456789012:role/backup")
        #expect(files.ssoSessions["my-sso"] == ["sso_start_url": "https://my-org.awsapps.com/start", "sso_region": "eu-west-1"])
        #expect(files.region(profile: "default") == "eu-west-1")
    }

    @Test func credentialsFileSectionsAreNamedAsWrittenSpacesIncluded() {
        let files = SharedConfigFiles(credentials: """
            [my laptop]
            aws_access_key_id = AKIAIOSFODNN7EXAMPLE
            aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
            """, config: "")

        #expect(files.hasProfile("my laptop"))
        #expect(ProfileCredentials.staticKeys(files.credentialsFile["my laptop"])?.accessKeyID == "AKIAIOSFODNN7EXAMPLE")
    }

    @Test func anIndentedLineContinuesTheSettingAboveAndSetsNoKey() {
        let sections = SharedConfigFiles.parse("""
            [profile ops]
            s3 =
              region = ap-south-1
            region = eu-central-1
            """)

        #expect(sections["profile ops"] == ["s3": "", "region": "eu-central-1"])
    }

    @Test func theCredentialsFileWinsWhereBothFilesSetAProfile() {
        let files = SharedConfigFiles(credentials: "[ops]\naws_access_key_id = AKIAFROMCREDENTIALS\n",
                                      config: "[profile ops]\naws_access_key_id = AKIAFROMCONFIG\nregion = eu-west-1\n")

        #expect(files.profile("ops") == ["aws_access_key_id": "AKIAFROMCREDENTIALS", "region": "eu-west-1"])
    }

    @Test func shellWordsHonourQuotesAndBackslashesWithoutAShell() {
        #expect(ShellWords.split(#"/opt/"my tool"/bin --name 'a b' c\ d "x\"y" $HOME;ls"#)
            == ["/opt/my tool/bin", "--name", "a b", "c d", #"x"y"#, "$HOME;ls"])
        #expect(ShellWords.split("  ") == [])
        #expect(ShellWords.split("helper 'unterminated") == nil)
    }

    @Test func aRoleProfileDefaultsItsSessionNameAndReadsItsSettings() throws {
        let settings = try AssumeRoleSettings(profile: "prod", settings: [
            "role_arn": "arn:aws:iam::123456789012:role/backup", "source_profile": "base",
            "external_id": "ext-7", "duration_seconds": "900",
        ], now: UTCTime(millisecondsSinceEpoch: 1_717_321_530_123))

        #expect(settings.request == AssumeRoleRequest(roleARN: "arn:aws:iam::123456789012:role/backup",
                                                      sessionName: "cognito-backup-1717321530", externalID: "ext-7", durationSeconds: 900))
        #expect(settings.source == .sourceProfile("base"))
    }

    @Test(arguments: [
        (["mfa_serial": "arn:aws:iam::123456789012:mfa/alice", "source_profile": "base"], "MFA profiles are not supported"),
        (["source_profile": "base", "credential_source": "Environment"], "both source_profile and credential_source"),
        ([:], "neither source_profile nor credential_source"),
        (["credential_source": "Ec2Metadata"], "credential_source 'Ec2Metadata'"),
        (["source_profile": "base", "duration_seconds": "1h"], "duration_seconds '1h'"),
    ])
    func aRoleProfileSTSWouldRefuseIsAnErrorNamingIt(extra: [String: String], message: String) {
        let settings = ["role_arn": "arn:aws:iam::123456789012:role/backup"].merging(extra) { $1 }
        let error = #expect(throws: CredentialError.self) { try AssumeRoleSettings(profile: "prod", settings: settings, now: .now()) }
        #expect(error?.message.contains("profile 'prod'") == true)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func anSSOSessionProfileIsCachedUnderTheSessionNamesSHA1() throws {
        let files = SharedConfigFiles(credentials: "", config: """
            [profile dev]
            sso_session = my-sso
            sso_account_id = 111122223333
            sso_role_name = BackupReader
            [sso-session my-sso]
            sso_start_url = https://my-org.awsapps.com/start
            sso_region = eu-west-1
            """)
        let sso = try #require(try SSOSource(profile: "dev", settings: files.profile("dev"), sessions: files.ssoSessions))

        #expect(sso.region == "eu-west-1" && sso.accountID == "111122223333" && sso.roleName == "BackupReader")
        #expect(sso.cachePath(home: "/home/alice") == "/home/alice/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
    }

    @Test func aLegacySSOProfileIsCachedUnderTheStartURLsSHA1() throws {
        let sso = try #require(try SSOSource(profile: "dev", settings: [
            "sso_start_url": "https://my-org.awsapps.com/start", "sso_region": "eu-west-1",
            "sso_account_id": "111122223333", "sso_role_name": "BackupReader",
        ], sessions: [:]))

        #expect(sso.sessionName == nil)
        #expect(sso.cachePath(home: "/root") == "/root/.aws/sso/cache/acff06c7037450e5a3fddcacb0a34e921da42d68.json")
    }

    @Test func anIncompleteOrContradictorySSOProfileIsAnError() {
        let missing = #expect(throws: CredentialError.self) {
            try SSOSource(profile: "dev", settings: ["sso_start_url": "https://my-org.awsapps.com/start", "sso_region": "eu-west-1"], sessions: [:])
        }
        #expect(missing?.message.contains("lacks sso_account_id, sso_role_name") == true)
        let contradicting = #expect(throws: CredentialError.self) {
            try SSOSource(profile: "dev", settings: ["sso_session": "s", "sso_region": "us-east-1", "sso_account_id": "1", "sso_role_name": "r"],
                          sessions: ["s": ["sso_start_url": "https://x.awsapps.com/start", "sso_region": "eu-west-1"]])
        }
        #expect(contradicting?.message.contains("sets sso_region 'us-east-1', but its sso-session 's' says 'eu-west-1'") == true)
        #expect(throws: CredentialError.self) { try SSOSource(profile: "dev", settings: ["sso_session": "nowhere"], sessions: [:]) }
    }

    @Test func aProfileWithoutSSOSettingsIsNotAnSSOProfile() throws {
        #expect(try SSOSource(profile: "ops", settings: ["region": "eu-west-1"], sessions: [:]) == nil)
    }

    @Test(arguments: [
        "http://127.0.0.1:8080/creds", "http://127.1.2.3/creds", "http://localhost/creds", "http://[::1]:9000/creds",
        "http://169.254.170.2/v2/credentials/abc", "http://169.254.170.23/v1/credentials", "http://[fd00:ec2::23]/v1/credentials",
        "https://credentials.example.com/creds", "HTTP://LOCALHOST/creds",
    ])
    func containerFullURIsTheSDKsAllowAreAllowed(url: String) {
        #expect(ContainerCredentialsSource.isAllowed(url))
    }

    @Test(arguments: [
        "http://169.254.169.254/latest/meta-data/", "http://example.com/creds", "http://10.0.0.5/creds", "http://127.0.0.1.example.com/creds",
        "http://localhost.example.com/creds", "http://user@evil.example/creds", "ftp://127.0.0.1/creds", "http://[fd00:ec2::24]/creds",
    ])
    func otherContainerFullURIsOverPlainHTTPAreRefused(url: String) {
        #expect(!ContainerCredentialsSource.isAllowed(url))
    }

    @Test func aRefusedContainerFullURIIsAClearErrorNotAFallThrough() async {
        let chain = CredentialChain(environment: ["HOME": Fixture.emptyHome(), "AWS_EC2_METADATA_DISABLED": "true",
                                                  "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://203.0.113.9/creds"])
        let error = await #expect(throws: CredentialError.self) { try await chain.credentials() }
        #expect(error?.message.contains("http://203.0.113.9/creds is refused") == true)
    }

    @Test func stsAndTheSSOPortalHaveRegionalHostnamesAndTheirOwnEndpointVariables() {
        #expect(Endpoint.resolve(.sts, region: "eu-west-1", environment: [:]).baseURL == "https://sts.eu-west-1.amazonaws.com")
        #expect(Endpoint.resolve(.ssoPortal, region: "eu-west-1", environment: [:]).baseURL == "https://portal.sso.eu-west-1.amazonaws.com")
        let environment = ["AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5001/",
                           "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:5002"]
        #expect(Endpoint.resolve(.sts, region: "eu-west-1", environment: environment).baseURL == "http://127.0.0.1:5001")
        #expect(Endpoint.resolve(.ssoPortal, region: "eu-west-1", environment: environment).baseURL == "http://127.0.0.1:5002")
    }
}
