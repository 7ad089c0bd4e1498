@testable import Backup
import AWSCore
import AWSServices
import JSON
import Testing

struct PoolReaderTests {
    let poolID = "eu-west-1_Rec0rded1"

    @Test func configurationKeepsRecordedResponsesVerbatim() async throws {
        let cognito = RecordedCognito.recordedPool()
        let configuration = try await PoolReader(cognito: cognito, poolID: poolID).readConfiguration()
        let members = JSONObject(configuration.members)
        #expect(members["user_pool_config"] == RecordedCognito.recording("DescribeUserPool")["UserPool"])
        #expect(members["mfa_config"] == RecordedCognito.recording("GetUserPoolMfaConfig"))
        #expect(members["app_clients"] == [RecordedCognito.recording("DescribeUserPoolClient")["UserPoolClient"]!])
        #expect(members["ui_customization"]?["pool"] == RecordedCognito.recording("GetUICustomization")["UICustomization"])
        #expect(members["risk_configuration"]?["clients"]?["5r2ktv9ha0example1"] == RecordedCognito.recording("DescribeRiskConfiguration")["RiskConfiguration"])
        #expect(members["log_delivery_configuration"] == RecordedCognito.recording("GetLogDeliveryConfiguration")["LogDeliveryConfiguration"])
        #expect(members["managed_login_branding"]?["5r2ktv9ha0example1"] == RecordedCognito.recording("DescribeManagedLoginBrandingByClient")["ManagedLoginBranding"])
        // Numbers keep their spelling: Cognito's dates survive byte for byte.
        #expect(JSON.object(members).serialized.contains("1.731927305379E9"))
        #expect(configuration.warnings.isEmpty)
        #expect(configuration.estimatedUsers == 3)
    }

    @Test func describeUserPoolDomainIsAskedForBothDomainNamesNotThePoolID() async throws {
        let cognito = RecordedCognito.recordedPool()
        let configuration = try await PoolReader(cognito: cognito, poolID: poolID).readConfiguration()
        #expect(Set(cognito.calls("DescribeUserPoolDomain").compactMap { $0["Domain"]?.string }) == ["customers-auth", "auth.example.com"])
        let domains = JSONObject(configuration.members)["user_pool_domain"]
        #expect(domains?["domain"]?["Domain"]?.string == "customers-auth")
        #expect(domains?["custom_domain"]?["CustomDomainConfig"]?["CertificateArn"] != nil)
    }

    @Test func listGroupsFollowsNextTokenToTheLastPage() async throws {
        let cognito = RecordedCognito.recordedPool { operation, input in
            guard operation == "ListGroups" else { return nil }
            switch input["NextToken"]?.string {
            case nil: return ["Groups": [["GroupName": "a"]], "NextToken": "t1"]
            case "t1": return ["Groups": [["GroupName": "b"]], "NextToken": "t2"]
            default: return ["Groups": [["GroupName": "c"]]]
            }
        }
        let configuration = try await PoolReader(cognito: cognito, poolID: poolID).readConfiguration()
        #expect(configuration.groups.compactMap { $0["GroupName"]?.string } == ["a", "b", "c"])
        #expect(cognito.calls("ListGroups").map { $0["Limit"]?.int } == [60, 60, 60])
    }

