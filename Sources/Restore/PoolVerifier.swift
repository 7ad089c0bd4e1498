import Backup
import JSON

/// The original design's validation checklist, automated: a backup against a snapshot of the
/// pool it was restored into. Ids, dates and `sub`s legitimately differ, so users are matched by
/// `UserMatching` and app clients by name, as the restore matched them.
public struct PoolVerifier: Sendable {
    public let backup: BackupContents
    public let pool: BackupContents
    /// False after a restore with `--skip-triggers`.
    public let expectTriggers: Bool

    /// How many differences each check lists before summing up the rest.
    static let shown = 5

    /// Both sides' users and memberships, in memory: each is looked up on the other side.
    private let backupUsers: [PoolUser]
    private let poolUsers: [PoolUser]
    private let backupMemberships: [(group: String, usernames: [String])]
    private let poolMemberships: [(group: String, usernames: [String])]

    /// Reads the backup's users and memberships (see `BackupUsers.all`).
    public init(backup: BackupContents, pool: BackupContents, expectTriggers: Bool = true) throws(BackupReadError) {
        self.backup = backup
        self.pool = pool
        self.expectTriggers = expectTriggers
        backupUsers = try backup.users.all()
        poolUsers = try pool.users.all()
        backupMemberships = try backup.memberships.all()
        poolMemberships = try pool.memberships.all()
    }

    public func checks() -> [VerifyCheck] {
        var checks = [
            settings("security policies", ["Policies", "MfaConfiguration", "AccountRecoverySetting", "AdminCreateUserConfig",
                                           "UserAttributeUpdateSettings", "AutoVerifiedAttributes", "AliasAttributes",
                                           "UsernameAttributes", "UsernameConfiguration", "DeviceConfiguration",
                                           "DeletionProtection", "UserPoolAddOns", "UserPoolTier"]),
            settings("messages and delivery", ["VerificationMessageTemplate", "SmsAuthenticationMessage", "EmailConfiguration", "SmsConfiguration"]),
            settings("tags", ["UserPoolTags"]),
            schema(),
        ]
        if backup.mfaConfig != nil {
            let keys = ["SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration", "MfaConfiguration", "WebAuthnConfiguration"]
            checks.append(check("MFA configuration", detail: "MFA settings",
                                JSONDifference.between(.object(CreateRequest.pick(keys, from: backup.mfaConfig ?? .null)),
                                                       .object(CreateRequest.pick(keys, from: pool.mfaConfig ?? .null)), at: "")))
        }
        if expectTriggers { checks.append(settings("Lambda triggers", ["LambdaConfig"])) }
        checks += [
            resources("resource servers", backup.resourceServers, pool.resourceServers, key: "Identifier") {
                var request = CreateRequest.resourceServer($0, poolID: "").object!
                request["UserPoolId"] = nil
                request["Scopes"] = .array(($0["Scopes"]?.array ?? []).sorted { ($0["ScopeName"]?.string ?? "") < ($1["ScopeName"]?.string ?? "") })
                return .object(request)
            },
            resources("identity providers", backup.identityProviders, pool.identityProviders, key: "ProviderName") {
                var request = CreateRequest.identityProvider($0, poolID: "").object!
                request["UserPoolId"] = nil
                return .object(request)
            },
            resources("groups", backup.groups, pool.groups, key: "GroupName") {
                var request = CreateRequest.group($0, poolID: "").object!
                request["UserPoolId"] = nil
                return .object(request)
            },
            resources("app clients", backup.appClients, pool.appClients, key: "ClientName") {
                var settings = CreateRequest.pick(CreateRequest.clientSettings, from: $0)
                // A secret Cognito would not take back was replaced by a generated one: only
                // that there is a secret can match.
                if let secret = settings["ClientSecret"]?.string, !CreateRequest.isAcceptableSecret(secret) {
                    settings["ClientSecret"] = "(generated)"
                }
                return .object(settings)
            },
            domain(),
            perClient("UI customization", backup.uiCustomization, pool.uiCustomization) { $0["CSS"] ?? .null },
            perClient("threat protection", backup.riskConfiguration, pool.riskConfiguration) {
                .object(CreateRequest.pick(["CompromisedCredentialsRiskConfiguration", "AccountTakeoverRiskConfiguration",
                                            "RiskExceptionConfiguration"], from: $0))
            },
            managedLoginBranding(),
            terms(),
        ]
        checks += users()
        checks.append(linkedIdentities())
        checks.append(memberships())
        return checks
    }

