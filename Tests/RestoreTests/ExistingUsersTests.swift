@testable import Backup
@testable import Restore
import BackupTestSupport
import JSON
import Testing

/// The target's users are kept compact for a restore into a pool that already has some, and
/// still come back with what the restore reads of them.
struct ExistingUsersTests {
    let alice = PoolUser(Recorded.user("alice", sub: "0f8fad5b-d9cb-469f-a165-70867728950e"))!

    @Test func aListedUserComesBackAsItWasListed() throws {
        let uuidNamed = try #require(PoolUser(Recorded.user("9c5b94b1-35ad-49bb-b118-8e8fc24abf80", sub: "Not-A-UUID",
                                                            enabled: false, status: "FORCE_CHANGE_PASSWORD")))
        let users = [(UserKey("alice"), alice), (UserKey("bob@example.com"), uuidNamed)]
        let existing = ExistingUsers(users.map { (hash: SortedHashes.hash($0.0.text), entry: .init(TargetUser($0.1), key: $0.0)) })
        #expect(existing[UserKey("alice")] == TargetUser(alice))
        #expect(existing[UserKey("bob@example.com")] == TargetUser(uuidNamed))
        #expect(existing[UserKey("bob@example.com")]?.awaitsNewPassword == true)
        #expect(existing[UserKey("Alice")] == nil)
    }

    @Test func theWritableDigestTellsDifferentAttributesApartButNotADifferentSub() throws {
        let stranger = try #require(PoolUser(Recorded.user("alice", sub: "x-9", extra: [("given_name", "Not Alice")])))
        let recreated = try #require(PoolUser(Recorded.user("alice", sub: "x-9")))
        #expect(TargetUser.writableDigest(of: stranger) != TargetUser.writableDigest(of: alice))
        #expect(TargetUser.writableDigest(of: recreated) == TargetUser.writableDigest(of: alice))
    }

    @Test func compactTextGivesBackTheVeryBytesItWasGiven() {
        for text in ["0f8fad5b-d9cb-469f-a165-70867728950e", "0F8FAD5B-D9CB-469F-A165-70867728950E", "alice", "",
                     "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5b+d9cb-469f-a165-70867728950e"] {
            #expect(Array(CompactText(text).text.utf8) == Array(text.utf8))
        }
        guard case .uuid = CompactText("0f8fad5b-d9cb-469f-a165-70867728950e") else {
            Issue.record("a lowercase UUID is not kept in 16 bytes")
            return
        }
    }

    @Test func aListedUserWhoseAttributesDifferIsNotOursAndOneThatMatchesIsAdopted() async throws {
        let cognito = ScriptedCognito { operation, _ in
            switch operation {
            case "ListUsers":
                return ["Users": [Recorded.user("alice", sub: "new-a"), Recorded.user("bob", sub: "new-b", extra: [("given_name", "Not Bob")])]]
            case "ListGroups": return ["Groups": [["GroupName": "staff"]]]
            default: return nil
            }
        }
        let backup = try BackupContents(reading: Recorded.backup(users: [Recorded.user("alice", sub: "a-1"), Recorded.user("bob", sub: "b-2")],
                                                                 memberships: [("staff", ["alice", "bob"])]))
        let options = RestoreOptions(target: .existingPool(id: "eu-west-1_Targ3tP00"), passwords: .noInvitation, concurrency: 4)
        let result = try await RestoreJob(cognito: cognito, backup: backup, options: options, mappings: MemoryMappings()).run()
        #expect(cognito.calls("AdminCreateUser").isEmpty)
        #expect(cognito.calls("AdminAddUserToGroup").map { $0["Username"] } == ["alice"])
        #expect(result.report.failures.contains { $0.contains("user bob") && $0.contains("did not create") })
        #expect(try result.mapping.users.all().first { $0.oldUsername == "alice" }?.newSub == "new-a")
    }
}
