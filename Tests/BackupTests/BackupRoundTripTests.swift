import BackupTestSupport
import AWSCore
import AWSServices
@testable import Backup
import JSON
import Restore
import Support
import Testing

/// The format's promise, end to end in memory: what `BackupJob` writes from a pool, the restore
/// side's reader gives back, member by member.
struct BackupRoundTripTests {
    static let poolID = "eu-west-1_Rec0rded1"
    static let clientID = "5r2ktv9ha0example1"
    static let started = UTCTime(iso8601: "2026-11-29T10:15:30Z")!
    static let created: JSON = .number("1.731927400123E9")

    static func user(_ name: String, email: String, enabled: Bool = true, status: String = "CONFIRMED",
                     created: JSON = BackupRoundTripTests.created) -> JSON {
        ["Username": .string(name), "Attributes": [["Name": "sub", "Value": .string("sub-\(name)")], ["Name": "email", "Value": .string(email)]],
         "UserCreateDate": created, "UserLastModifiedDate": created, "Enabled": .bool(enabled), "UserStatus": .string(status)]
    }

    static func expected(_ name: String, email: String, enabled: Bool = true, status: String = "CONFIRMED") -> PoolUser {
        PoolUser(username: name, attributes: [PoolUser.Attribute("sub", "sub-\(name)"), PoolUser.Attribute("email", email)],
                 enabled: enabled, status: status)
    }

    static let users = [user("ana", email: "ana@example.com"), user("bo", email: "bo@example.com", enabled: false),
                        user("José", email: "jose@example.com", status: "FORCE_CHANGE_PASSWORD")]
    /// Joined the pool and a group after ListUsers had passed: met only in the group's pages.
    static let lateUser = user("late", email: "late@example.com", created: .number("1795947360"))
    static let groups: [JSON] = [["GroupName": "admins", "Precedence": 1], ["GroupName": "staff", "Description": "everyone"]]
    /// Two pages each, so a membership split across pages comes back whole.
    static let members: [String: [[JSON]]] = [
        "admins": [[users[0]], [users[2]]],
        "staff": [[users[0], users[1]], [lateUser]],
    ]
    static let provider: JSON = ["ProviderName": "Okta", "ProviderType": "SAML", "ProviderDetails": ["MetadataURL": "https://okta.example/m"]]
    static let server: JSON = ["Identifier": "https://api.example", "Name": "api", "Scopes": [["ScopeName": "read", "ScopeDescription": "r"]]]
    static let terms: JSON = ["TermsId": "t-1", "TermsName": "terms-of-use", "ClientId": .string(clientID), "Enforcement": "NONE"]

    static func cognito() -> RecordedCognito {
        RecordedCognito.recordedPool { operation, input in
            let token = input["NextToken"]?.string
            switch operation {
            case "ListUsers": return ["Users": .array(users)]
            case "ListGroups": return ["Groups": .array(groups)]
            case "ListUsersInGroup":
                let pages = members[input["GroupName"]!.string!]!
                return token == nil ? ["Users": .array(pages[0]), "NextToken": "2"] : ["Users": .array(pages[1])]
            case "ListIdentityProviders": return ["Providers": [["ProviderName": "Okta"]]]
            case "DescribeIdentityProvider": return ["IdentityProvider": provider]
            case "ListResourceServers": return ["ResourceServers": [server]]
            case "ListTerms": return ["Terms": [["TermsId": "t-1"]]]
            case "DescribeTerms": return ["Terms": terms]
            default: return nil
            }
        }
    }

    func writtenAndReadBack() async throws -> BackupContents {
        let aws = AWSClient(configuration: try AWSConfiguration(environment: [:], region: "eu-west-1"))
        let destination = BackupDestination(s3: S3(aws: aws), bucket: "unused", catalog: BackupCatalog(dynamodb: DynamoDB(aws: aws), table: "unused"),
                                            encryption: .s3Managed)
        let job = BackupJob(cognito: Self.cognito(), destination: destination, userMFA: .off)
        let sink = MemorySink()
        let writer = SnapshotWriter(sink: sink, flushSize: 512)
        _ = try await job.write(poolID: Self.poolID, startedAt: Self.started, into: writer, progress: nil)
        _ = try await writer.finish()
        return try BackupContents(reading: await sink.bytes)
    }

    @Test func aBackupReadBackHasThePoolsIdentityAndConfiguration() async throws {
        let backup = try await writtenAndReadBack()
        let recorded = RecordedCognito.recording
        #expect(backup.formatVersion == BackupFormat.version)
        #expect(backup.sourcePoolID == Self.poolID)
        #expect(backup.timestamp == Self.started.iso8601)
        #expect(backup.poolConfig == recorded("DescribeUserPool")["UserPool"])
        #expect(backup.mfaConfig == recorded("GetUserPoolMfaConfig"))
        #expect(backup.appClients == [recorded("DescribeUserPoolClient")["UserPoolClient"]!])
        #expect(backup.identityProviders == [Self.provider])
        #expect(backup.resourceServers == [Self.server])
        #expect(backup.domain == recorded("DescribeUserPoolDomain.customers-auth")["DomainDescription"])
        #expect(backup.customDomain == recorded("DescribeUserPoolDomain.auth.example.com")["DomainDescription"])
        let ui = recorded("GetUICustomization")["UICustomization"]
        #expect(backup.uiCustomization.pool == ui)
        #expect(backup.uiCustomization.clients.map(\.clientID) == [Self.clientID])
        #expect(backup.uiCustomization.clients.map(\.value) == [ui])
        let risk = recorded("DescribeRiskConfiguration")["RiskConfiguration"]
        #expect(backup.riskConfiguration.pool == risk)
        #expect(backup.riskConfiguration.clients.map(\.value) == [risk])
        #expect(backup.logDelivery == recorded("GetLogDeliveryConfiguration")["LogDeliveryConfiguration"])
        #expect(backup.managedLoginBranding.map(\.clientID) == [Self.clientID])
        #expect(backup.managedLoginBranding.map(\.value) == [recorded("DescribeManagedLoginBrandingByClient")["ManagedLoginBranding"]!])
        #expect(backup.terms == [Self.terms])
        #expect(backup.groups == Self.groups)
    }

    @Test func aBackupReadBackHasEveryUserAndMembershipIncludingUsersMetOnlyInGroups() async throws {
        let backup = try await writtenAndReadBack()
        #expect(try backup.users.all() == [
            Self.expected("ana", email: "ana@example.com"), Self.expected("bo", email: "bo@example.com", enabled: false),
            Self.expected("José", email: "jose@example.com", status: "FORCE_CHANGE_PASSWORD"), Self.expected("late", email: "late@example.com"),
        ])
        let memberships = Dictionary(uniqueKeysWithValues: try backup.memberships.all().map { ($0.group, $0.usernames) })
        #expect(memberships == ["admins": ["ana", "José"], "staff": ["ana", "bo", "late"]])
    }
}
