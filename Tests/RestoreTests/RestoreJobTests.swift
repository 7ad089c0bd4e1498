@testable import Restore
import BackupTestSupport
import Backup
import JSON
import Support
import TestSupport
import Testing

struct RestoreJobTests {
    func restore(_ cognito: ScriptedCognito, backup bytes: [UInt8] = Recorded.backup(), target: RestoreOptions.Target = .newPool(name: nil),
                 passwords: PasswordHandling = .noInvitation, mappings: MemoryMappings = MemoryMappings(),
                 logo: LogoDownload = LogoDownload()) async throws -> RestoreJob.Result {
        let options = RestoreOptions(target: target, domainPrefix: "customers-restored", passwords: passwords, concurrency: 4)
        return try await RestoreJob(cognito: cognito, backup: try BackupContents(reading: bytes), options: options, mappings: mappings, logo: logo).run()
    }

    @Test func newPoolGetsStructureThenUsersThenMembershipsAndTriggersLast() async throws {
        let cognito = ScriptedCognito()
        let result = try await restore(cognito)
        #expect(result.succeeded)
        let writes = cognito.writes
        #expect(Array(writes.prefix(7)) == ["CreateUserPool", "CreateResourceServer", "CreateIdentityProvider",
                                            "CreateGroup", "CreateGroup", "CreateUserPoolClient", "CreateUserPoolDomain"])
        #expect(writes.filter { $0 == "AdminCreateUser" }.count == 2)
        #expect(writes.filter { $0 == "AdminAddUserToGroup" }.count == 3)
        // UpdateUserPool resets the MFA mode it is not given: it repeats the pool's mode of the
        // moment (a new pool's is OFF), and SetUserPoolMfaConfig then sets the backup's.
        #expect(Array(writes.suffix(2)) == ["UpdateUserPool", "SetUserPoolMfaConfig"])
        #expect(cognito.calls("UpdateUserPool").first?["MfaConfiguration"] == "OFF")
        #expect(cognito.calls("AdminDisableUser") == [["UserPoolId": "eu-west-1_NewP00l01", "Username": "bob"]])
        #expect(cognito.calls("CreateUserPoolDomain").first?["Domain"] == "customers-restored")
    }

    @Test func everyGroupAddComesAfterItsUserIsCreated() async throws {
        let cognito = ScriptedCognito()
        _ = try await restore(cognito)
        let calls = cognito.calls
        for (index, call) in calls.enumerated() where call.operation == "AdminAddUserToGroup" {
            let createdBefore = calls[..<index].contains { $0.operation == "AdminCreateUser" && $0.input["Username"] == call.input["Username"] }
            #expect(createdBefore, "\(call.input["Username"]!.serialized) added to a group before it was created")
        }
    }

    @Test func mappingRecordsOldAndNewSubAndClientIDs() async throws {
        let mappings = MemoryMappings()
        _ = try await restore(ScriptedCognito(), mappings: mappings)
        let mapping = try #require(mappings.current)
        #expect(mapping.complete && mapping.createdPool && mapping.targetPoolID == "eu-west-1_NewP00l01")
        #expect(try mapping.users.all() == [.init(oldUsername: "alice", newUsername: "alice", oldSub: "a-1", newSub: "new-sub-alice"),
                                  .init(oldUsername: "bob", newUsername: "bob", oldSub: "b-2", newSub: "new-sub-bob")])
        #expect(mapping.appClients == [.init(name: "web", oldID: "5r2ktv9ha0example1", newID: "new-web")])
        var written: [UInt8] = []
        try mapping.write { written += $0 }
        var pieces = [written]
        let reread = try RestoreMapping.read { () throws(BackupReadError) -> [UInt8]? in pieces.popLast() }
        #expect(reread.restoreID == mapping.restoreID && reread.targetPoolID == mapping.targetPoolID && reread.appClients == mapping.appClients)
        #expect(try reread.users.all() == mapping.users.all())
    }

    @Test func usersAndMembershipsAlreadyInTheTargetAreNotWrittenAgain() async throws {
        let cognito = ScriptedCognito { operation, input in
            switch operation {
            case "ListUsers": return ["Users": [Recorded.user("alice", sub: "new-a")]]
            case "ListGroups": return ["Groups": [["GroupName": "admins"], ["GroupName": "staff"]]]
            case "ListUsersInGroup": return ["Users": input["GroupName"] == "staff" ? [Recorded.user("alice", sub: "new-a")] : []]
            default: return nil
            }
        }
        let result = try await restore(cognito, target: .existingPool(id: "eu-west-1_Targ3tP00"))
        #expect(cognito.calls("AdminCreateUser").map { $0["Username"] } == ["bob"])
        #expect(Set(cognito.calls("AdminAddUserToGroup").map { "\($0["GroupName"]!.string!):\($0["Username"]!.string!)" }) == ["admins:alice", "staff:bob"])
        #expect(cognito.calls("CreateGroup").isEmpty)
        #expect(result.report.counts("users") == .init(created: 1, skipped: 1))
        #expect(try result.mapping.users.all().first { $0.oldUsername == "alice" }?.newSub == "new-a")
    }

    @Test func federatedOnlyUserIsReportedNotCreated() async throws {
        let federated = Recorded.user("Corp_8f3a", sub: "f-5", status: "EXTERNAL_PROVIDER")
        let cognito = ScriptedCognito()
        let result = try await restore(cognito, backup: Recorded.backup(users: [Recorded.user("alice", sub: "a-1"), federated],
                                                                        memberships: [("staff", ["alice", "Corp_8f3a"])]))
        #expect(cognito.calls("AdminCreateUser").map { $0["Username"] } == ["alice"])
        #expect(try result.mapping.users.all(federated: true) == [.init(oldUsername: "Corp_8f3a", newUsername: nil, oldSub: "f-5", newSub: nil)])
        #expect(result.report.failures.contains { $0.contains("Corp_8f3a in group staff") })
        #expect(result.report.warnings.contains { $0.contains("1 users signed in only through an external identity provider") })
    }

    @Test func linkedIdentityIsLinkedWhenItsProviderExists() async throws {
        let identities = #"[{"userId":"corp-77","providerName":"Corp","providerType":"SAML","issuer":null,"primary":false,"dateCreated":1700000000000}]"#
        let cognito = ScriptedCognito { operation, _ in
            operation == "ListIdentityProviders" ? ["Providers": [["ProviderName": "Corp", "ProviderType": "SAML"]]] : nil
        }
        _ = try await restore(cognito, backup: Recorded.backup(users: [Recorded.user("alice", sub: "a-1", extra: [("identities", identities)])],
                                                               memberships: []))
        #expect(cognito.calls("AdminLinkProviderForUser") == [[
            "UserPoolId": "eu-west-1_NewP00l01",
            "DestinationUser": ["ProviderName": "Cognito", "ProviderAttributeValue": "alice"],
            "SourceUser": ["ProviderName": "Corp", "ProviderAttributeName": "Cognito_Subject", "ProviderAttributeValue": "corp-77"],
        ]])
    }

    @Test func emailSignInPoolCreatesUsersByEmailAndAddsThemToGroupsUnderTheirNewUsername() async throws {
        var config = Recorded.sourcePool.object!
        config["UsernameAttributes"] = ["email"]
        let bytes = Recorded.backup(users: [Recorded.user("0f1e2d3c-aaaa-bbbb-cccc-000000000001", sub: "0f1e2d3c-aaaa-bbbb-cccc-000000000001")],
                                    memberships: [("admins", ["0f1e2d3c-aaaa-bbbb-cccc-000000000001"])],
                                    extra: [("user_pool_config", .object(config))])
        let cognito = ScriptedCognito { operation, input in
            guard operation == "AdminCreateUser" else { return nil }
            var created = Recorded.adminCreateUser(input).object!
            created["User"] = .object({ var user = created["User"]!.object!; user["Username"] = "9d8c7b6a-new"; return user }())
            return .object(created)
        }
        let result = try await restore(cognito, backup: bytes)
        #expect(cognito.calls("AdminCreateUser").first?["Username"] == "0f1e2d3c-aaaa-bbbb-cccc-000000000001@example.com")
        #expect(cognito.calls("AdminAddUserToGroup").first?["Username"] == "9d8c7b6a-new")
        #expect(try result.mapping.users.all().first?.newUsername == "9d8c7b6a-new")
    }

    @Test func userCognitoRefusesIsCountedAndTheOthersAreRestored() async throws {
        let cognito = ScriptedCognito { operation, input in
            if operation == "AdminCreateUser", input["Username"] == "bob" { throw ScriptedCognito.error("InvalidParameterException") }
            return nil
        }
        let result = try await restore(cognito)
        #expect(!result.succeeded)
        #expect(result.report.counts("users") == .init(created: 1, failed: 1))
        #expect(result.report.failures.contains { $0.contains("create user bob") && $0.contains("InvalidParameterException") })
        #expect(cognito.calls("AdminAddUserToGroup").allSatisfy { $0["Username"] == "alice" })
        #expect(result.mapping.complete == false)
    }

    @Test func accessDeniedStopsTheRestoreNamingTheStepAndPool() async throws {
        let cognito = ScriptedCognito { operation, _ in
            if operation == "AdminCreateUser" { throw ScriptedCognito.error("AccessDeniedException", 403) }
            return nil
        }
        let failure = await #expect(throws: RestoreFailure.self) { try await restore(cognito) }
        #expect(failure?.awsError?.code == "AccessDeniedException")
        #expect(failure?.poolID == "eu-west-1_NewP00l01")
        #expect(failure?.description.contains("create user") == true)
    }

    @Test func targetMissingACustomAttributeIsRefusedBeforeAnyWrite() async throws {
        let cognito = ScriptedCognito { operation, _ in
            guard operation == "DescribeUserPool" else { return nil }
            var pool = Recorded.targetPool.object!
            pool["SchemaAttributes"] = .array((pool["SchemaAttributes"]?.array ?? []).filter { $0["Name"] != "custom:tenant" })
            return ["UserPool": .object(pool)]
        }
        let error = await #expect(throws: IncompatibleTargetError.self) {
            try await restore(cognito, target: .existingPool(id: "eu-west-1_Targ3tP00"))
        }
        #expect(error?.problems.first?.contains("custom:tenant (String) is missing") == true)
        #expect(cognito.writes.isEmpty)
    }

    @Test func secondRunRestoresIntoThePoolTheFirstCreated() async throws {
        let journal = RestoreMapping(sourcePoolID: "eu-west-1_Rec0rded1", backupTimestamp: "2024-11-18T10:15:05.379Z", restoreID: "r-1",
                                     targetPoolID: "eu-west-1_Earl1er01", createdPool: true)
        let cognito = ScriptedCognito()
        let result = try await restore(cognito, mappings: MemoryMappings(journal))
        #expect(!cognito.operations.contains("CreateUserPool"))
        #expect(result.resumed && result.mapping.targetPoolID == "eu-west-1_Earl1er01")
        #expect(cognito.calls("AdminCreateUser").allSatisfy { $0["UserPoolId"] == "eu-west-1_Earl1er01" })
    }

    @Test func journalOfAnotherBackupIsNeverOverwritten() async throws {
        let other = RestoreMapping(sourcePoolID: "eu-west-1_Other", backupTimestamp: "2024-01-01T00:00:00.000Z", restoreID: "r-0",
                                   targetPoolID: "eu-west-1_Else", createdPool: true)
        let mappings = MemoryMappings(other)
        let cognito = ScriptedCognito()
        await #expect(throws: MappingFileError.self) { try await restore(cognito, mappings: mappings) }
        #expect(mappings.current?.restoreID == "r-0" && mappings.current?.targetPoolID == "eu-west-1_Else")
        #expect(cognito.writes.isEmpty)
    }

    @Test func forgotPasswordModeConfirmsOnlyUsersWhoHadAPassword() async throws {
        let cognito = ScriptedCognito()
        let users = [Recorded.user("alice", sub: "a-1"), Recorded.user("dan", sub: "d-4", status: "FORCE_CHANGE_PASSWORD")]
        _ = try await restore(cognito, backup: Recorded.backup(users: users, memberships: []), passwords: .forgotPassword)
        let calls = cognito.calls("AdminSetUserPassword")
        #expect(calls.map { $0["Username"] } == ["alice"])
        #expect(calls.first?["Permanent"] == true)
    }

    @Test func smsAndEmailMFAPreferencesAreSetAgainAndAuthenticatorUsersCounted() async throws {
        func user(_ name: String, _ settings: [JSON], preferred: String) -> JSON {
            var user = Recorded.user(name, sub: "\(name)-1").object!
            user["UserMFASettingList"] = .array(settings)
            user["PreferredMfaSetting"] = .string(preferred)
            return .object(user)
        }
        let cognito = ScriptedCognito()

        let result = try await restore(cognito, backup: Recorded.backup(users: [
            user("alice", ["EMAIL_OTP", "SMS_MFA"], preferred: "EMAIL_OTP"), user("bob", ["SOFTWARE_TOKEN_MFA"], preferred: "SOFTWARE_TOKEN_MFA"),
            Recorded.user("carol", sub: "c-1"),
        ], memberships: []))

        #expect(cognito.calls("AdminSetUserMFAPreference") == [[
            "UserPoolId": "eu-west-1_NewP00l01", "Username": "alice",
            "SMSMfaSettings": ["Enabled": true, "PreferredMfa": false], "EmailMfaSettings": ["Enabled": true, "PreferredMfa": true],
        ]])
        #expect(result.report.counts("mfa_preferences") == .init(applied: 1))
        #expect(result.report.warnings.contains { $0.hasPrefix("1 users used an authenticator app (TOTP)") })
    }

    @Test func withoutADomainPrefixTheBackupsPrefixIsRestored() async throws {
        let cognito = ScriptedCognito()
        let options = RestoreOptions(target: .newPool(name: "p"), concurrency: 2)
        let result = try await RestoreJob(cognito: cognito, backup: try BackupContents(reading: Recorded.backup()), options: options,
                                          mappings: MemoryMappings()).run()
        #expect(cognito.calls("CreateUserPoolDomain").map { $0["Domain"] } == ["customers-auth"])
        #expect(result.succeeded)
    }

    @Test func backupsPrefixStillTakenIsAWarningNamingTheOption() async throws {
        let cognito = ScriptedCognito { operation, _ in
            guard operation == "CreateUserPoolDomain" else { return nil }
            throw ScriptedCognito.error("InvalidParameterException")
        }
        let options = RestoreOptions(target: .newPool(name: "p"), concurrency: 2)
        let result = try await RestoreJob(cognito: cognito, backup: try BackupContents(reading: Recorded.backup()), options: options,
                                          mappings: MemoryMappings()).run()
        #expect(result.succeeded)
        #expect(result.report.warnings.contains { $0.contains("domain prefix customers-auth not restored") && $0.contains("--domain-prefix") })
    }

    // MARK: UI customization, managed login branding, terms

    /// GetUICustomization's answer for a pool with CSS and a logo, the logo at `imageURL`.
    static func uiCustomization(imageURL: String) -> (String, JSON) {
        ("ui_customization", ["pool": ["UserPoolId": "eu-west-1_Rec0rded1", "ClientId": "ALL", "ImageUrl": .string(imageURL),
                                       "CSS": ".banner-customizable { background: #123456; }", "CSSVersion": "20241118101505",
                                       "LastModifiedDate": .number("1.731927305E9"), "CreationDate": .number("1.7E9")],
                              "clients": [:]])
    }

    @Test func logoIsDownloadedAndSetAsBase64WithTheCSS() async throws {
        let server = try ScriptedServer([.respond(status: 200, headers: [("Content-Type", "image/png")], body: LogoDownloadTests.png)])
        defer { server.stop() }
        let cognito = ScriptedCognito()

        let result = try await restore(cognito, backup: Recorded.backup(extra: [Self.uiCustomization(imageURL: server.baseURL + "/logo.png")]),
                                       logo: LogoDownload(schemes: ["http"]))

        #expect(cognito.calls("SetUICustomization") == [[
            "UserPoolId": "eu-west-1_NewP00l01", "CSS": ".banner-customizable { background: #123456; }",
            "ImageFile": .string(Base64.encode(LogoDownloadTests.png)),
        ]])
        #expect(!result.report.warnings.contains { $0.contains("logo") })
    }

    @Test func logoThatCannotBeDownloadedIsLeftOutWithAWarningNamingItsURL() async throws {
        let server = try ScriptedServer([.respond(404, headers: [("Content-Type", "application/xml")], body: "<Error><Code>NoSuchKey</Code></Error>")])
        defer { server.stop() }
        let url = server.baseURL + "/eu-west-1_Rec0rded1/ALL/20241118101505/assets/images/image.jpg"
        let cognito = ScriptedCognito()

        let result = try await restore(cognito, backup: Recorded.backup(extra: [Self.uiCustomization(imageURL: url)]),
                                       logo: LogoDownload(schemes: ["http"]))

        #expect(result.succeeded)
        #expect(cognito.calls("SetUICustomization") == [["UserPoolId": "eu-west-1_NewP00l01", "CSS": ".banner-customizable { background: #123456; }"]])
        #expect(result.report.warnings.contains { $0.hasPrefix("UI customization logo of the pool not restored") && $0.contains(url) && $0.contains("HTTP 404") })
    }

    @Test func logoTheBackupKeptIsSetWithoutDownloadingItsURL() async throws {
        let server = try ScriptedServer([])
        defer { server.stop() }
        let kept = Base64.encode(LogoDownloadTests.png)
        let cognito = ScriptedCognito()

        let result = try await restore(cognito, backup: Recorded.backup(extra: [
            Self.uiCustomization(imageURL: server.baseURL + "/logo.png"),
            ("ui_logos", ["pool": ["url": .string(server.baseURL + "/logo.png"), "content_type": "image/png", "base64": .string(kept)]]),
        ]), logo: LogoDownload(schemes: ["http"]))

        #expect(cognito.calls("SetUICustomization").first?["ImageFile"] == .string(kept))
        #expect(server.requests.isEmpty)
        #expect(!result.report.warnings.contains { $0.contains("logo") })
    }

    @Test func brandingIsCreatedOnTheClientThatReplacedItsOwn() async throws {
        let cognito = ScriptedCognito()

        let result = try await restore(cognito, backup: Recorded.backup(extra: [("managed_login_branding", ["5r2ktv9ha0example1": Recorded.branding])]))

        #expect(cognito.calls("DescribeManagedLoginBrandingByClient") == [["UserPoolId": "eu-west-1_NewP00l01", "ClientId": "new-web"]])
        #expect(cognito.calls("CreateManagedLoginBranding") == [[
            "UserPoolId": "eu-west-1_NewP00l01", "ClientId": "new-web",
            "Settings": Recorded.branding["Settings"]!, "Assets": Recorded.branding["Assets"]!,
        ]])
        #expect(result.report.counts("managed_login_branding") == .init(created: 1))
    }

    @Test func clientThatAlreadyHasABrandingStyleKeepsIt() async throws {
        let cognito = ScriptedCognito { operation, _ in
            operation == "DescribeManagedLoginBrandingByClient" ? ["ManagedLoginBranding": Recorded.branding] : nil
        }

        let result = try await restore(cognito, backup: Recorded.backup(extra: [("managed_login_branding", ["5r2ktv9ha0example1": Recorded.branding])]))

        #expect(cognito.calls("CreateManagedLoginBranding").isEmpty)
        #expect(result.report.counts("managed_login_branding") == .init(skipped: 1))
    }

    @Test func termsAreCreatedOnTheClientThatReplacedTheirs() async throws {
        let cognito = ScriptedCognito()

        let result = try await restore(cognito, backup: Recorded.backup(extra: [("terms", [Recorded.terms("terms-of-use"), Recorded.terms("privacy-policy")])]))

        #expect(cognito.calls("CreateTerms") == ["terms-of-use", "privacy-policy"].map { name in [
            "UserPoolId": "eu-west-1_NewP00l01", "ClientId": "new-web", "TermsName": .string(name), "TermsSource": "LINK",
            "Enforcement": "NONE", "Links": Recorded.terms(name)["Links"]!,
        ] })
        #expect(result.report.counts("terms") == .init(created: 2))
    }

    @Test func termsTheClientAlreadyHasAreNotCreatedAgain() async throws {
        // The target's web client has terms of use; its other client has a privacy policy.
        let existing = ["1a2b3c4d-0000-4000-8000-000000000001": Recorded.terms("terms-of-use", clientID: "4pq2web"),
                        "1a2b3c4d-0000-4000-8000-000000000002": Recorded.terms("privacy-policy", clientID: "7xy9admin")]
        let cognito = ScriptedCognito { operation, input in
            switch operation {
            case "ListUserPoolClients":
                return ["UserPoolClients": [["ClientName": "web", "ClientId": "4pq2web"], ["ClientName": "admin", "ClientId": "7xy9admin"]]]
            case "ListTerms":
                return ["Terms": .array(existing.keys.sorted().map { id in
                    ["TermsId": .string(id), "TermsName": existing[id]!["TermsName"]!, "Enforcement": "NONE",
                     "CreationDate": .number("1.7E9"), "LastModifiedDate": .number("1.7E9")]
                })]
            case "DescribeTerms": return ["Terms": existing[input["TermsId"]?.string ?? ""]!]
            default: return nil
            }
        }

        let result = try await restore(cognito, backup: Recorded.backup(extra: [("terms", [Recorded.terms("terms-of-use"), Recorded.terms("privacy-policy")])]),
                                       target: .existingPool(id: "eu-west-1_Targ3tP00"))

        #expect(cognito.calls("CreateTerms").map { "\($0["ClientId"]!.string!) \($0["TermsName"]!.string!)" } == ["4pq2web privacy-policy"])
        #expect(result.report.counts("terms") == .init(created: 1, skipped: 1))
    }
}
