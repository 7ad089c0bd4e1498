import BackupTestSupport
import JSON
@testable import Backup
@testable import Restore
import Testing

/// A drill restores a sample of a large backup's users: bounded, with one of each kind a restore
/// treats its own way, and the memberships of exactly the users drawn.
struct DrillSampleTests {
    /// 300 users read from a file: user0 first and user299 last, user150 the only disabled one,
    /// user200 the only linked one, user250 the only UNCONFIRMED one; group "rare" has only
    /// user120, "everyone" has every user.
    static func backup() throws -> BackupContents {
        let users = (0..<300).map { i -> JSON in
            let extra: [(String, String)] = i == 200 ? [("identities", #"[{"providerName":"Corp","userId":"u200"}]"#)] : []
            return Recorded.user("user\(i)", sub: "s-\(i)", enabled: i != 150, status: i == 250 ? "UNCONFIRMED" : "CONFIRMED", extra: extra)
        }
        return try BackupContents(reading: Recorded.backup(users: users, memberships: [
            ("everyone", (0..<300).map { "user\($0)" }), ("rare", ["user120"]),
        ]))
    }

    @Test func theSampleHoldsAsManyUsersAsAskedAndOneOfEveryKind() throws {
        let sample = try DrillSample(of: Self.backup(), size: 20)
        let names = Set(try sample.backup.users.all().map(\.username))
        #expect(names.count == 20 && sample.usersInBackup == 300)
        #expect(names.isSuperset(of: ["user0", "user299", "user150", "user200", "user250", "user120"]))
        #expect(sample.groupsNotRepresented == 0)
    }

    @Test func theSampledMembershipsAreExactlyThoseOfTheUsersDrawn() throws {
        let sample = try DrillSample(of: Self.backup(), size: 20)
        let names = try sample.backup.users.all().map(\.username)
        let memberships = try sample.backup.memberships.all()
        #expect(memberships.map(\.group) == ["everyone", "rare"])
        #expect(Set(memberships[0].usernames) == Set(names) && memberships[0].usernames.count == 20)
        #expect(memberships[1].usernames == ["user120"])
        #expect(sample.backup.memberships.strays.isEmpty)
    }

    @Test func theConfigurationAndTheGroupsStayWhole() throws {
        let whole = try Self.backup()
        let sample = try DrillSample(of: whole, size: 20)
        #expect(sample.backup.groups == whole.groups && sample.backup.appClients == whole.appClients)
        #expect(sample.backup.poolConfig == whole.poolConfig)
    }

    @Test func theRandomFillDiffersFromRunToRunButNeverRepeatsAUser() throws {
        let whole = try Self.backup()
        let draws = try (0..<5).map { _ in try DrillSample(of: whole, size: 50).backup.users.all().map(\.username) }
        #expect(draws.allSatisfy { Set($0).count == 50 })
        #expect(Set(draws.map { $0.sorted() }).count > 1)
    }

    @Test func aBackupNoLargerThanTheSampleIsDrilledWhole() throws {
        let whole = try Self.backup()
        let sample = try DrillSample(of: whole, size: 300)
        #expect(sample.backup.users.count == 300 && sample.backup.memberships.count == 301)
    }

    @Test func aSampleSmallerThanItsKindsKeepsItsSizeAndCountsTheGroupsLeftOut() throws {
        let sample = try DrillSample(of: Self.backup(), size: 3)
        #expect(try sample.backup.users.all().count == 3)
        #expect(sample.groupsNotRepresented == 1)
    }

    @Test(arguments: [("1000", DrillUsers.sample(1000)), ("all", .all), ("0", nil), ("-5", nil), ("some", nil)])
    func theUsersSettingIsANumberAboveZeroOrAll(_ text: String, _ expected: DrillUsers?) {
        #expect(DrillUsers(text) == expected)
    }
}
