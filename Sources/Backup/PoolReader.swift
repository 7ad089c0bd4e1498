import AWSCore
import AWSServices
import JSON
import Support
import Synchronization

/// Whether a backup asks Cognito for each user's MFA preferences, which ListUsers leaves out.
public enum UserMFAReading: String, Sendable, CaseIterable {
    /// Only where the pool's MFA can be SMS or email: those preferences are what a restore can set
    /// again (an authenticator app's secret cannot be exported).
    case auto
    case on
    case off

    /// Whether to read them for a pool of `mfaConfig` (GetUserPoolMfaConfig's answer).
    public func applies(to mfaConfig: JSON) -> Bool {
        switch self {
        case .on: return true
        case .off: return false
        case .auto:
            return (mfaConfig["MfaConfiguration"]?.string ?? "OFF") != "OFF"
                && (mfaConfig["SmsMfaConfiguration"].map { !$0.isNull } == true || mfaConfig["EmailMfaConfiguration"].map { !$0.isNull } == true)
        }
    }

    /// What a backup that did not read MFA preferences records, where the pool has preferences a
    /// restore could have set again: nil where it has none (MFA off, or an authenticator app only).
    static func unreadWarning(for mfaConfig: JSON) -> BackupWarning? {
        guard UserMFAReading.auto.applies(to: mfaConfig) else { return nil }
        return BackupWarning(component: unreadComponent, reason: "users' SMS and email MFA preferences were not read "
            + "(BACKUP_USER_MFA=off: each read is an AdminGetUser, which bills the user as active); a restore leaves them unset")
    }

    /// The warning's component, which a restore looks for.
    public static let unreadComponent = "\(BackupFormat.Member.users).mfa_preferences"
}

/// Reads everything a user pool is from Cognito, each list to its last page. Users and group
/// memberships are handed out page by page, never gathered, so memory does not grow with the pool.
public struct PoolReader: Sendable {
    public let cognito: any CognitoAPI
    public let poolID: String
    /// Fetches the UI customization's logos into the backup; nil leaves them out (a reader that
    /// only compares, or a test without a network).
    public let logos: LogoDownload?
    /// ListUsers is split into this many disjoint streams by the first hex digit of `sub`.
    static let subPrefixes = Array("0123456789abcdef").map(String.init)
    /// Codes Cognito answers for a component a pool simply does not have.
    static let absentCodes: Set<String> = [
        "ResourceNotFoundException", "UserPoolAddOnNotEnabledException", "FeatureUnavailableInTierException",
    ]

    public init(cognito: any CognitoAPI, poolID: String, logos: LogoDownload? = nil) {
        self.cognito = cognito
        self.poolID = poolID
        self.logos = logos
    }

    /// The pool's configuration and its resources: everything but users and memberships.
    public struct Configuration: Sendable {
        /// Top-level members of the backup object, in the order they are written.
        public var members: [(key: String, value: JSON)]
        public var groups: [JSON]
        public var warnings: [BackupWarning]
        public var estimatedUsers: Int?

        public func count(_ key: String) -> Int { members.first { $0.key == key }?.value.array?.count ?? 0 }
    }

