@testable import Backup
import BackupTestSupport
import JSON
@testable import Restore
import Compare
import Testing

struct PoolVerifierTests {
    /// The backup as the restored pool shows it: new subs, client ids and dates.
    func restoredPool(_ backup: BackupContents) -> BackupContents {
        var pool = backup
        pool.users = BackupUsers(try! backup.users.all().map { user in
            PoolUser(username: user.username, attributes: user.attributes.map { $0.name == "sub" ? .init("sub", "new-" + $0.value) : $0 },
                     enabled: user.enabled, status: "FORCE_CHANGE_PASSWORD")
        })
        pool.appClients = backup.appClients.map { client in
            var changed = client.object!
            changed["ClientId"] = "new-id"
            changed["CreationDate"] = .number("1.8E9")
            return .object(changed)
        }
        var config = backup.poolConfig.object!
        config["Id"] = "eu-west-1_New"
        config["CreationDate"] = .number("1.8E9")
        pool.poolConfig = .object(config)
        pool.domain = ["Domain": "customers-restored"]
        pool.managedLoginBranding = backup.managedLoginBranding.map { ("new-id", $0.value) }
        pool.terms = backup.terms.map { terms in
            var changed = terms.object!
            changed["ClientId"] = "new-id"
            changed["TermsId"] = "7e8f9a0b-1c2d-4e3f-8a4b-5c6d7e8f9a0b"
            return .object(changed)
        }
        return pool
    }

    /// A backup whose web client has a branding style and both terms documents.
    func managedLoginBackup() throws -> BackupContents {
        try BackupContents(reading: Recorded.backup(extra: [("managed_login_branding", ["5r2ktv9ha0example1": Recorded.branding]),
                                                    ("terms", [Recorded.terms("terms-of-use"), Recorded.terms("privacy-policy")])]))
    }

    func check(_ name: String, _ backup: BackupContents, _ pool: BackupContents) async throws -> VerifyCheck {
        try #require(try await PoolVerifier(backup: backup, pool: .backup(pool)).checks().first { $0.name == name })
    }

    static let identities = #"[{"userId":"corp-77","providerName":"Corp","providerType":"SAML","issuer":null,"primary":false,"dateCreated":1700000000000},"#
        + #"{"userId":"g-1","providerName":"Gone","providerType":"OIDC","issuer":null,"primary":false,"dateCreated":1700000000000}]"#

    func withIdentities(_ identities: String?, _ user: PoolUser) -> PoolUser {
        var attributes = user.attributes.filter { $0.name != "identities" }
        if let identities { attributes.append(.init("identities", identities)) }
        return PoolUser(username: user.username, attributes: attributes, enabled: user.enabled, status: user.status)
    }

    @Test func restoredPoolPassesEveryCheckDespiteNewSubsIdsAndDates() async throws {
        let backup = try BackupContents(reading: Recorded.backup())
        let checks = try await PoolVerifier(backup: backup, pool: .backup(restoredPool(backup))).checks()
        #expect(checks.filter { !$0.passed }.map(\.name) == [])
        #expect(checks.count > 12)
    }

    @Test func changedAttributeIsNamedWithBothValues() async throws {
        let backup = try BackupContents(reading: Recorded.backup())
        var pool = restoredPool(backup)
        var users = try pool.users.all()
        users[0] = PoolUser(username: "alice", attributes: users[0].attributes.map { $0.name == "email" ? .init("email", "x@y") : $0 })
        pool.users = BackupUsers(users)
        let check = try await PoolVerifier(backup: backup, pool: .backup(pool)).checks().first { $0.name == "user attributes and enabled state" }
        #expect(check?.differences == ["alice: email is 'alice@example.com' in the backup, 'x@y' in the pool"])
    }

    @Test func missingMembershipAndDisabledUserEnabledAreDifferences() async throws {
        let backup = try BackupContents(reading: Recorded.backup())
        var pool = restoredPool(backup)
        var users = try pool.users.all()
        users[1] = PoolUser(username: "bob", attributes: users[1].attributes, enabled: true)
        pool.users = BackupUsers(users)
        pool.memberships = BackupMemberships([("admins", ["alice"]), ("staff", ["alice"])])
        let checks = try await PoolVerifier(backup: backup, pool: .backup(pool)).checks()
        #expect(checks.first { $0.name == "group memberships" }?.differences == ["staff: bob missing"])
        #expect(checks.first { $0.name == "user attributes and enabled state" }?.differences == ["bob: enabled false in the backup, true in the pool"])
    }

    @Test func changedClientSettingIsNamedByClientAndPath() async throws {
        let backup = try BackupContents(reading: Recorded.backup())
        var pool = restoredPool(backup)
        var client = pool.appClients[0].object!
        client["RefreshTokenValidity"] = 5
        pool.appClients = [.object(client)]
        let check = try await PoolVerifier(backup: backup, pool: .backup(pool)).checks().first { $0.name == "app clients" }
        #expect(check?.differences == ["web.RefreshTokenValidity: backup 30, pool 5"])
    }

