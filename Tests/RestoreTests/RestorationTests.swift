@testable import Backup
import BackupTestSupport
import Compare
import JSON
@testable import Restore
import Testing

/// What a restore carries and what it cannot, rule by rule: a backup against a restore of it
/// (`Restoration.restore`) reports the rest as not carried, never as a change.
struct RestorationTests {
    static func backup(_ users: [JSON] = [Recorded.user("alice", sub: "a-1")], config: [String: JSON] = [:]) throws -> BackupContents {
        var contents = try BackupContents(reading: Recorded.backup(users: users, memberships: [("admins", ["alice"])]))
        var pool = contents.poolConfig.object!
        for (key, value) in config { pool[key] = value }
        contents.poolConfig = .object(pool)
        return contents
    }

    static func changes(_ backup: BackupContents, _ restored: BackupContents, triggers: Bool = true,
                        clients: [String: String] = [:]) async throws -> (changes: [Change], summary: PoolComparison.Summary) {
        var changes: [Change] = []
        let summary = try await PoolComparison(backup: backup, restored: .backup(restored),
                                               restoration: .restore(triggers: triggers, clients: clients)).run { changes.append($0) }
        return (changes, summary)
    }

    static func user(_ name: String, sub: String, status: String = "CONFIRMED", email: String? = nil) -> PoolUser {
        PoolUser(username: name, attributes: [.init("sub", sub), .init("email", email ?? "\(name)@example.com")], status: status)
    }

    @Test func aRecreatedUsersSubAndStatusAreNotCarriedAndNoChange() async throws {
        let backup = try Self.backup()
        var restored = backup
        restored.users = BackupUsers([PoolUser(username: "alice", attributes: try backup.users.all()[0].attributes.map {
            $0.name == "sub" ? .init("sub", "new-1") : $0
        }, status: "FORCE_CHANGE_PASSWORD")])

        let (changes, summary) = try await Self.changes(backup, restored)

        let alice = try #require(changes.first { $0.kind == .users })
        #expect(alice.action == .notCarried && Set(alice.fields.map(\.path)) == ["sub", "UserStatus"])
        #expect(summary.identical && summary.count(.users, .notCarried) == 1)
        #expect(summary.json["users"] == ["added": 0, "removed": 0, "changed": 0, "not_carried": 1])
        // Without a restoration the same status is a change, as diff always reported it.
        var plain: [Change] = []
        _ = try await PoolComparison(old: .backup(backup), new: .backup(restored)).run { plain.append($0) }
        #expect(plain.map(\.text) == ["~ user alice: UserStatus: CONFIRMED -> FORCE_CHANGE_PASSWORD"])
    }

    @Test func anEditedAttributeBesideANewSubIsAChangeThatAlsoSaysWhatWasNotCarried() async throws {
        let backup = try Self.backup()
        var restored = backup
        restored.users = BackupUsers([PoolUser(username: "alice", attributes: [.init("sub", "new-1"), .init("email", "x@example.com")])])

        let alice = try #require(try await Self.changes(backup, restored).changes.first { $0.kind == .users })

        #expect(alice.action == .changed && alice.fields.map(\.path).sorted() == ["custom:tenant", "email", "email_verified"])
        #expect(alice.notCarried.map(\.path) == ["sub"])
        #expect(alice.json["not_carried"]?.array?.count == 1)
    }

    @Test func usersOfAnEmailPoolAreMatchedByEmailTheirNewUsernamesNotCarried() async throws {
        let config: [String: JSON] = ["UsernameAttributes": ["email"]]
        var backup = try Self.backup(config: config)
        backup.users = BackupUsers([Self.user("0f1e-uuid-old", sub: "0f1e-uuid-old", email: "ann@example.com")])
        backup.memberships = BackupMemberships([("admins", ["0f1e-uuid-old"])], users: backup.users)
        var restored = backup
        restored.users = BackupUsers([Self.user("9a8b-uuid-new", sub: "9a8b-uuid-new", email: "ann@example.com")])
        restored.memberships = BackupMemberships([("admins", ["9a8b-uuid-new"])], users: restored.users)

        let (changes, summary) = try await Self.changes(backup, restored)

        #expect(summary.identical)
        #expect(changes.filter { $0.kind == .users }.map(\.name) == ["ann@example.com"])
        #expect(Set(changes.first { $0.kind == .users }?.fields.map(\.path) ?? []) == ["Username", "sub"])
        #expect(!changes.contains { $0.kind == .memberships })
    }

