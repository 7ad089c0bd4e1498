@testable import Backup
import BackupTestSupport
import JSON
@testable import Restore
import Compare
import Testing

/// Verify compares what a restore could merge or round: usernames, memberships and settings by
/// their exact bytes and decimal values.
struct ExactVerifyTests {
    static let nfc = "Jos\u{E9}"
    static let nfd = "Jose\u{301}"

    func backup(memberships: [(String, [String])]) throws -> BackupContents {
        try BackupContents(reading: Recorded.backup(users: [Recorded.user(Self.nfc, sub: "s-1"), Recorded.user(Self.nfd, sub: "s-2")],
                                            memberships: memberships))
    }

    func failures(_ backup: BackupContents, _ pool: BackupContents) async throws -> [String: [String]] {
        Dictionary(try await PoolVerifier(backup: backup, pool: .backup(pool)).checks().filter { !$0.passed }.map { ($0.name, $0.differences) },
                   uniquingKeysWith: { first, _ in first })
    }

    @Test func usersWhoseNamesDifferOnlyInNormalizationAreTwoUsers() async throws {
        let backup = try backup(memberships: [])
        #expect(try await failures(backup, backup).isEmpty)
        var merged = backup
        merged.users = BackupUsers([try backup.users.all()[0]])
        #expect(try await failures(backup, merged)["users"] == ["\(Self.nfd): missing"])
    }

    @Test func membershipMergedOntoTheOtherSpellingIsADifference() async throws {
        let backup = try backup(memberships: [("admins", [Self.nfc]), ("staff", [Self.nfd])])
        var pool = backup
        pool.memberships = BackupMemberships([("admins", [Self.nfc]), ("staff", [Self.nfc])])
        #expect(try await failures(backup, pool)["group memberships"] == ["staff: \(Self.nfd) missing", "staff: \(Self.nfc) not in the backup"])
    }

    @Test func droppedMembershipIsADifference() async throws {
        let backup = try backup(memberships: [("admins", [Self.nfc, Self.nfd])])
        var pool = backup
        pool.memberships = BackupMemberships([("admins", [Self.nfc])])
        #expect(try await failures(backup, pool)["group memberships"] == ["admins: \(Self.nfd) missing"])
    }

    @Test(arguments: [
        ("MinimumLength", JSON.number("12"), JSON.number("12.0"), true),
        ("MinimumLength", JSON.number("12"), JSON.number("1.2e1"), true),
        ("MinimumLength", JSON.number("12"), JSON.number("13"), false),
        ("TemporaryPasswordValidityDays", JSON.number("9007199254740993"), JSON.number("9007199254740992"), false),
        ("Note", JSON.string("Caf\u{E9}"), JSON.string("Cafe\u{301}"), false),
    ])
    func settingIsComparedByExactValue(name: String, expected: JSON, actual: JSON, same: Bool) async throws {
        func with(_ value: JSON) -> BackupContents {
            var backup = try! BackupContents(reading: Recorded.backup())
            var config = backup.poolConfig.object!
            var policies = config["Policies"]!.object!
            var password = policies["PasswordPolicy"]!.object!
            password[name] = value
            policies["PasswordPolicy"] = .object(password)
            config["Policies"] = .object(policies)
            backup.poolConfig = .object(config)
            return backup
        }
        let found = try await failures(with(expected), with(actual))["security policies"]
        #expect((found == nil) == same, "\(found ?? [])")
    }

    @Test func restoreTagIsNotADifferenceButAnyOtherTagIs() async throws {
        let backup = try BackupContents(reading: Recorded.backup())
        var pool = backup
        var config = pool.poolConfig.object!
        config["UserPoolTags"] = ["team": "identity", "cognito-backup:restore-id": "r-1"]
        pool.poolConfig = .object(config)
        #expect(try await failures(backup, pool)["tags"] == nil)
        config["UserPoolTags"] = ["team": "identities"]
        pool.poolConfig = .object(config)
        #expect(try await failures(backup, pool)["tags"] != nil)
    }
}
