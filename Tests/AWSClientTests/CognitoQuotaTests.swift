@testable import AWSServices
@testable import Support
import Testing

/// Which token bucket each Cognito operation draws on, and how its rate is configured.
struct CognitoQuotaTests {
    @Test(arguments: [
        ("ListUsers", .userList),
        ("ListUsersInGroup", .userList),
        ("AdminGetUser", .userRead),
        ("AdminListGroupsForUser", .userRead),
        ("AdminCreateUser", .userCreation),
        ("AdminAddUserToGroup", .userUpdate),
        ("AdminDisableUser", .userUpdate),
        ("DescribeUserPool", .userPoolRead),
        ("GetUserPoolMfaConfig", .userPoolRead),
        ("CreateUserPool", .userPoolUpdate),
        ("ListUserPoolClients", .userPoolClientRead),
        ("CreateUserPoolClient", .userPoolClientUpdate),
        ("GetUICustomization", .userPoolResourceRead),
        ("ListGroups", .userPoolResourceRead),
        ("DescribeIdentityProvider", .userPoolResourceRead),
        ("CreateGroup", .userPoolResourceUpdate),
        ("SetUICustomization", .userPoolResourceUpdate),
    ] as [(String, CognitoQuotaCategory)])
    func operationDrawsOnItsQuotaCategory(_ operation: String, _ category: CognitoQuotaCategory) {
        #expect(CognitoQuotaCategory.of(operation) == category)
    }

    @Test func environmentSetsACategoryRate() throws {
        let quotas = try CognitoQuotas(environment: ["COGNITO_TPS_USERLIST": "12.5"])
        #expect(quotas.limiter(for: .userList).configuredRate == 12.5)
    }

    @Test func listUsersDrawsOnTheAccountBucketOnly() {
        let quotas = CognitoQuotas()
        let limiters = quotas.limiters(for: "ListUsers", poolID: "eu-west-1_AbCdEfGhI")
        #expect(limiters.map(\.name) == ["UserList"])
    }

    @Test func perPoolCategoryAddsABucketPerOperationAndPool() {
        let quotas = CognitoQuotas()
        let first = quotas.limiters(for: "GetUICustomization", poolID: "eu-west-1_AbCdEfGhI")
        #expect(first.map(\.name) == ["UserPoolResourceRead", "GetUICustomization eu-west-1_AbCdEfGhI"])
        #expect(first.last?.configuredRate == 5 * CognitoQuotas.defaultShare)
        #expect(first.last === quotas.limiters(for: "GetUICustomization", poolID: "eu-west-1_AbCdEfGhI").last)
        #expect(first.last !== quotas.limiters(for: "GetUICustomization", poolID: "eu-west-1_ZyXwVuTsR").last)
        #expect(first.last !== quotas.limiters(for: "ListGroups", poolID: "eu-west-1_AbCdEfGhI").last)
    }

    @Test func perPoolCategoryWithoutAPoolDrawsOnTheAccountBucketOnly() {
        #expect(CognitoQuotas().limiters(for: "GetUICustomization", poolID: nil).map(\.name) == ["UserPoolResourceRead"])
    }

    @Test func unsetCategoriesRunJustUnderTheDefaultQuota() throws {
        let quotas = try CognitoQuotas(environment: ["COGNITO_TPS_USERLIST": "12.5", "COGNITO_TPS_USERREAD": ""])
        #expect(quotas.limiter(for: .userRead).configuredRate == 120 * CognitoQuotas.defaultShare)
        #expect(quotas.limiter(for: .userPoolRead).configuredRate == 15 * CognitoQuotas.defaultShare)
    }

    @Test(arguments: ["fast", "0", "-3", "12tps"])
    func environmentRejectsRatesThatAreNotPositiveNumbers(_ text: String) {
        let error = #expect(throws: ConfigurationError.self) { try CognitoQuotas(environment: ["COGNITO_TPS_USERLIST": text]) }
        #expect(error?.message.contains("COGNITO_TPS_USERLIST") == true)
        #expect(error?.message.contains("'\(text)'") == true)
    }
}
