@testable import Backup
@testable import Restore
import BackupTestSupport
import JSON
import Testing

/// `--only` and the named items: how a command line becomes one selection, what it lets a
/// restore write, and what of a backup it keeps.
struct RestoreSelectionTests {
    let backup = BackupContents(
        formatVersion: 3, timestamp: "2026-12-07T10:00:00Z", sourcePoolID: "eu-west-1_S0urce", poolConfig: ["Name": "shop"],
        appClients: [["ClientName": "web", "ClientId": "c-web"], ["ClientName": "backend", "ClientId": "c-back"]],
        identityProviders: [["ProviderName": "Corp"], ["ProviderName": "Partner"]],
        resourceServers: [["Identifier": "api"]], domain: ["Domain": "shop-auth"],
        uiCustomization: .init(pool: ["CSS": "pool"], clients: [("c-web", ["ClientId": "c-web", "CSS": "web"])]),
        uiLogos: ["pool": "cG9vbA==", "c-web": "d2Vi"],
        riskConfiguration: .init(pool: ["ClientId": "ALL"], clients: [("c-back", ["ClientId": "c-back"])]),
        logDelivery: ["LogConfigurations": []],
        managedLoginBranding: [("c-web", ["UseCognitoProvidedValues": true])], terms: [["ClientId": "c-back", "TermsName": "terms-of-use"]],
        groups: [["GroupName": "admins"], ["GroupName": "viewers"], ["GroupName": "editors"]],
        users: ["ann", "bob", "cat"].map { PoolUser(username: $0, attributes: []) },
        memberships: [("admins", ["ann"]), ("viewers", ["ann", "bob"]), ("editors", ["bob", "cat"])])

    func names(_ items: [JSON], _ key: String) -> [String] { items.compactMap { $0[key]?.string } }

    func memberships(_ contents: BackupContents) throws -> [String] {
        try contents.memberships.all().flatMap { entry in entry.usernames.map { "\($0) in \(entry.group)" } }
    }

    @Test func onlyTakesCommaSeparatedAndRepeatedKinds() throws {
        let selection = try RestoreSelection.combining(only: ["clients,settings", "resource-servers"], items: .init())
        #expect(selection == .only([.clients, .settings, .resourceServers]))
        #expect(selection.includes(.clients) && selection.includes(.resourceServers) && !selection.includes(.users))
        #expect(selection.mappingName == "only-clients-resource-servers-settings")
    }