    @Test func aFederatedOnlyUserIsRecreatedBySigningInNotByTheRestore() async throws {
        let backup = try Self.backup([Recorded.user("alice", sub: "a-1"), Recorded.user("Corp_77", sub: "c-7", status: "EXTERNAL_PROVIDER")])
        var restored = backup
        restored.users = BackupUsers([try backup.users.all()[0]])

        let (changes, summary) = try await Self.changes(backup, restored)

        #expect(changes.map(\.text) == ["= user Corp_77: not carried by a restore"])
        #expect(summary.identical && summary.firstSide.users == 1 && summary.firstSide.federatedUsers == 1)
    }

    @Test func thePoolsIdArnTagAndPrefixAreNotCarriedButACustomDomainIs() async throws {
        let backup = try Self.backup(config: ["UserPoolTags": ["team": "identity"]])
        var restored = backup
        var config = restored.poolConfig.object!
        config["Id"] = "eu-west-1_New"
        config["Arn"] = "arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_New"
        config["SmsConfigurationFailure"] = "SNS not configured"
        config["UserPoolTags"] = ["team": "identity", .init(stringLiteral: RestoreMapping.tagKey): "r-1"]
        restored.poolConfig = .object(config)
        restored.domain = ["Domain": "customers-restored", "Status": "ACTIVE", "ManagedLoginVersion": 2]

        let (changes, summary) = try await Self.changes(backup, restored)

        #expect(summary.identical)
        #expect(Set(changes.filter { $0.kind == .settings }.map(\.name))
            == ["Id", "Arn", "SmsConfigurationFailure", "UserPoolTags.\(RestoreMapping.tagKey)"])
        #expect(changes.first { $0.kind == .domain }?.fields.map(\.path) == ["Domain"])

        restored.customDomain = ["Domain": "auth.example.com"]
        restored.domain = nil
        let after = try await Self.changes(backup, restored).changes.filter { $0.kind == .domain }
        #expect(after.map(\.text) == ["- domain prefix", "+ domain custom"])
    }

    @Test func triggersAreNotCarriedAfterSkipTriggers() async throws {
        let backup = try Self.backup(config: ["LambdaConfig": ["PreSignUp": "arn:aws:lambda:eu-west-1:111122223333:function:check"]])
        var restored = backup
        var config = restored.poolConfig.object!
        config["LambdaConfig"] = [:]
        restored.poolConfig = .object(config)

        #expect(try await Self.changes(backup, restored).changes.map(\.action) == [.changed])
        #expect(try await Self.changes(backup, restored, triggers: false).changes.map(\.action) == [.notCarried])
    }

    @Test func clientsArePairedThroughTheMappingAndTheirIdsAndAcceptedSecretsCompared() async throws {
        let backup = try Self.backup()
        var restored = backup
        var web = backup.appClients[0].object!
        web["ClientId"] = "new-web"
        web["ClientName"] = "web-renamed"
        restored.appClients = [.object(web)]

        let changes = try await Self.changes(backup, restored, clients: ["5r2ktv9ha0example1": "new-web"]).changes

        let client = try #require(changes.first { $0.kind == .appClients })
        #expect(client.name == "web" && client.id == "new-web" && client.action == .changed)
        #expect(client.fields.map(\.path) == ["ClientName"] && client.notCarried.map(\.path) == ["ClientId"])
        // A secret Cognito accepts back is restored as it was: another one is a change.
        web["ClientName"] = "web"
        web["ClientSecret"] = "another0secret0that0cognito0accepts0too"
        restored.appClients = [.object(web)]
        #expect(try await Self.changes(backup, restored).changes.first { $0.kind == .appClients }?.fields.map(\.path) == ["ClientSecret"])
    }

    @Test func aStandardAttributeTheRestoreCannotDeclareAndAnAttributeItCannotRemoveAreNotCarried() async throws {
        let sub: JSON = ["Name": "sub", "AttributeDataType": "String", "Mutable": false, "Required": true]
        let extra: JSON = ["Name": "custom:since", "AttributeDataType": "String", "Mutable": true]
        let backup = try Self.backup(config: ["SchemaAttributes": [sub]])
        var restored = backup
        var config = restored.poolConfig.object!
        config["SchemaAttributes"] = [["Name": "sub", "AttributeDataType": "String", "Mutable": true, "Required": true], extra]
        restored.poolConfig = .object(config)

        let (changes, summary) = try await Self.changes(backup, restored)

        #expect(summary.identical)
        #expect(Set(changes.filter { $0.kind == .schema }.map(\.text)) == ["= schema attribute sub: not carried by a restore: Mutable: false -> true",
                                                                          "= schema attribute custom:since: not carried by a restore"])
    }
}
