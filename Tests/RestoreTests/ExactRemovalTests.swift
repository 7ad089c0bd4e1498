@testable import Backup
@testable import Restore
import AWSCore
import JSON
import Testing

/// `restore --exact`: what the target has and the backup lacks is found by name, as Cognito
/// compares names, and removed in an order that leaves no reference dangling.
struct ExactRemovalTests {
    func target(caseSensitive: Bool) -> JSON {
        var pool = Recorded.targetPool.object!
        pool["UsernameConfiguration"] = ["CaseSensitive": .bool(caseSensitive)]
        return .object(pool)
    }

    func user(_ username: String, email: String? = nil) -> PoolUser {
        var listed = Recorded.user(username, sub: "s-\(username)").object!
        if let email { listed["Attributes"] = [["Name": "sub", "Value": .string("s-\(username)")], ["Name": "email", "Value": .string(email)]] }
        return PoolUser(.object(listed))!
    }

    @Test func aCaseInsensitiveTargetKeepsAUserTheBackupHasInAnotherCase() throws {
        let backup = try BackupContents(reading: Recorded.backup())

        let folded = try BackupMembers(backup: backup, target: target(caseSensitive: false))
        let exact = try BackupMembers(backup: backup, target: target(caseSensitive: true))

        #expect(folded.has(user("Alice")) && folded.has(user("Alice"), in: "admins"))
        #expect(!exact.has(user("Alice")) && exact.has(user("alice")))
        #expect(!folded.has(user("mallory")))
    }

    @Test func aMembershipIsTheBackupsOnlyInTheGroupsItHadHerIn() throws {
        let members = try BackupMembers(backup: try BackupContents(reading: Recorded.backup()), target: target(caseSensitive: true))

        #expect(members.has(user("bob"), in: "staff"))
        #expect(!members.has(user("bob"), in: "admins"))
        #expect(!members.has(user("alice"), in: "temps"))
    }

    @Test func inAPoolThatSignsInByEmailAUserIsMatchedByHerEmailWhateverHerUsername() throws {
        var config = Recorded.sourcePool.object!
        config["UsernameAttributes"] = ["email"]
        let old = Recorded.user("0f8fad5b-d9cb-469f-a165-70867728950e", sub: "a-1")
        let backup = try BackupContents(reading: Recorded.backup(users: [old], memberships: [("admins", ["0f8fad5b-d9cb-469f-a165-70867728950e"])],
                                                                 extra: [("user_pool_config", .object(config))]))

        let members = try BackupMembers(backup: backup, target: target(caseSensitive: true))

        // The restore created her under a new UUID; her email is what carries over.
        let recreated = user("9c5b94b1-35ad-49bb-b118-8e8fc24abf80", email: "0f8fad5b-d9cb-469f-a165-70867728950e@example.com")
        #expect(members.has(recreated) && members.has(recreated, in: "admins"))
        #expect(!members.has(user("7d0e0b4c-0000-4000-8000-000000000000", email: "someone@example.com")))
    }

    /// The target of `Recorded.backup()` after an afternoon: mallory added, bob put in admins, a
    /// group, a client, a provider and a resource server created.
    static func drifted(_ operation: String, _ input: JSON) throws -> JSON? {
        switch operation {
        case "ListUsers":
            return ["Users": [Recorded.user("alice", sub: "a-1"), Recorded.user("bob", sub: "b-2"), Recorded.user("mallory", sub: "m-3")]]
        case "ListGroups": return ["Groups": [["GroupName": "admins"], ["GroupName": "staff"], ["GroupName": "temps"]]]
        case "ListUsersInGroup":
            let members: [String: [String]] = ["admins": ["alice", "bob"], "staff": ["alice", "bob"], "temps": ["mallory"]]
            return ["Users": .array((members[input["GroupName"]?.string ?? ""] ?? []).map { Recorded.user($0, sub: "x") })]
        case "ListUserPoolClients":
            return ["UserPoolClients": [["ClientId": "kept-web", "ClientName": "web"], ["ClientId": "extra-1", "ClientName": "scraper"]]]
        case "ListIdentityProviders": return ["Providers": [["ProviderName": "Corp"], ["ProviderName": "Shadow"]]]
        case "ListResourceServers": return ["ResourceServers": [["Identifier": "orders"], ["Identifier": "shadow"]]]
        default: return nil
        }
    }