    @Test func absentOptionalComponentsAreNullWithAReason() async throws {
        let cognito = RecordedCognito.recordedPool { operation, _ in
            switch operation {
            case "DescribeRiskConfiguration": throw RecordedCognito.error("UserPoolAddOnNotEnabledException")
            case "DescribeManagedLoginBrandingByClient": throw RecordedCognito.error("ResourceNotFoundException")
            default: return nil
            }
        }
        let configuration = try await PoolReader(cognito: cognito, poolID: poolID).readConfiguration()
        let members = JSONObject(configuration.members)
        #expect(members["risk_configuration"]?["pool"] == .null)
        #expect(members["managed_login_branding"]?["5r2ktv9ha0example1"] == .null)
        #expect(configuration.warnings.map(\.component).sorted() == [
            "managed_login_branding.5r2ktv9ha0example1", "risk_configuration.5r2ktv9ha0example1", "risk_configuration.pool",
        ])
        #expect(configuration.warnings.allSatisfy { $0.reason.hasPrefix("UserPoolAddOnNotEnabledException") || $0.reason.hasPrefix("ResourceNotFoundException") })
    }

    @Test func accessDeniedOnAnOptionalComponentFailsTheBackup() async throws {
        let cognito = RecordedCognito.recordedPool { operation, _ in
            if operation == "GetUICustomization" { throw RecordedCognito.error("AccessDeniedException") }
            return nil
        }
        await #expect(throws: AWSError.self) { try await PoolReader(cognito: cognito, poolID: poolID).readConfiguration() }
    }

    @Test func smallPoolIsReadWithOneListUsersCall() async throws {
        let cognito = RecordedCognito.recordedPool()
        let pages = PageCollector()
        try await PoolReader(cognito: cognito, poolID: poolID).forEachUserPage { await pages.add($0) }
        #expect(cognito.calls("ListUsers").count == 1)
        #expect(await pages.usernames == ["7c1d5e2a-3b4f-4a6e-8d9c-0b1a2c3d4e5f"])
    }

    @Test func largePoolIsReadInSixteenDisjointSubStreamsToTheirLastPages() async throws {
        let cognito = RecordedCognito.recordedPool { operation, input in
            guard operation == "ListUsers" else { return nil }
            guard let filter = input["Filter"]?.string else { return ["Users": [["Username": "first-page"]], "PaginationToken": "more"] }
            let prefix = String(filter.dropFirst("sub ^= \"".count).prefix(1))
            if input["PaginationToken"] == nil { return ["Users": [["Username": .string("\(prefix)-1")]], "PaginationToken": .string("next-\(prefix)")] }
            return ["Users": [["Username": .string("\(prefix)-2")]]]
        }
        let pages = PageCollector()
        try await PoolReader(cognito: cognito, poolID: poolID).forEachUserPage { await pages.add($0) }
        let filters = cognito.calls("ListUsers").compactMap { $0["Filter"]?.string }
        #expect(Set(filters) == Set("0123456789abcdef".map { "sub ^= \"\($0)\"" }))
        let usernames = await pages.usernames
        #expect(usernames.count == 32)
        #expect(!usernames.contains("first-page"))
    }

    @Test func membershipsCoverEveryPageOfEveryGroup() async throws {
        let cognito = RecordedCognito { operation, input in
            #expect(operation == "ListUsersInGroup")
            let group = input["GroupName"]!.string!
            if input["NextToken"] == nil { return ["Users": [["Username": .string("\(group)-u1")]], "NextToken": "p2"] }
            return ["Users": [["Username": .string("\(group)-u2")]]]
        }
        let collected = MembershipCollector()
        try await PoolReader(cognito: cognito, poolID: poolID).forEachGroupMembership(["admins", "staff", "ops"]) { await collected.add($0, $1) }
        #expect(await collected.members == ["admins": ["admins-u1", "admins-u2"], "staff": ["staff-u1", "staff-u2"], "ops": ["ops-u1", "ops-u2"]])
    }

    @Test func aPageTokenSeenBeforeStopsPaginationWithAnError() async throws {
        let cognito = RecordedCognito { _, _ in ["Groups": [], "NextToken": "same"] }
        await #expect(throws: AWSError.self) { try await cognito.forEachPage("ListGroups", ["UserPoolId": "p"]) { _ in } }
        #expect(cognito.calls.count == 2)
    }
}

actor PageCollector {
    private(set) var usernames: [String] = []
    func add(_ page: UserPage) { usernames += page.users.compactMap(page.username) }
}

actor MembershipCollector {
    private(set) var members: [String: [String]] = [:]
    func add(_ group: String, _ usernames: [String]) { members[group] = usernames }
}
