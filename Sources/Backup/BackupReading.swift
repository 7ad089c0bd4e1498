import JSON

extension BackupContents {
    /// Reads and checks a whole backup in memory (see `init(file:)`).
    public init(reading bytes: [UInt8]) throws(BackupReadError) {
        let scratch: ScratchFile
        do {
            scratch = try ScratchFile(for: "the backup")
            try scratch.write(bytes)
        } catch { throw BackupReadError(reason: "\(error)") }
        try self.init(file: BackupFile(downloaded: scratch))
    }

    /// Reads and checks a whole backup from its file, plain or gzip, in bounded chunks: every user
    /// and membership is parsed here, so a truncated, mangled or too-new file fails now, before a
    /// restore has written anything; then let go, kept only as hashes (see `BackupUsers`,
    /// `BackupMemberships`), and read again from the file when needed.
    public init(file: BackupFile) throws(BackupReadError) {
        let text = JSONText(file.chunks())
        var scanner = BackupScanner(read: { () throws(BackupReadError) -> [UInt8]? in try text.next() })
        var members: [String: JSON] = [:]
        var hasUsers = false
        var count = 0
        var names: [UInt64] = []
        var groups: [String] = []
        var entries: [BackupMemberships.Entry] = []
        try scanner.open()
        while let key = try scanner.nextName(in: "the backup") {
            if key == BackupFormat.Member.users, try scanner.enter(UInt8(ascii: "[")) {
                hasUsers = true
                while let (bytes, offset) = try scanner.nextElement(of: key) {
                    guard let user = PoolUser(try BackupScanner.parse(bytes, at: offset)) else {
                        throw BackupReadError(offset: offset, reason: "a user without a Username")
                    }
                    count += 1
                    names.append(SortedHashes.hash(user.username))
                }
            } else if key == BackupFormat.Member.groupMemberships, try scanner.enter(UInt8(ascii: "{")) {
                while let group = try scanner.nextName(in: key) {
                    guard try scanner.enter(UInt8(ascii: "[")) else {
                        throw BackupReadError(offset: scanner.position, reason: "group_memberships[\"\(group)\"] is not a list of usernames")
                    }
                    while let (bytes, offset) = try scanner.nextElement(of: group) {
                        guard let username = try BackupScanner.parse(bytes, at: offset).string else {
                            throw BackupReadError(offset: offset, reason: "group_memberships[\"\(group)\"] is not a list of usernames")
                        }
                        entries.append(BackupMemberships.Entry(username: username, group: groups.count))
                    }
                    groups.append(group)
                }
            } else {
                let offset = scanner.position
                members[key] = try BackupScanner.parse(try scanner.value(inside: key, limit: BackupScanner.maximumMemberBytes), at: offset)
            }
        }
        try scanner.close()
        if members[BackupFormat.Member.users] != nil { throw BackupReadError(reason: "\"\(BackupFormat.Member.users)\" is not an array") }
        if let other = members[BackupFormat.Member.groupMemberships], !other.isNull { throw BackupReadError(reason: "\"\(BackupFormat.Member.groupMemberships)\" is not an object") }

        let version: Int
        switch members[BackupFormat.Member.formatVersion] {
        case nil: version = 1  // the original Python function wrote no version
        case let number?:
            guard let known = number.int, known >= 1 else { throw BackupReadError(reason: "format_version \(number.serialized) is not a version number") }
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
        var found: [PoolUser] = []
        if let list = members[BackupFormat.Member.usersFoundInGroups], !list.isNull {
            guard let list = list.array else { throw BackupReadError(reason: "\"\(BackupFormat.Member.usersFoundInGroups)\" is not an array") }
            for value in list {
                guard let user = PoolUser(value) else { throw BackupReadError(reason: "a user without a Username in \(BackupFormat.Member.usersFoundInGroups)") }
                found.append(user)
            }
        }
        // Sorted in place: at a million users a copy would be 8 MB more.
        names.append(contentsOf: found.map { SortedHashes.hash($0.username) })
        names.sort()
        let users = BackupUsers(file: file, count: count + found.count, names: names, rest: found)

        entries.sort()
        let memberships = try BackupMemberships(file: file, groups: groups, entries: entries, users: users)
        if let logos = members[BackupFormat.Member.uiLogos], !logos.isNull {
            guard let entries = logos.object?.members, entries.allSatisfy({ $0.value[BackupFormat.Member.Logo.base64]?.string != nil }) else {
                throw BackupReadError(reason: "\"\(BackupFormat.Member.uiLogos)\" is not an object of {\"base64\": …} entries")
            }
        }
        for key in BackupFormat.Member.lists {
            if let value = members[key], !value.isNull, value.array == nil { throw BackupReadError(reason: "\"\(key)\" is not an array") }
        }
        self.init(formatVersion: version, members: members, users: users, memberships: memberships)
    }

    /// From the backup object's top-level members (all but users and memberships), in the
    /// layout of `formatVersion`.
    public init(formatVersion: Int, members: [String: JSON], users: BackupUsers, memberships: BackupMemberships) {
        let config = members[BackupFormat.Member.userPoolConfig] ?? .null
        self.init(formatVersion: formatVersion, timestamp: members[BackupFormat.Member.timestamp]?.string ?? "",
                  sourcePoolID: members[BackupFormat.Member.userPoolID]?.string ?? config["Id"]?.string ?? "", poolConfig: config,
                  appClients: members[BackupFormat.Member.appClients]?.array ?? [], identityProviders: members[BackupFormat.Member.identityProviders]?.array ?? [],
                  resourceServers: members[BackupFormat.Member.resourceServers]?.array ?? [], groups: members[BackupFormat.Member.groups]?.array ?? [],
                  memberships: [])
        self.users = users
        self.memberships = memberships
        warnings = (members[BackupFormat.Member.warnings]?.array ?? []).compactMap { warning in
            warning["component"]?.string.map { BackupWarning(component: $0, reason: warning["reason"]?.string ?? "") }
        }
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
    public static func present(_ value: JSON?) -> JSON? {
        guard let value, !value.isNull, value.object?.isEmpty != true else { return nil }
        return value
    }

    public static func perClient(_ value: JSON?) -> PerClient {
        PerClient(pool: present(value?[BackupFormat.Member.PerClient.pool]),
                  clients: (value?[BackupFormat.Member.PerClient.clients]?.object?.members ?? []).compactMap { member in present(member.value).map { (member.key, $0) } })
    }
}