    func removal(_ cognito: ScriptedCognito, report: RestoreReport) throws -> ExactRemoval {
        ExactRemoval(cognito: cognito, backup: try BackupContents(reading: Recorded.backup()), poolID: "eu-west-1_Targ3tP00",
                     target: target(caseSensitive: true), keptClients: ["kept-web"], concurrency: 4, report: report)
    }

    @Test func whatTheBackupLacksIsRemovedClientsBeforeWhatTheyNameAndGroupsLast() async throws {
        let cognito = ScriptedCognito(Self.drifted)
        let report = RestoreReport()

        try await removal(cognito, report: report).run(.pool(Set(RemovalKind.allCases)))

        #expect(cognito.writes == ["AdminRemoveUserFromGroup", "AdminDeleteUser", "DeleteUserPoolClient", "DeleteIdentityProvider",
                                   "DeleteResourceServer", "DeleteGroup"])
        #expect(cognito.calls("AdminRemoveUserFromGroup").map { [$0["Username"], $0["GroupName"], $0["UserPoolId"]] }
            == [["bob", "admins", "eu-west-1_Targ3tP00"]])
        #expect(cognito.calls("AdminDeleteUser").map { $0["Username"] } == ["mallory"])
        #expect(cognito.calls("DeleteUserPoolClient").map { $0["ClientId"] } == ["extra-1"])
        // mallory's membership in temps goes with her and with the group: nobody billed for it.
        #expect(report.removals.map(\.component) == ["group_memberships", "users", "app_clients", "identity_providers",
                                                       "resource_servers", "groups"])
        #expect(report.removals.map(\.names) == [["bob in admins"], ["mallory"], ["scraper (extra-1)"], ["Shadow"], ["shadow"], ["temps"]])
        #expect(report.counts("users").removed == 1)
    }

    @Test func aDeleteThatFindsNothingAfterALostAnswerCountsAsRemoved() async throws {
        let cognito = ScriptedCognito { operation, input in
            if operation == "AdminDeleteUser" { throw ScriptedCognito.error("UserNotFoundException") }
            if operation == "DeleteGroup" { throw ScriptedCognito.error("ResourceNotFoundException") }
            return try Self.drifted(operation, input)
        }
        let report = RestoreReport()

        try await removal(cognito, report: report).run(.pool([.users, .groups]))

        #expect(report.counts("users").removed == 1 && report.counts("groups").removed == 1 && report.failures.isEmpty)
    }

    @Test func aDeleteCognitoRefusesForAnotherReasonStopsTheRestore() async throws {
        let cognito = ScriptedCognito { operation, input in
            if operation == "DeleteIdentityProvider" { throw ScriptedCognito.error("NotAuthorizedException") }
            return try Self.drifted(operation, input)
        }

        await #expect(throws: RestoreFailure.self) {
            try await removal(cognito, report: RestoreReport()).run(.pool(Set(RemovalKind.allCases)))
        }
        #expect(!cognito.writes.contains("DeleteGroup"))
    }

    @Test func aUsersSelectionRemovesOnlyHerMembershipsTheBackupLacks() async throws {
        let cognito = ScriptedCognito { operation, input in
            if operation == "AdminListGroupsForUser" {
                return ["Groups": input["Username"] == "bob" ? [["GroupName": "staff"], ["GroupName": "admins"]] : [["GroupName": "admins"]]]
            }
            return try Self.drifted(operation, input)
        }
        let report = RestoreReport()

        try await removal(cognito, report: report).run(.usersMemberships)

        #expect(cognito.writes.filter { $0 != "AdminListGroupsForUser" } == ["AdminRemoveUserFromGroup"])
        #expect(cognito.calls("AdminRemoveUserFromGroup").map { $0["Username"] } == ["bob"])
        #expect(report.removals.map(\.names) == [["bob in admins"]])
    }

    @Test func aReportKeepsTheFirstNamesRemovedAndCountsThemAll() async throws {
        let report = RestoreReport()
        for index in 0..<(RestoreReport.removedNamesKept + 5) {
            try await report.attemptRemoval("users", name: "user\(index)") { () throws(RestoreFailure) in }
        }
        #expect(report.removals.first?.count == RestoreReport.removedNamesKept + 5)
        #expect(report.removals.first?.names.count == RestoreReport.removedNamesKept)
    }
}