    // MARK: Pool settings

    private func settings(_ name: String, _ keys: [String]) -> VerifyCheck {
        var expected = CreateRequest.pick(keys, from: backup.poolConfig)
        var actual = CreateRequest.pick(keys, from: pool.poolConfig)
        CreateRequest.dropDeprecatedDuplicates(&expected)
        CreateRequest.dropDeprecatedDuplicates(&actual)
        Self.dropRestoreTag(&expected)
        Self.dropRestoreTag(&actual)
        return check(name, detail: "\(expected.count) settings", JSONDifference.between(.object(expected), .object(actual), at: ""))
    }

    /// The tag a restore puts on the pool it creates, to find it again: not the backup's setting.
    static func dropRestoreTag(_ settings: inout JSONObject) {
        guard var tags = settings["UserPoolTags"]?.object else { return }
        tags[RestoreMapping.tagKey] = nil
        settings["UserPoolTags"] = .object(tags)
    }

    /// Custom attributes and the standard ones a pool can change (required, immutable).
    private func schema() -> VerifyCheck {
        func declared(_ pool: BackupContents) -> [String: JSON] {
            Dictionary((pool.poolConfig["SchemaAttributes"]?.array ?? []).compactMap { attribute -> (String, JSON)? in
                guard let name = attribute["Name"]?.string, CreateRequest.schemaEntry(attribute) != nil else { return nil }
                return (name, .object(CreateRequest.pick(["AttributeDataType", "Mutable", "Required", "DeveloperOnlyAttribute",
                                                           "StringAttributeConstraints", "NumberAttributeConstraints"], from: attribute)))
            }, uniquingKeysWith: { first, _ in first })
        }
        let expected = declared(backup), actual = declared(pool)
        var differences: [String] = []
        for name in expected.keys.sorted() {
            guard let found = actual[name] else {
                differences.append("\(name): missing")
                continue
            }
            differences += JSONDifference.between(expected[name], found, at: name)
        }
        return check("schema", detail: "\(expected.count) declared attributes", differences)
    }

    // MARK: Resources

    /// Items matched by their `key` member, compared through `comparable` (what a restore could set).
    private func resources(_ name: String, _ expected: [JSON], _ actual: [JSON], key: String,
                           comparable: (JSON) -> JSON) -> VerifyCheck {
        resources(name, keyed: expected.map { ($0[key]?.string ?? "", $0) }, actual.map { ($0[key]?.string ?? "", $0) },
                  comparable: comparable)
    }

    private func resources(_ name: String, keyed expected: [(key: String, item: JSON)], _ actual: [(key: String, item: JSON)],
                           comparable: (JSON) -> JSON) -> VerifyCheck {
        var remaining: [String: [JSON]] = [:]
        for (key, item) in actual { remaining[key, default: []].append(item) }
        var differences: [String] = []
        for (id, item) in expected {
            guard let found = remaining[id]?.first else {
                differences.append("\(id): missing")
                continue
            }
            remaining[id]!.removeFirst()
            differences += JSONDifference.between(comparable(item), comparable(found), at: id)
        }
        for (id, extra) in remaining.sorted(by: { $0.key < $1.key }) where !extra.isEmpty { differences.append("\(id): not in the backup") }
        return check(name, detail: "\(expected.count) \(name)", differences)
    }

    /// A prefix domain is expected, under whatever prefix the restore was given.
    private func domain() -> VerifyCheck {
        var differences: [String] = []
        if backup.domain != nil, pool.domain == nil {
            differences.append("prefix domain: the backup has \(backup.domain?["Domain"]?.string ?? "one"), the pool none")
        }
        if let custom = backup.customDomain?["Domain"]?.string, pool.customDomain?["Domain"]?.string != custom {
            differences.append("custom domain: the backup has \(custom), the pool \(pool.customDomain?["Domain"]?.string ?? "none")")
        }
        let detail = [backup.domain?["Domain"]?.string.map { "prefix \(pool.domain?["Domain"]?.string ?? "-") (was \($0))" },
                      backup.customDomain?["Domain"]?.string.map { "custom \($0)" }].compactMap { $0 }
        return check("domain", detail: detail.isEmpty ? "no domain" : detail.joined(separator: ", "), differences)
    }