    public func readConfiguration() async throws -> Configuration {
        let pool = try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)])["UserPool"] ?? .null
        async let mfa = cognito.call("GetUserPoolMfaConfig", ["UserPoolId": .string(poolID)])
        async let clients = appClients()
        async let providers = identityProviders()
        async let servers = cognito.listAll("ListResourceServers", poolID: poolID)
        async let groups = cognito.listAll("ListGroups", poolID: poolID)
        async let domains = domains(of: pool)
        async let logDelivery = optional(BackupFormat.Member.logDeliveryConfiguration) {
            try await cognito.call("GetLogDeliveryConfiguration", ["UserPoolId": .string(poolID)])["LogDeliveryConfiguration"] ?? .null
        }
        async let terms = self.terms()

        let clientList = try await clients
        let clientIDs = clientList.compactMap { $0["ClientId"]?.string }
        async let ui = perClient(clientIDs, component: BackupFormat.Member.uiCustomization) { clientID in
            var input: JSONObject = ["UserPoolId": .string(poolID)]
            input["ClientId"] = clientID.map(JSON.string)
            return try await cognito.call("GetUICustomization", .object(input))["UICustomization"] ?? .null
        }
        async let risk = perClient(clientIDs, component: BackupFormat.Member.riskConfiguration) { clientID in
            var input: JSONObject = ["UserPoolId": .string(poolID)]
            input["ClientId"] = clientID.map(JSON.string)
            return try await cognito.call("DescribeRiskConfiguration", .object(input))["RiskConfiguration"] ?? .null
        }
        async let branding = brandingByClient(clientIDs)

        var warnings: [BackupWarning] = []
        func collect(_ result: (JSON, [BackupWarning])) -> JSON {
            warnings += result.1
            return result.0
        }
        let uiCustomization = collect(try await ui)
        let members: [(key: String, value: JSON)] = [
            (BackupFormat.Member.userPoolConfig, pool),
            (BackupFormat.Member.mfaConfig, try await mfa),
            (BackupFormat.Member.appClients, .array(clientList)),
            (BackupFormat.Member.identityProviders, .array(try await providers)),
            (BackupFormat.Member.resourceServers, .array(try await servers)),
            (BackupFormat.Member.userPoolDomain, collect(try await domains)),
            (BackupFormat.Member.uiCustomization, uiCustomization),
            (BackupFormat.Member.uiLogos, collect(try await logos(of: uiCustomization))),
            (BackupFormat.Member.riskConfiguration, collect(try await risk)),
            (BackupFormat.Member.logDeliveryConfiguration, collect(try await logDelivery)),
            (BackupFormat.Member.managedLoginBranding, collect(try await branding)),
            (BackupFormat.Member.terms, collect(try await terms)),
        ]
        return Configuration(members: members, groups: try await groups, warnings: warnings,
                             estimatedUsers: pool["EstimatedNumberOfUsers"]?.int)
    }

    /// Hands every user to `page`, a page at a time, from up to 16 concurrent streams. A pool that
    /// fits in one page is read with one call; a larger one is split by the first hex digit of
    /// `sub`, which every user has and which spreads users evenly.
    ///
    /// A read that may stop early (a backup longer than one invocation) passes `proceed`: each
    /// stream asks it before its next page and stops when it says no; the positions returned say
    /// where each stream stood, and a later read goes on `from` them.
    @discardableResult
    public func forEachUserPage(from start: UserReadPositions = UserReadPositions(), while proceed: (@Sendable () -> Bool)? = nil,
                                _ page: @escaping @Sendable (UserPage) async throws -> Void) async throws -> UserReadPositions {
        var positions = start
        if positions.streams.isEmpty {
            let first = try await cognito.callRaw("ListUsers", ["UserPoolId": .string(poolID), "Limit": 60])
            guard first["PaginationToken"]?.string != nil else {
                try await page(UserPage(first))
                positions.streams = ["": .done]
                return positions
            }
            positions.streams = Dictionary(uniqueKeysWithValues: Self.subPrefixes.map { ($0, .notStarted) })
        }
        let unfinished = positions.streams.filter { $0.value != .done }
        let handedOut = positions.handedOut
        let ended = try await withThrowingTaskGroup(of: (String, UserReadPositions.Position, [UInt64]).self) { group in
            for (prefix, position) in unfinished {
                group.addTask {
                    try await readStream(prefix, from: position, handedOut: handedOut[prefix] ?? [], while: proceed, page)
                }
            }
            var ended: [(String, UserReadPositions.Position, [UInt64])] = []
            for try await stream in group { ended.append(stream) }
            return ended
        }
        for (prefix, position, hashes) in ended {
            positions.streams[prefix] = position
            positions.handedOut[prefix] = position == .done || proceed == nil ? nil : hashes
        }
        return positions
    }

    /// One `sub ^= prefix` stream, from `position` until its end or until `proceed` says no. If
    /// Cognito refuses the saved token, the stream starts over, skipping the users it handed out.
    private func readStream(_ prefix: String, from position: UserReadPositions.Position, handedOut: [UInt64],
                            while proceed: (@Sendable () -> Bool)?,
                            _ page: @escaping @Sendable (UserPage) async throws -> Void) async throws -> (String, UserReadPositions.Position, [UInt64]) {
        if position == .notStarted, proceed?() == false { return (prefix, .notStarted, handedOut) }
        let input: JSON = ["UserPoolId": .string(poolID), "Limit": 60, "Filter": .string("sub ^= \"\(prefix)\"")]
        var hashes = handedOut
        var skipped: Set<UInt64> = []
        var delivered = false
        let deliver = { (raw: RawJSONObject) async throws in
            delivered = true
            var users = UserPage(raw)
            if !skipped.isEmpty { users = users.keeping { !skipped.contains(UserReadPositions.hash(users.username($0) ?? "")) } }
            if proceed != nil { hashes += users.users.map { UserReadPositions.hash(users.username($0) ?? "") } }
            try await page(users)
        }
        let next: String?
        do {
            next = try await cognito.forEachRawPage("ListUsers", input, from: position.token, while: { proceed?() ?? true }, deliver)
        } catch let error as AWSError where error.code == "InvalidParameterException" && position.token != nil && !delivered {
            skipped = Set(handedOut)
            next = try await cognito.forEachRawPage("ListUsers", input, from: nil, while: { proceed?() ?? true }, deliver)
        }
        return (prefix, next.map { .at(token: $0) } ?? .done, hashes)
    }

    /// Every group's members, several groups at once, each group a page at a time in order:
    /// `page` gets each page's users (Cognito's UserType, as ListUsers gives them) and the token
    /// of the page after it, then `finished` says the group is done and whether it was deleted
    /// while it was read (only the pool's own disappearance fails the read).
    ///
    /// A read that may stop early passes `proceed`: a group not started when it says no is left
    /// out, and a group under way stops before its next page, without `finished`. A later read
    /// goes on with a group `from` the token its last page gave; if Cognito refuses that token,
    /// the group starts over and the members whose username hashes are in `skipping` are left out.
    public func forEachGroupMembershipPage(_ groupNames: [String], concurrency: Int = 8, from tokens: [String: String] = [:],
                                           skipping written: [String: Set<UInt64>] = [:], while proceed: (@Sendable () -> Bool)? = nil,
                                           page: @escaping @Sendable (_ group: String, _ users: [JSON], _ next: String?) async throws -> Void,
                                           finished: @escaping @Sendable (_ group: String, _ deleted: Bool) async throws -> Void) async throws {
        try await forEachConcurrently(groupNames, limit: concurrency) { name in
            guard proceed?() ?? true else { return }
            let input: JSON = ["UserPoolId": .string(poolID), "GroupName": .string(name), "Limit": 60]
            var skipped: Set<UInt64> = []
            var delivered = false
            let deliver = { (answer: JSON) async throws in
                delivered = true
                var users = answer["Users"]?.array ?? []
                if !skipped.isEmpty { users.removeAll { skipped.contains(UserReadPositions.hash($0["Username"]?.string ?? "")) } }
                try await page(name, users, answer["NextToken"]?.string)
            }
            let unfinished: String?
            do {
                do {
                    unfinished = try await cognito.forEachPage("ListUsersInGroup", input, from: tokens[name], while: { proceed?() ?? true }, deliver)
                } catch let error as AWSError where error.code == "InvalidParameterException" && tokens[name] != nil && !delivered {
                    skipped = written[name] ?? []
                    unfinished = try await cognito.forEachPage("ListUsersInGroup", input, from: nil, while: { proceed?() ?? true }, deliver)
                }
            } catch let error as AWSError where error.code == "ResourceNotFoundException" {
                // The group or the whole pool is gone; DescribeUserPool fails too if it is the pool.
                _ = try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)])
                try await finished(name, true)
                return
            }
            if unfinished == nil { try await finished(name, false) }
        }
    }

    /// The usernames in each group, gathered: `members` is called once per group with all of them.
    /// For restore and verify, which hold a pool in memory anyway; a backup takes the pages.
    public func forEachGroupMembership(_ groupNames: [String], concurrency: Int = 8,
                                       _ members: @escaping @Sendable (String, [String]) async throws -> Void) async throws {
        let gathered = Mutex<[String: [String]]>([:])
        try await forEachGroupMembershipPage(groupNames, concurrency: concurrency, page: { group, users, _ in
            gathered.withLock { $0[group, default: []] += users.compactMap { $0["Username"]?.string } }
        }, finished: { group, _ in
            try await members(group, gathered.withLock { $0.removeValue(forKey: group) ?? [] })
        })
    }

    /// `users` (ListUsers' UserType) with the MFA preferences only AdminGetUser tells:
    /// `UserMFASettingList` and `PreferredMfaSetting`, added to each user that has any. One call
    /// per user at the UserRead quota, several at once; a user deleted since the page was read is
    /// kept as listed.
    public func withMFAPreferences(_ users: [JSON]) async throws -> [JSON] {
        try await concurrentMap(users, limit: 8) { user in
            guard var listed = user.object, let username = listed["Username"]?.string else { return user }
            let described: JSON
            do {
                described = try await cognito.call("AdminGetUser", ["UserPoolId": .string(poolID), "Username": .string(username)])
            } catch let error as AWSError where error.code == "UserNotFoundException" {
                return user
            }
            guard let settings = described["UserMFASettingList"]?.array, !settings.isEmpty else { return user }
            listed["UserMFASettingList"] = .array(settings)
            listed["PreferredMfaSetting"] = described["PreferredMfaSetting"]
            return .object(listed)
        }
    }

    // MARK: Components

    func appClients() async throws -> [JSON] {
        let summaries = try await cognito.listAll("ListUserPoolClients", poolID: poolID)
        return try await concurrentMap(summaries.compactMap { $0["ClientId"]?.string }, limit: 8) { id in
            try await cognito.call("DescribeUserPoolClient", ["UserPoolId": .string(poolID), "ClientId": .string(id)])["UserPoolClient"] ?? .null
        }
    }

    func identityProviders() async throws -> [JSON] {
        let summaries = try await cognito.listAll("ListIdentityProviders", poolID: poolID)
        return try await concurrentMap(summaries.compactMap { $0["ProviderName"]?.string }, limit: 8) { name in
            try await cognito.call("DescribeIdentityProvider", ["UserPoolId": .string(poolID), "ProviderName": .string(name)])["IdentityProvider"] ?? .null
        }
    }

    /// The prefix domain and the custom domain, each described by its name (DescribeUserPoolDomain
    /// takes a domain, not a pool id).
    func domains(of pool: JSON) async throws -> (JSON, [BackupWarning]) {
        var result = JSONObject()
        var warnings: [BackupWarning] = []
        for (key, field) in [(BackupFormat.Member.Domain.prefix, "Domain"), (BackupFormat.Member.Domain.custom, "CustomDomain")] {
            guard let domain = pool[field]?.string, !domain.isEmpty else {
                result[key] = .null
                warnings.append(BackupWarning(component: "\(BackupFormat.Member.userPoolDomain).\(key)", reason: "not configured"))
                continue
            }
            let (description, warning) = try await optional("\(BackupFormat.Member.userPoolDomain).\(key)") {
                try await cognito.call("DescribeUserPoolDomain", ["Domain": .string(domain)])["DomainDescription"] ?? .null
            }
            result[key] = description
            warnings += warning
        }
        return (.object(result), warnings)
    }

    /// The logo of each UI customization that has one, by "pool" or by the client whose own it is
    /// (a client without its own is answered with the pool's): `{"url", "content_type", "base64"}`.
    /// A logo that cannot be fetched is a warning; the restore then tries its URL.
    func logos(of customization: JSON) async throws -> (JSON, [BackupWarning]) {
        guard let logos else { return ([:], []) }
        var wanted: [(key: String, url: String)] = customization[BackupFormat.Member.PerClient.pool]?["ImageUrl"]?.string.map { [(BackupFormat.Member.PerClient.pool, $0)] } ?? []
        for member in customization[BackupFormat.Member.PerClient.clients]?.object?.members ?? [] where member.value["ClientId"]?.string == member.key {
            if let url = member.value["ImageUrl"]?.string { wanted.append((member.key, url)) }
        }
        let fetched = try await concurrentMap(wanted, limit: 4) { entry -> Result<LogoDownload.Logo, LogoDownloadError> in
            do throws(LogoDownloadError) { return .success(try await logos.logo(at: entry.url)) } catch { return .failure(error) }
        }
        var kept = JSONObject()
        var warnings: [BackupWarning] = []
        for (entry, result) in zip(wanted, fetched) {
            switch result {
            case .success(let logo): kept[entry.key] = logo.json
            case .failure(let error): warnings.append(BackupWarning(component: "\(BackupFormat.Member.uiLogos).\(entry.key)", reason: error.description))
            }
        }
        return (.object(kept), warnings)
    }

    func terms() async throws -> (JSON, [BackupWarning]) {
        try await optional(BackupFormat.Member.terms) {
            let summaries = try await cognito.listAll("ListTerms", poolID: poolID)
            return .array(try await concurrentMap(summaries.compactMap { $0["TermsId"]?.string }, limit: 8) { id in
                try await cognito.call("DescribeTerms", ["UserPoolId": .string(poolID), "TermsId": .string(id)])["Terms"] ?? .null
            })
        }
    }

    func brandingByClient(_ clientIDs: [String]) async throws -> (JSON, [BackupWarning]) {
        let results = try await concurrentMap(clientIDs, limit: 8) { id in
            try await optional("\(BackupFormat.Member.managedLoginBranding).\(id)") {
                try await cognito.call("DescribeManagedLoginBrandingByClient",
                                       ["UserPoolId": .string(poolID), "ClientId": .string(id)])["ManagedLoginBranding"] ?? .null
            }
        }
        return (.object(zip(clientIDs, results.map(\.0)).map { ($0, $1) }), results.flatMap(\.1))
    }

    /// A pool-level read and the same read for every app client: `{"pool": …, "clients": {id: …}}`.
    func perClient(_ clientIDs: [String], component: String,
                   _ read: @escaping @Sendable (String?) async throws -> JSON) async throws -> (JSON, [BackupWarning]) {
        let (pool, poolWarnings) = try await optional("\(component).\(BackupFormat.Member.PerClient.pool)") { try await read(nil) }
        let clients = try await concurrentMap(clientIDs, limit: 8) { id in
            try await optional("\(component).\(id)") { try await read(id) }
        }
        return ([BackupFormat.Member.PerClient.pool: pool, BackupFormat.Member.PerClient.clients: .object(zip(clientIDs, clients.map(\.0)).map { ($0, $1) })],
                poolWarnings + clients.flatMap(\.1))
    }

    /// Runs a read whose absence is normal; records `null` and why. Anything else still fails.
    func optional(_ component: String, _ read: () async throws -> JSON) async throws -> (JSON, [BackupWarning]) {
        do {
            return (try await read(), [])
        } catch let error as AWSError where Self.absentCodes.contains(error.code) {
            return (.null, [BackupWarning(component: component, reason: "\(error.code): \(error.message)")])
        }
    }
}
