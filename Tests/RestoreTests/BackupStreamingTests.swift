import BackupTestSupport
import JSON
@testable import Backup
@testable import Restore
import Testing

/// A backup read from its file keeps hashes, not users or memberships, and reads them again.
struct BackupStreamingTests {
    @Test func groupsOfAUserAreFoundWithoutHoldingTheMemberships() throws {
        let backup = try BackupContents(reading: Recorded.backup())
        #expect(backup.memberships.groups(of: "alice") == ["admins", "staff"])
        #expect(backup.memberships.groups(of: "bob") == ["staff"])
        #expect(backup.memberships.groups(of: "Bob").isEmpty)
        #expect(backup.memberships.count == 3)
        #expect(try backup.memberships.all().map(\.usernames) == [["alice"], ["alice", "bob"]])
    }

    @Test func membershipOfAUserTheBackupLacksIsAStray() throws {
        let backup = try BackupContents(reading: Recorded.backup(memberships: [("staff", ["alice", "zoe"])]))
        #expect(backup.memberships.strays.map { "\($0.group)/\($0.username)" } == ["staff/zoe"])
        #expect(backup.users.contains(username: "alice") && !backup.users.contains(username: "zoe"))
    }

    @Test func membershipThatIsNotAUsernameIsRefused() throws {
        var bytes = Recorded.backup(memberships: [("staff", ["alice"])])
        let needle = Array(#"["alice"]"#.utf8)
        let offset = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle })
        bytes.replaceSubrange(offset..<offset + needle.count, with: Array("[1234567]".utf8))
        let error = #expect(throws: BackupReadError.self) { try BackupContents(reading: bytes) }
        #expect(error?.description.contains("is not a list of usernames") == true)
    }

    @Test func usersAreReadAgainInTheBackupsOrderAsOftenAsAsked() throws {
        let users = (0..<50).map { Recorded.user("user\($0)", sub: "s-\($0)") }
        let backup = try BackupContents(reading: Recorded.backup(users: users, memberships: []))
        #expect(backup.users.count == 50)
        #expect(try backup.users.all().map(\.username) == (0..<50).map { "user\($0)" })
        #expect(try backup.users.all().map(\.sub) == (0..<50).map { "s-\($0)" })
    }

    @Test func namesThatDifferOnlyInCaseAreFoundByTheirFoldedHash() throws {
        let users = [Recorded.user("Bob", sub: "b-1"), Recorded.user("carol", sub: "c-1"), Recorded.user("bob", sub: "b-2")]
        let backup = try BackupContents(reading: Recorded.backup(users: users, memberships: []))
        #expect(try backup.users.caseFoldedDuplicates() == [["Bob", "bob"]])
    }

    @Test func mappingIsWrittenAndReadBackAPieceAtATime() throws {
        let users = MappedUsers()
        for index in 0..<2_000 {
            try users.append(.init(oldUsername: "user\(index)", newUsername: "user\(index)", oldSub: "old-\(index)", newSub: "new-\(index)"))
        }
        try users.append(.init(oldUsername: "Corp_1", newUsername: nil, oldSub: "f-1", newSub: nil), federated: true)
        let mapping = RestoreMapping(sourcePoolID: "p", backupTimestamp: "t", restoreID: "r", targetPoolID: "q", createdPool: true, users: users)
        var written: [UInt8] = []
        try mapping.write { written += $0 }
        let document = try JSON(parsing: written)
        #expect(document["users"]?.object?.count == 2_000 && document["federated_users"]?["Corp_1"]?["old_sub"] == "f-1")
        var pieces = stride(from: 0, to: written.count, by: 1000).map { Array(written[$0..<min($0 + 1000, written.count)]) }.reversed() as [[UInt8]]
        let reread = try RestoreMapping.read { () throws(BackupReadError) -> [UInt8]? in pieces.popLast() }
        #expect(try reread.users.all() == users.all() && reread.users.federatedCount == 1)
        #expect(try reread.users.newSubs().contains("new-1999") && !reread.users.newSubs().contains("old-1"))
    }
}