    @Test func triggersAreNotExpectedAfterSkipTriggers() async throws {
        let backup = try BackupContents(reading: Recorded.backup())
        var pool = restoredPool(backup)
        var config = pool.poolConfig.object!
        config["LambdaConfig"] = [:]
        pool.poolConfig = .object(config)
        #expect(try await PoolVerifier(backup: backup, pool: .backup(pool)).checks().contains { $0.name == "Lambda triggers" && !$0.passed })
        #expect(try await PoolVerifier(backup: backup, pool: .backup(pool), expectTriggers: false).checks().allSatisfy { $0.passed })
    }

    @Test func manyDifferencesAreSummedUpAfterTheFirstFive() async throws {
        let backup = BackupContents(formatVersion: 2, timestamp: "", sourcePoolID: "p", poolConfig: [:],
                            users: (0..<9).map { PoolUser(username: "u\($0)", attributes: []) })
        let pool = BackupContents(formatVersion: 2, timestamp: "", sourcePoolID: "q", poolConfig: [:])
        let check = try await PoolVerifier(backup: backup, pool: .backup(pool)).checks().first { $0.name == "users" }
        #expect(check?.differences.count == 6)
        #expect(check?.differences.last == "… and 4 more")
    }

    @Test func restoredBrandingAndTermsPassWhateverOrderCognitoListsAssetsIn() async throws {
        let backup = try managedLoginBackup()
        var pool = restoredPool(backup)
        var branding = pool.managedLoginBranding[0].value.object!
        branding["Assets"] = .array(branding["Assets"]!.array!.reversed())
        branding["ManagedLoginBrandingId"] = "0a9b8c7d-6e5f-4a3b-8c1d-0e9f8a7b6c5d"
        pool.managedLoginBranding = [("new-id", .object(branding))]

        #expect(try await check("managed login branding", backup, pool).passed)
        #expect(try await check("terms", backup, pool).passed)
    }

    @Test func changedBrandingSettingIsNamedByClientAndPath() async throws {
        let backup = try managedLoginBackup()
        var pool = restoredPool(backup)
        let changed = try JSON(parsing: Recorded.branding.serialized.replacingFirst("0972d3ff", with: "ff0000ff"))
        pool.managedLoginBranding = [("new-id", changed)]

        #expect(try await check("managed login branding", backup, pool).differences
            == [#"app client web.Settings.components.primaryButton.lightMode.defaults.backgroundColor: backup "0972d3ff", pool "ff0000ff""#])
    }

    @Test func clientWithoutItsBrandingStyleIsADifference() async throws {
        let backup = try managedLoginBackup()
        var pool = restoredPool(backup)
        pool.managedLoginBranding = []

        #expect(try await check("managed login branding", backup, pool).differences == ["app client web: missing"])
    }

    @Test func termsAreMatchedByClientNameAndTermsName() async throws {
        let backup = try managedLoginBackup()
        var pool = restoredPool(backup)
        pool.terms = [Recorded.terms("terms-of-use", clientID: "new-id", link: "https://example.org/legal")]

        #expect(try await check("terms", backup, pool).differences == [
            "app client web privacy-policy: missing",
            #"app client web terms-of-use.Links.cognito:default: backup "https://example.com/legal/terms-of-use", pool "https://example.org/legal/terms-of-use""#,
            #"app client web terms-of-use.Links.cognito:french: backup "https://example.com/legal/fr/terms-of-use", pool "https://example.org/legal/fr/terms-of-use""#,
        ])
    }

    @Test func linkedIdentityMissingFromTheUserIsADifference() async throws {
        let backup = try BackupContents(reading: Recorded.backup(users: [Recorded.user("alice", sub: "a-1", extra: [("identities", Self.identities)])],
                                                         memberships: []))
        var pool = restoredPool(backup)
        pool.users = BackupUsers([withIdentities(nil, try pool.users.all()[0])])

        let check = try await check("linked identities", backup, pool)
        #expect(check.differences == ["alice: Corp identity corp-77 missing"])
    }

    @Test func identityOfAProviderThePoolLacksIsCountedNotCompared() async throws {
        let backup = try BackupContents(reading: Recorded.backup(users: [Recorded.user("alice", sub: "a-1", extra: [("identities", Self.identities)])],
                                                         memberships: []))
        var pool = restoredPool(backup)
        let relinked = #"[{"userId":"corp-77","providerName":"Corp","providerType":"SAML","issuer":null,"primary":false,"dateCreated":1731927305379}]"#
        pool.users = BackupUsers([withIdentities(relinked, try pool.users.all()[0])])

        let check = try await check("linked identities", backup, pool)
        #expect(check.passed)
        #expect(check.detail == "1 linked identities (and 1 to providers the pool does not have)")
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        var replaced = self
        if let range = firstRange(of: target) { replaced.replaceSubrange(range, with: replacement) }
        return replaced
    }
}
