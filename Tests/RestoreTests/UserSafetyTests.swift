@testable import Backup
@testable import Restore
import JSON
import Testing

/// Users are never merged, adopted when they are someone else's, or usable before they are
/// disabled.
struct UserSafetyTests {
    func restore(_ cognito: ScriptedCognito, users: [JSON], memberships: [(String, [String])] = [],
                 target: RestoreOptions.Target = .existingPool(id: "eu-west-1_Targ3tP00"),
                 passwords: PasswordHandling = .noInvitation) async throws -> RestoreJob.Result {
        let options = RestoreOptions(target: target, passwords: passwords, concurrency: 4)
        return try await RestoreJob(cognito: cognito, backup: try BackupContents(reading: Recorded.backup(users: users, memberships: memberships)),
                                    options: options, mappings: MemoryMappings()).run()
    }

    @Test func disabledUserIsNeverInvitedAndIsDisabledBeforeItJoinsAGroup() async throws {
        let cognito = ScriptedCognito()
        _ = try await restore(cognito, users: [Recorded.user("alice", sub: "a-1"), Recorded.user("bob", sub: "b-2", enabled: false)],
                              memberships: [("staff", ["alice", "bob"])], target: .newPool(name: nil), passwords: .invite)
        let creates = Dictionary(uniqueKeysWithValues: cognito.calls("AdminCreateUser").map { ($0["Username"]!.string!, $0) })
        #expect(creates["bob"]?["MessageAction"] == "SUPPRESS" && creates["bob"]?["DesiredDeliveryMediums"] == nil)
        #expect(creates["alice"]?["MessageAction"] == nil && creates["alice"]?["DesiredDeliveryMediums"] == ["EMAIL"])
        let bob = cognito.calls.enumerated().filter { $0.element.input["Username"] == "bob" }.map(\.element.operation)
        #expect(bob == ["AdminCreateUser", "AdminDisableUser", "AdminAddUserToGroup"])
    }

    @Test func namesThatDifferOnlyInNormalizationAreCreatedAsTwoUsers() async throws {
        let cognito = ScriptedCognito()
        let result = try await restore(cognito, users: [Recorded.user("Jos\u{E9}", sub: "s-1"), Recorded.user("Jose\u{301}", sub: "s-2")],
                                       memberships: [("staff", ["Jose\u{301}"])])
        #expect(cognito.calls("AdminCreateUser").map { Array($0["Username"]!.string!.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
            == [Array("Jos\u{E9}".utf8), Array("Jose\u{301}".utf8)].sorted { $0.lexicographicallyPrecedes($1) })
        #expect(cognito.calls("AdminAddUserToGroup").map { Array($0["Username"]!.string!.utf8) } == [Array("Jose\u{301}".utf8)])
        #expect(result.succeeded)
    }

    @Test func someoneElsesUserOfTheSameNameIsAFailureNotAdopted() async throws {
        let stranger = Recorded.user("alice", sub: "x-9", extra: [("given_name", "Not Alice")])
        let cognito = ScriptedCognito { operation, _ in
            switch operation {
            case "AdminCreateUser": throw ScriptedCognito.error("UsernameExistsException")
            case "AdminGetUser":
                var described = stranger.object!
                described["UserAttributes"] = described["Attributes"]
                return .object(described)
            default: return nil
            }
        }
        let result = try await restore(cognito, users: [Recorded.user("alice", sub: "a-1")], memberships: [("staff", ["alice"])])
        #expect(!result.succeeded)
        #expect(result.report.failures.contains { $0.contains("did not create") })
        #expect(cognito.calls("AdminAddUserToGroup").isEmpty && result.mapping.users.count == 0)
    }

    @Test func usersDifferingOnlyInCaseAreRefusedForACaseInsensitiveTargetBeforeAnyWrite() async throws {
        let cognito = ScriptedCognito()
        await #expect(throws: IncompatibleTargetError.self) {
            _ = try await restore(cognito, users: [Recorded.user("Bob", sub: "b-1"), Recorded.user("bob", sub: "b-2")])
        }
        #expect(cognito.writes.isEmpty)
    }

    @Test func membershipOfAUserTheBackupLacksIsAWarning() async throws {
        let result = try await restore(ScriptedCognito(), users: [Recorded.user("alice", sub: "a-1")],
                                       memberships: [("staff", ["alice", "ghost"])])
        #expect(result.succeeded)
        #expect(result.report.warnings.contains { $0.contains("ghost in group staff") })
    }
}