    /// The pool-wide value and each client's own (a client showing the pool's, `ClientId`
    /// "ALL", has none of its own), clients paired by name.
    private func perClient(_ name: String, _ expected: BackupContents.PerClient, _ actual: BackupContents.PerClient,
                           comparable: (JSON) -> JSON) -> VerifyCheck {
        var differences = JSONDifference.between(expected.pool.map(comparable), actual.pool.map(comparable), at: "pool")
        let newIDs = clientPairs()
        var compared = expected.pool == nil ? 0 : 1
        for (oldID, value) in expected.clients where value["ClientId"]?.string == oldID {
            let found = newIDs[oldID].flatMap { newID in actual.clients.first { $0.clientID == newID }?.value }
            differences += JSONDifference.between(comparable(value), found.map(comparable), at: "app client \(clientName(oldID))")
            compared += 1
        }
        return check(name, detail: "\(compared) settings", differences)
    }

    /// Each client's branding style, as the restore could set it; assets in a fixed order, since
    /// Cognito does not promise to keep theirs.
    private func managedLoginBranding() -> VerifyCheck {
        func comparable(_ branding: JSON) -> JSON {
            var request = CreateRequest.managedLoginBranding(branding, poolID: "", clientID: "").object!
            request["UserPoolId"] = nil
            request["ClientId"] = nil
            if let assets = request["Assets"]?.array {
                request["Assets"] = .array(assets.sorted {
                    ($0["Category"]?.string ?? "", $0["ColorMode"]?.string ?? "") < ($1["Category"]?.string ?? "", $1["ColorMode"]?.string ?? "")
                })
            }
            return .object(request)
        }
        let newIDs = clientPairs()
        var differences: [String] = []
        for (oldID, branding) in backup.managedLoginBranding {
            let found = newIDs[oldID].flatMap { newID in pool.managedLoginBranding.first { $0.clientID == newID }?.value }
            differences += JSONDifference.between(comparable(branding), found.map(comparable), at: "app client \(clientName(oldID))")
        }
        return check("managed login branding", detail: "\(backup.managedLoginBranding.count) branding styles", differences)
    }

    /// Terms documents by client name and `TermsName`: each side's `ClientId` is one of its own
    /// pool's clients.
    private func terms() -> VerifyCheck {
        func keyed(_ terms: [JSON], in pool: BackupContents) -> [(key: String, item: JSON)] {
            terms.map { terms in
                let clientID = terms["ClientId"]?.string ?? ""
                let client = pool.appClients.first { $0["ClientId"]?.string == clientID }?["ClientName"]?.string ?? clientID
                return ("app client \(client) \(terms["TermsName"]?.string ?? "")", terms)
            }
        }
        return resources("terms", keyed: keyed(backup.terms, in: backup), keyed(pool.terms, in: pool)) {
            .object(CreateRequest.pick(["TermsSource", "Enforcement", "Links"], from: $0))
        }
    }

    private func clientName(_ oldID: String) -> String {
        backup.appClients.first { $0["ClientId"]?.string == oldID }?["ClientName"]?.string ?? oldID
    }

    /// Backup client id → pool client id, by name, as the restore paired them.
    private func clientPairs() -> [String: String] {
        var remaining: [String: [String]] = [:]
        for client in pool.appClients {
            if let name = client["ClientName"]?.string, let id = client["ClientId"]?.string { remaining[name, default: []].append(id) }
        }
        var pairs: [String: String] = [:]
        for client in backup.appClients {
            guard let name = client["ClientName"]?.string, let oldID = client["ClientId"]?.string,
                  let newID = remaining[name]?.first else { continue }
            remaining[name]!.removeFirst()
            pairs[oldID] = newID
        }
        return pairs
    }

    // MARK: Users

