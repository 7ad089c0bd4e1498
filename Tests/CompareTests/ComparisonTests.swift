import Backup
@testable import Compare
import JSON

import Testing

struct SettingDifferenceTests {
    @Test func nestedSettingsAreNamedByTheirPath() throws {
        let old = try JSON(parsing: #"{"Policies":{"PasswordPolicy":{"MinimumLength":12,"RequireSymbols":true}},"MfaConfiguration":"ON"}"#)
        let new = try JSON(parsing: #"{"Policies":{"PasswordPolicy":{"MinimumLength":8,"RequireSymbols":true}},"MfaConfiguration":"ON"}"#)
        #expect(SettingDifference.fields(old, new) == [Change.Field(path: "Policies.PasswordPolicy.MinimumLength", old: 12, new: 8)])
    }

    @Test func listsOfNamesAreSetsAndEmptyIsTheSameAsAbsent() throws {
        let old = try JSON(parsing: #"{"ExplicitAuthFlows":["A","B"],"LogoutURLs":[],"Description":""}"#)
        let new = try JSON(parsing: #"{"ExplicitAuthFlows":["B","A"]}"#)
        #expect(SettingDifference.fields(old, new).isEmpty)
        #expect(SettingDifference.fields(new, try JSON(parsing: #"{"ExplicitAuthFlows":["B","C"]}"#)).map(\.path) == ["ExplicitAuthFlows"])
    }

    @Test func listsOfObjectsAreTheSameInAnyOrder() throws {
        let old = try JSON(parsing: #"{"Scopes":[{"ScopeName":"read"},{"ScopeName":"write"}]}"#)
        let new = try JSON(parsing: #"{"Scopes":[{"ScopeName":"write"},{"ScopeName":"read"}]}"#)
        #expect(SettingDifference.fields(old, new).isEmpty)
        #expect(SettingDifference.fields(old, try JSON(parsing: #"{"Scopes":[{"ScopeName":"read"}]}"#)).map(\.path) == ["Scopes"])
    }

    @Test func whatNoRestoreKeepsIsIgnored() throws {
        let old = try JSON(parsing: #"{"Id":"us-east-1_a","CreationDate":1,"DeletionProtection":"ACTIVE"}"#)
        let new = try JSON(parsing: #"{"Id":"us-east-1_b","CreationDate":2,"DeletionProtection":"INACTIVE"}"#)
        #expect(SettingDifference.fields(old, new, ignoring: ConfigurationDifference.volatile).map(\.path) == ["DeletionProtection"])
    }
}

struct PoolComparisonTests {
    static func side(_ users: [PoolUser], memberships: [(group: String, usernames: [String])] = [],
                     clients: [JSON] = []) -> ComparedSide {
        .backup(BackupContents(formatVersion: 2, timestamp: "", sourcePoolID: "us-east-1_x", poolConfig: ["Id": "us-east-1_x"],
                               appClients: clients, users: users, memberships: memberships))
    }

    static func user(_ name: String, email: String? = nil, enabled: Bool = true) -> PoolUser {
        PoolUser(username: name, attributes: [.init("sub", "sub-\(name)-\(Int.random(in: 0...1_000_000))"), .init("email", email ?? "\(name)@example.com")], enabled: enabled)
    }

    static func changes(_ old: ComparedSide, _ new: ComparedSide) async throws -> (changes: [Change], summary: PoolComparison.Summary) {
        var changes: [Change] = []
        let summary = try await PoolComparison(old: old, new: new).run { changes.append($0) }
        return (changes, summary)
    }

    @Test func usersAreAddedRemovedAndChangedButTheirSubsNeverDiffer() async throws {
        let many = (0..<500).map { Self.user("user\($0)") }
        var after = many.filter { $0.username != "user7" }
        after[3] = Self.user("user3", email: "new@example.com")
        after[4] = Self.user("user4", enabled: false)
        after.append(Self.user("newcomer"))

        let (changes, summary) = try await Self.changes(Self.side(many), Self.side(after))

        #expect(Set(changes.map(\.text)) == ["- user user7", "+ user newcomer", "~ user user3: email: user3@example.com -> new@example.com",
                                             "~ user user4: Enabled: true -> false"])
        #expect(summary.counts[.users] == [.added: 1, .removed: 1, .changed: 2] && !summary.identical)
    }

    @Test func membershipsAreComparedPerUserAndGroup() async throws {
        let users = ["ann", "bob", "cy"].map { Self.user($0) }
        let (changes, _) = try await Self.changes(Self.side(users, memberships: [("admins", ["ann", "bob"])]),
                                                  Self.side(users, memberships: [("admins", ["ann"]), ("staff", ["cy"])]))
        #expect(Set(changes.map(\.text)) == ["- membership bob in admins", "+ membership cy in staff"])
    }

    @Test func appClientsAreMatchedByNameAndTheirIdsAndSecretsAreNotChanges() async throws {
        let old = try JSON(parsing: #"{"ClientName":"web","ClientId":"old1","ClientSecret":"s1","RefreshTokenValidity":30}"#)
        let same = try JSON(parsing: #"{"ClientName":"web","ClientId":"new1","ClientSecret":"s2","RefreshTokenValidity":30}"#)
        let changed = try JSON(parsing: #"{"ClientName":"web","ClientId":"new1","RefreshTokenValidity":60}"#)
        #expect(try await Self.changes(Self.side([], clients: [old]), Self.side([], clients: [same])).summary.identical)
        let (changes, _) = try await Self.changes(Self.side([], clients: [old]), Self.side([], clients: [changed]))
        #expect(changes.map(\.text) == ["~ app client web (new1): RefreshTokenValidity: 30 -> 60; ClientSecret: true -> false"])
    }

    @Test func partitionsKeepRecordsAcrossManyFlushes() throws {
        let partitions = try Partitions(for: "a test")
        for i in 0..<20_000 { try partitions.add(["Username": .string("u\(i)"), "pad": .string(String(repeating: "x", count: 40))], username: "u\(i)") }
        try partitions.finish()
        var seen = 0
        for partition in 0..<Partitions.count {
            try partitions.forEach(in: partition) { record in
                #expect(Partitions.partition(of: record["Username"]?.string ?? "") == partition)
                seen += 1
            }
        }
        #expect(seen == 20_000)
    }
}