    @Test func anUnknownKindIsNamedWithTheValidOnes() {
        #expect(throws: RestoreSelectionUsageError.unknownKind("client")) {
            try RestoreSelection.combining(only: ["users,client"], items: .init())
        }
        #expect(RestoreSelectionUsageError.unknownKind("x").description.hasSuffix(
            "users, memberships, groups, clients, providers, resource-servers, settings, ui, risk, domain, logs, branding"))
    }

    @Test func kindsAndNamedItemsDoNotMix() {
        #expect(throws: RestoreSelectionUsageError.kindsWithNames) {
            try RestoreSelection.combining(only: ["clients"], items: .init(groups: ["admins"]))
        }
    }

    @Test func nothingChosenIsTheWholeBackup() throws {
        let selection = try RestoreSelection.combining(only: [], items: .init())
        #expect(selection.isWhole && selection.mappingName == nil && selection.part(ofUser: "ann") == .whole)
        #expect(RestoreSelection.Kind.allCases.allSatisfy { selection.includes($0) && selection.coversAll($0) })
    }

    @Test func namedItemsAddUpAndCoverNoKindWhole() throws {
        let selection = try RestoreSelection.combining(only: [], items: .init(users: ["ann"], groups: ["editors"], clients: ["web"]))
        #expect(selection.mappingName == "users-groups-clients")
        #expect(selection.includesGroup("editors") && !selection.includesGroup("admins"))
        #expect(selection.includesClient("web") && !selection.includesClient("backend") && !selection.includesProvider("Corp"))
        #expect(selection.includes(.ui) && !selection.includes(.settings) && !selection.includes(.domain))
        #expect(RestoreSelection.Kind.allCases.allSatisfy { !selection.coversAll($0) })
        #expect(selection.part(ofUser: "ann") == .whole && selection.part(ofUser: "cat") == .ifMissing)
    }

    @Test func onlyMembershipsNeverCreatesAUser() {
        #expect(RestoreSelection.only([.memberships]).part(ofUser: "ann") == .membershipsOnly)
        #expect(RestoreSelection.only([.memberships, .users]).part(ofUser: "ann") == .whole)
        #expect(RestoreSelection.only([.groups]).includesGroup("anything") && !RestoreSelection.only([.groups]).includesClient("web"))
    }

    @Test func aNamedGroupKeepsItsMembersAndOnlyTheirMembershipInIt() throws {
        let kept = try backup.selected(by: .named(.init(groups: ["viewers"])))
        #expect(try kept.users.all().map(\.username) == ["ann", "bob"])
        #expect(try memberships(kept) == ["ann in viewers", "bob in viewers"])
        #expect(names(kept.groups, "GroupName") == ["viewers"])
        #expect(kept.appClients.isEmpty && kept.identityProviders.isEmpty && kept.resourceServers.isEmpty && kept.domain == nil)
        #expect(kept.uiCustomization.pool == nil && kept.riskConfiguration.pool == nil && kept.logDelivery == nil && kept.uiLogos.isEmpty)
    }

    @Test func aNamedUserKeepsAllHerGroups() throws {
        let kept = try backup.selected(by: .named(.init(users: ["bob"])))
        #expect(try memberships(kept) == ["bob in viewers", "bob in editors"])
        #expect(names(kept.groups, "GroupName") == ["viewers", "editors"])
    }

    @Test func aNamedClientKeepsItsOwnPartsAndNotThePools() throws {
        let web = try backup.selected(by: .named(.init(clients: ["web"])))
        #expect(names(web.appClients, "ClientName") == ["web"] && web.users.count == 0 && web.groups.isEmpty)
        #expect(web.uiCustomization.pool == nil && web.uiCustomization.clients.map(\.clientID) == ["c-web"] && web.uiLogos == ["c-web": "d2Vi"])
        #expect(web.riskConfiguration.clients.isEmpty && web.managedLoginBranding.map(\.clientID) == ["c-web"] && web.terms.isEmpty)
        let backend = try backup.selected(by: .named(.init(clients: ["backend"])))
        #expect(backend.riskConfiguration.clients.map(\.clientID) == ["c-back"] && backend.terms.count == 1)
    }

    @Test func onlyKindsKeepThoseAndMatchClientsForTheirParts() throws {
        let clients = try backup.selected(by: .only([.clients]))
        #expect(clients.appClients.count == 2 && clients.users.count == 0 && clients.groups.isEmpty && clients.uiCustomization.pool == nil)
        #expect(clients.identityProviders.isEmpty && clients.domain == nil && clients.managedLoginBranding.isEmpty)
        let ui = try backup.selected(by: .only([.ui]))
        #expect(ui.appClients.count == 2 && ui.uiCustomization.pool != nil && ui.riskConfiguration.pool == nil)
        let members = try backup.selected(by: .only([.memberships]))
        #expect(members.users.count == 3 && members.groups.isEmpty && members.memberships.count == 5)
        let users = try backup.selected(by: .only([.users]))
        #expect(users.users.count == 3 && users.memberships.count == 0)
    }

    @Test func aNameTheBackupLacksIsRefusedWithTheCloseOnes() throws {
        #expect(throws: RestoreSelectionError(kind: "group", missing: ["veiwers"], close: [(2, "viewers")])) {
            try backup.selected(by: .named(.init(groups: ["veiwers", "admins"])))
        }
        let noClient = #expect(throws: RestoreSelectionError.self) { try backup.selected(by: .named(.init(clients: ["mobile"]))) }
        #expect(noClient?.description == "the backup has no app client mobile (it has: backend, web)")
        let noUser = #expect(throws: RestoreSelectionError.self) { try backup.selected(by: .named(.init(users: ["an", "zed"]))) }
        #expect(noUser?.description == "the backup has no user an, zed (close: ann)")
    }

    @Test func aLongListIsCapped() {
        let error = RestoreSelectionError(kind: "group", missing: ["x"], all: (1...25).map { "group-\($0)" })
        #expect(error.suggestions.count == RestoreSelectionError.listed && error.more == 15 && error.description.hasSuffix(", and 15 more)"))
    }

    @Test func closenessIsContainmentOrAFewEdits() {
        #expect(RestoreSelectionError.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(RestoreSelectionError.closeness(of: "Partner", to: ["partner"]) == 0)
        #expect(RestoreSelectionError.closeness(of: "viewers", to: ["veiwers"]) == 2)
        #expect(RestoreSelectionError.closeness(of: "web", to: ["nope"]) == nil)
    }

    @Test func aSelectionKeepsItsOwnMappingFileAndS3Copy() {
        let s3 = BackupSource.s3(bucket: "b", key: "cognito-backup/2026/12/07/eu-west-1_S0urce-100000.json.gz")
        let clients = RestoreSelection.only([.clients])
        #expect(s3.defaultMappingPath() == "eu-west-1_S0urce-100000.restore-mapping.json")
        #expect(s3.defaultMappingPath(for: clients) == "eu-west-1_S0urce-100000.only-clients-restore-mapping.json")
        #expect(BackupSource.file(path: "/tmp/backup.json").defaultMappingPath(for: .named(.init(users: ["ann"])))
            == "/tmp/backup.users-restore-mapping.json")
        #expect(s3.mappingKey(targetPoolID: "eu-west-1_T") == "cognito-backup/2026/12/07/eu-west-1_S0urce-100000.restore-eu-west-1_T.json")
        #expect(s3.mappingKey(targetPoolID: "eu-west-1_T", selection: clients)
            == "cognito-backup/2026/12/07/eu-west-1_S0urce-100000.only-clients-restore-eu-west-1_T.json")
    }
}