    /// Users by key; each matched user's attributes (but `sub`, which Cognito assigns, and
    /// `identities`, which linking rewrites: see `linkedIdentities`) and enabled state.
    private func users() -> [VerifyCheck] {
        let matching = UserMatching(poolConfig: backup.poolConfig)
        let actual = Dictionary(poolUsers.map { (matching.key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let expected = backupUsers.filter { !$0.isFederatedOnly }
        let expectedKeys = Set(backupUsers.map(matching.key))
        var missing: [String] = []
        var attributeDifferences: [String] = []
        for user in expected {
            let key = matching.key(user)
            guard let found = actual[key] else {
                missing.append("\(key): missing")
                continue
            }
            if user.enabled != found.enabled { attributeDifferences.append("\(key): enabled \(user.enabled) in the backup, \(found.enabled) in the pool") }
            let ignored: Set<String> = ["sub", "identities"]
            let want = Dictionary(user.attributes.filter { !ignored.contains($0.name) }.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            let have = Dictionary(found.attributes.filter { !ignored.contains($0.name) }.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
            for name in Set(want.keys).union(have.keys).sorted() where want[name].map({ Array($0.utf8) }) != have[name].map({ Array($0.utf8) }) {
                attributeDifferences.append("\(key): \(name) is \(want[name].map { "'\($0)'" } ?? "absent") in the backup, "
                    + "\(have[name].map { "'\($0)'" } ?? "absent") in the pool")
            }
        }
        let extra = actual.keys.filter { !expectedKeys.contains($0) }.sorted().map { "\($0): not in the backup" }
        let federated = backupUsers.count - expected.count
        let countDetail = "\(expected.count) users" + (federated > 0 ? " (and \(federated) federated-only users, recreated at their next sign-in)" : "")
        return [
            check("users", detail: countDetail, missing + extra),
            check("user attributes and enabled state", detail: "\(expected.count) users", attributeDifferences),
        ]
    }

    /// Each matched user's links to external identities, by provider and user id (Cognito writes
    /// the rest of `identities`, such as dates, when linking). A link to a provider the pool does
    /// not have could not be restored, and is only counted.
    private func linkedIdentities() -> VerifyCheck {
        let matching = UserMatching(poolConfig: backup.poolConfig)
        let actual = Dictionary(poolUsers.map { (matching.key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let providers = Set(pool.identityProviders.compactMap { $0["ProviderName"]?.string })
        var differences: [String] = []
        var compared = 0
        var withoutProvider = 0
        for user in backupUsers where !user.isFederatedOnly {
            let key = matching.key(user)
            // A user missing from the pool is the "users" check's difference.
            guard let found = actual[key] else { continue }
            let linked = LinkedIdentity.of(user)
            let expected = Set(linked.filter { providers.contains($0.providerName) })
            let have = Set(LinkedIdentity.of(found))
            compared += expected.count
            withoutProvider += linked.count - expected.count
            func describe(_ identity: LinkedIdentity) -> String { "\(identity.providerName) identity \(identity.userID)" }
            differences += expected.subtracting(have).map { "\(key): \(describe($0)) missing" }.sorted()
            differences += have.subtracting(expected).map { "\(key): \(describe($0)) not in the backup" }.sorted()
        }
        let detail = "\(compared) linked identities"
            + (withoutProvider > 0 ? " (and \(withoutProvider) to providers the pool does not have)" : "")
        return check("linked identities", detail: detail, differences)
    }

    /// Members of each group, by user key; federated-only users rejoin only after signing in.
    private func memberships() -> VerifyCheck {
        let matching = UserMatching(poolConfig: backup.poolConfig)
        let backupUsers = Dictionary(backupUsers.map { (UserKey($0.username), $0) }, uniquingKeysWith: { first, _ in first })
        let poolKeys = Dictionary(poolUsers.map { (UserKey($0.username), matching.key($0)) }, uniquingKeysWith: { first, _ in first })
        let actual = Dictionary(poolMemberships.map { ($0.group, Set($0.usernames.map { poolKeys[UserKey($0)] ?? UserKey($0) })) },
                                uniquingKeysWith: { first, _ in first })
        var differences: [String] = []
        var total = 0
        // Groups in name order: a backup lists them as their listings finished, and the first
        // differences shown should not depend on that.
        for (group, usernames) in backupMemberships.sorted(by: { $0.group < $1.group }) {
            let expected = Set(usernames.compactMap { backupUsers[UserKey($0)] }.filter { !$0.isFederatedOnly }.map(matching.key))
            total += expected.count
            let found = actual[group] ?? []
            differences += expected.subtracting(found).sorted().map { "\(group): \($0) missing" }
            differences += found.subtracting(expected).sorted().map { "\(group): \($0) not in the backup" }
        }
        return check("group memberships", detail: "\(total) memberships in \(backupMemberships.count) groups", differences)
    }

    private func check(_ name: String, detail: String, _ differences: [String]) -> VerifyCheck {
        var shown = Array(differences.prefix(Self.shown))
        if differences.count > Self.shown { shown.append("… and \(differences.count - Self.shown) more") }
        return VerifyCheck(name: name, detail: detail, differences: shown)
    }
}
