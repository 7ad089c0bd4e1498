import Backup
import JSON

extension BackupContents {
    /// The backup with only the users named and their memberships (those `membership` keeps of
    /// them); the configuration whole.
    public func keeping(users taken: Set<String>,
                        memberships membership: (_ group: String, _ username: String) -> Bool = { _, _ in true }) throws(BackupReadError) -> BackupContents {
        var kept: [PoolUser] = []
        let reader = users.reader()
        while let user = try reader.next() {
            if taken.contains(user.username) { kept.append(user) }
        }
        var members: [String: [String]] = [:]
        try memberships.forEach { group, username in
            if taken.contains(username), membership(group, username) { members[group, default: []].append(username) }
        }
        var selected = self
        selected.users = BackupUsers(kept)
        selected.memberships = BackupMemberships(memberships.groups.compactMap { group in members[group].map { (group, $0) } },
                                                 users: selected.users)
        return selected
    }

    /// What a restore with `selection` puts in a pool: the items it names, or every item of the
    /// kinds it names, and nothing else of the backup's. Pool settings are not an item here: the
    /// restore asks the selection before it puts them back. Throws naming what the backup lacks.
    public func selected(by selection: RestoreSelection) throws -> BackupContents {
        switch selection.scope {
        case .whole: return self
        case .kinds(let kinds): return try keeping(kinds: kinds)
        case .named(let named): return try keeping(named)
        }
    }

    private func keeping(kinds: Set<RestoreSelection.Kind>) throws(BackupReadError) -> BackupContents {
        var selected = self
        // `--only memberships` needs the users, to find each one in the target; it creates none.
        if !kinds.contains(.users) && !kinds.contains(.memberships) { selected.users = BackupUsers([]) }
        if !kinds.contains(.memberships) || selected.users.count == 0 { selected.memberships = BackupMemberships([], users: selected.users) }
        if !kinds.contains(.groups) { selected.groups = [] }
        // Per-client UI, threat protection and branding go on the target's client of the same
        // name: the clients are matched even when they are not created (`PoolStructureRestore`).
        if kinds.isDisjoint(with: [.clients, .ui, .risk, .branding]) { selected.appClients = [] }
        if !kinds.contains(.providers) { selected.identityProviders = [] }
        if !kinds.contains(.resourceServers) { selected.resourceServers = [] }
        if !kinds.contains(.domain) {
            selected.domain = nil
            selected.customDomain = nil
        }
        if !kinds.contains(.ui) {
            selected.uiCustomization = .none
            selected.uiLogos = [:]
        }
        if !kinds.contains(.risk) { selected.riskConfiguration = .none }
        if !kinds.contains(.logs) { selected.logDelivery = nil }
        if !kinds.contains(.branding) {
            selected.managedLoginBranding = []
            selected.terms = []
        }
        return selected
    }

    /// Named users with all their memberships and the groups they are in; named groups with
    /// their members and only those members' memberships in them; named clients with their own
    /// UI customization, threat protection, branding and terms; named providers.
    private func keeping(_ named: RestoreSelection.Named) throws -> BackupContents {
        try RestoreSelectionError.check(named, in: self)
        var members = Set<String>()
        if !named.groups.isEmpty {
            try memberships.forEach { group, username in
                if named.groups.contains(group), users.contains(username: username) { members.insert(username) }
            }
        }
        var selected = try keeping(users: named.users.union(members)) { group, username in
            named.users.contains(username) || named.groups.contains(group)
        }
        let groups = named.groups.union(selected.memberships.groups)
        selected.groups = self.groups.filter { $0["GroupName"]?.string.map(groups.contains) ?? false }
        selected.appClients = appClients.filter { $0["ClientName"]?.string.map(named.clients.contains) ?? false }
        let clientIDs = Set(selected.appClients.compactMap { $0["ClientId"]?.string })
        selected.identityProviders = identityProviders.filter { $0["ProviderName"]?.string.map(named.providers.contains) ?? false }
        selected.resourceServers = []
        selected.domain = nil
        selected.customDomain = nil
        selected.uiCustomization.pool = nil
        selected.uiCustomization.clients.removeAll { !clientIDs.contains($0.clientID) }
        selected.uiLogos = uiLogos.filter { clientIDs.contains($0.key) }
        selected.riskConfiguration.pool = nil
        selected.riskConfiguration.clients.removeAll { !clientIDs.contains($0.clientID) }
        selected.logDelivery = nil
        selected.managedLoginBranding = managedLoginBranding.filter { clientIDs.contains($0.clientID) }
        selected.terms = terms.filter { $0["ClientId"]?.string.map(clientIDs.contains) ?? false }
        return selected
    }
}
