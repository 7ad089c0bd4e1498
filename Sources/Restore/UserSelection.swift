import Backup

extension BackupContents {
    /// The backup with only the users named and their memberships; the configuration whole.
    public func keeping(users taken: Set<String>) throws(BackupReadError) -> BackupContents {
        var kept: [PoolUser] = []
        let reader = users.reader()
        while let user = try reader.next() {
            if taken.contains(user.username) { kept.append(user) }
        }
        var members: [String: [String]] = [:]
        try memberships.forEach { group, username in
            if taken.contains(username) { members[group, default: []].append(username) }
        }
        var selected = self
        selected.users = BackupUsers(kept)
        selected.memberships = BackupMemberships(memberships.groups.compactMap { group in members[group].map { (group, $0) } },
                                                 users: selected.users)
        return selected
    }

    /// What `restore --user` puts in a pool: those users, their memberships and the groups they
    /// are in, and nothing else of the backup's (no client, provider, setting or domain).
    /// Throws naming the users the backup does not have.
    public func onlyUsers(_ usernames: Set<String>) throws -> BackupContents {
        let missing = usernames.filter { !users.contains(username: $0) }.sorted()
        guard missing.isEmpty else { throw UserSelectionError(missing: missing) }
        var selected = try keeping(users: usernames)
        let groups = Set(selected.memberships.groups)
        selected.groups = groups.isEmpty ? [] : self.groups.filter { $0["GroupName"]?.string.map(groups.contains) ?? false }
        selected.appClients = []
        selected.identityProviders = []
        selected.resourceServers = []
        selected.domain = nil
        selected.customDomain = nil
        selected.uiCustomization = .none
        selected.uiLogos = [:]
        selected.riskConfiguration = .none
        selected.logDelivery = nil
        selected.managedLoginBranding = []
        selected.terms = []
        return selected
    }
}

/// `restore --user` named users the backup does not hold.
public struct UserSelectionError: Error, CustomStringConvertible {
    public let missing: [String]
    public var description: String { "the backup has no user " + missing.joined(separator: ", ") }
}
