import Backup
import JSON

extension BackupContents {
    /// Reads and checks a whole backup in memory (see `init(chunks:)`).
    public init(reading bytes: [UInt8]) throws(BackupReadError) {
        var done = false
        try self.init(chunks: { () throws(BackupReadError) -> [UInt8]? in
            defer { done = true }
            return done ? nil : bytes
        })
    }

    /// Reads and checks a whole backup, handed over in chunks: every user is parsed here, so a
    /// truncated, mangled or too-new file fails now, before a restore has written anything.
    init(chunks: @escaping () throws(BackupReadError) -> [UInt8]?) throws(BackupReadError) {
        var scanner = BackupScanner(read: chunks)
        var members: [String: JSON] = [:]
        var users: [PoolUser] = []
        let hasUsers = try scanner.scan(streaming: BackupFormat.Member.users, member: { (key, bytes, offset) throws(BackupReadError) in
            members[key] = try BackupScanner.parse(bytes, at: offset)
        }, element: { (bytes, offset) throws(BackupReadError) in
            guard let user = PoolUser(try BackupScanner.parse(bytes, at: offset)) else {
                throw BackupReadError(offset: offset, reason: "a user without a Username")
            }
            users.append(user)
        })
        if members[BackupFormat.Member.users] != nil { throw BackupReadError(reason: "\"\(BackupFormat.Member.users)\" is not an array") }

        let version: Int
        switch members[BackupFormat.Member.formatVersion] {
        case nil: version = 1  // the original Python function wrote no version
        case let number?:
            guard let known = number.int, known >= 1 else { throw BackupReadError(reason: "\(BackupFormat.Member.formatVersion) \(number.serialized) is not a version number") }
            version = known
        }
        guard version <= BackupFormat.version else {
            throw BackupReadError(reason: "format version \(version) was written by a newer cognito-backup; this one reads versions 1 to \(BackupFormat.version)")
        }
        guard members[BackupFormat.Member.userPoolConfig]?.object != nil else {
            throw BackupReadError(reason: "no \"\(BackupFormat.Member.userPoolConfig)\" object: not a cognito-backup backup")
        }
        guard hasUsers else { throw BackupReadError(reason: "no \"\(BackupFormat.Member.users)\" array: not a cognito-backup backup") }
        // Users who joined the pool and a group while the backup read it: whole users like the rest.
        if let found = members[BackupFormat.Member.usersFoundInGroups], !found.isNull {
            guard let list = found.array else { throw BackupReadError(reason: "\"\(BackupFormat.Member.usersFoundInGroups)\" is not an array") }
            for value in list {
                guard let user = PoolUser(value) else { throw BackupReadError(reason: "a user without a Username in \(BackupFormat.Member.usersFoundInGroups)") }
                users.append(user)
            }
        }

        var memberships: [(group: String, usernames: [String])] = []
        if let groups = members[BackupFormat.Member.groupMemberships], !groups.isNull {
            guard let object = groups.object else { throw BackupReadError(reason: "\"\(BackupFormat.Member.groupMemberships)\" is not an object") }
            for member in object.members {
                guard let names = member.value.array?.map(\.string), !names.contains(nil) else {
                    throw BackupReadError(reason: "\(BackupFormat.Member.groupMemberships)[\"\(member.key)\"] is not a list of usernames")
                }
                memberships.append((member.key, names.compactMap { $0 }))
            }
        }
        if let logos = members[BackupFormat.Member.uiLogos], !logos.isNull {
            guard let entries = logos.object?.members, entries.allSatisfy({ $0.value[BackupFormat.Member.Logo.base64]?.string != nil }) else {
                throw BackupReadError(reason: "\"\(BackupFormat.Member.uiLogos)\" is not an object of {\"\(BackupFormat.Member.Logo.base64)\": …} entries")
            }
        }
        for key in BackupFormat.Member.lists {
            if let value = members[key], !value.isNull, value.array == nil { throw BackupReadError(reason: "\"\(key)\" is not an array") }
        }
        self.init(formatVersion: version, members: members, users: users, memberships: memberships)
    }

    /// From the backup object's top-level members (all but users and memberships), in the
    /// layout of `formatVersion`.
    public init(formatVersion: Int, members: [String: JSON], users: [PoolUser], memberships: [(group: String, usernames: [String])]) {
        let config = members[BackupFormat.Member.userPoolConfig] ?? .null
        self.init(formatVersion: formatVersion, timestamp: members[BackupFormat.Member.timestamp]?.string ?? "",
                  sourcePoolID: members[BackupFormat.Member.userPoolID]?.string ?? config["Id"]?.string ?? "", poolConfig: config,
                  appClients: members[BackupFormat.Member.appClients]?.array ?? [], identityProviders: members[BackupFormat.Member.identityProviders]?.array ?? [],
                  resourceServers: members[BackupFormat.Member.resourceServers]?.array ?? [], groups: members[BackupFormat.Member.groups]?.array ?? [],
                  users: users, memberships: memberships)
        if formatVersion == 1 {
            // The original format kept one DomainDescription (whichever domain the pool had) and
            // only the pool-wide UI customization; managed login did not exist yet.
            let described = Self.present(members[BackupFormat.Member.userPoolDomain])
            if described?["CustomDomainConfig"]?["CertificateArn"] != nil { customDomain = described } else { domain = described }
            uiCustomization = PerClient(pool: Self.present(members[BackupFormat.Member.uiCustomization]), clients: [])
        } else {
            mfaConfig = Self.present(members[BackupFormat.Member.mfaConfig])
            domain = Self.present(members[BackupFormat.Member.userPoolDomain]?[BackupFormat.Member.Domain.prefix])
            customDomain = Self.present(members[BackupFormat.Member.userPoolDomain]?[BackupFormat.Member.Domain.custom])
            uiCustomization = Self.perClient(members[BackupFormat.Member.uiCustomization])
            uiLogos = Dictionary((members[BackupFormat.Member.uiLogos]?.object?.members ?? []).compactMap { member in
                member.value[BackupFormat.Member.Logo.base64]?.string.map { (member.key, $0) }
            }, uniquingKeysWith: { first, _ in first })
            riskConfiguration = Self.perClient(members[BackupFormat.Member.riskConfiguration])
            logDelivery = Self.present(members[BackupFormat.Member.logDeliveryConfiguration])
            managedLoginBranding = (members[BackupFormat.Member.managedLoginBranding]?.object?.members ?? []).compactMap { member in
                Self.present(member.value).map { (member.key, $0) }
            }
            terms = members[BackupFormat.Member.terms]?.array ?? []
        }
    }

    /// nil for absent, null and the empty object Cognito answers for "none".
    static func present(_ value: JSON?) -> JSON? {
        guard let value, !value.isNull, value.object?.isEmpty != true else { return nil }
        return value
    }

    static func perClient(_ value: JSON?) -> PerClient {
        PerClient(pool: present(value?[BackupFormat.Member.PerClient.pool]),
                  clients: (value?[BackupFormat.Member.PerClient.clients]?.object?.members ?? []).compactMap { member in present(member.value).map { (member.key, $0) } })
    }
}
