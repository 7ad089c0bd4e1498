import Support

/// What of a backup a restore into an existing pool writes: all of it, every item of the kinds
/// `--only` names, or the items named by `--user`, `--group`, `--client` and `--provider`.
/// Kinds and named items do not mix: "only the clients, and this user" has no one reading, so
/// `combining` refuses it. Named items add up: `--user a --group g` is a, g and g's members.
public struct RestoreSelection: Sendable, Equatable {
    /// What `--only` names, in the order the help lists them.
    public enum Kind: String, Sendable, CaseIterable, Comparable {
        case users, memberships, groups, clients, providers
        case resourceServers = "resource-servers"
        /// Pool settings, MFA configuration and triggers included (UpdateUserPool, SetUserPoolMfaConfig).
        case settings
        case ui, risk, domain
        case logs
        /// Managed login branding and terms documents.
        case branding

        public static func < (lhs: Kind, rhs: Kind) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Items by the names a person knows them by.
    public struct Named: Sendable, Equatable {
        public var users: Set<String> = []
        public var groups: Set<String> = []
        /// App clients' `ClientName`.
        public var clients: Set<String> = []
        /// Identity providers' `ProviderName`.
        public var providers: Set<String> = []

        public init(users: Set<String> = [], groups: Set<String> = [], clients: Set<String> = [], providers: Set<String> = []) {
            self.users = users
            self.groups = groups
            self.clients = clients
            self.providers = providers
        }

        var isEmpty: Bool { users.isEmpty && groups.isEmpty && clients.isEmpty && providers.isEmpty }
    }

    enum Scope: Sendable, Equatable {
        case whole
        case kinds(Set<Kind>)
        case named(Named)
    }

    let scope: Scope

    public static let whole = RestoreSelection(scope: .whole)

    public static func only(_ kinds: Set<Kind>) -> RestoreSelection { RestoreSelection(scope: kinds.isEmpty ? .whole : .kinds(kinds)) }

    public static func named(_ items: Named) -> RestoreSelection { RestoreSelection(scope: items.isEmpty ? .whole : .named(items)) }

    /// The selection a command line asks for: `only` holds `--only`'s values (each may list kinds
    /// separated by commas), `items` the named ones.
    public static func combining(only: [String], items: Named) throws(RestoreSelectionUsageError) -> RestoreSelection {
        var kinds = Set<Kind>()
        for value in only {
            for word in value.split(separator: ",", omittingEmptySubsequences: false) {
                let name = word.trimmingCharacters(in: " ")
                guard let kind = Kind(rawValue: name) else { throw .unknownKind(name) }
                kinds.insert(kind)
            }
        }
        if !kinds.isEmpty, !items.isEmpty { throw .kindsWithNames }
        return kinds.isEmpty ? named(items) : RestoreSelection.only(kinds)
    }

    public var isWhole: Bool { scope == .whole }

    /// Items named one by one (`--user`, `--group`, `--client`, `--provider`), not whole kinds.
    public var isNamed: Bool { if case .named = scope { true } else { false } }

    /// Whether the restore may write anything of `kind`: every item of it, or some named one.
    public func includes(_ kind: Kind) -> Bool {
        switch scope {
        case .whole: return true
        case .kinds(let kinds): return kinds.contains(kind)
        case .named(let named):
            switch kind {
            // A user comes back with her groups; a group with its members.
            case .users, .memberships, .groups: return !named.users.isEmpty || !named.groups.isEmpty
            // A client comes back with its own UI customization, threat protection and branding.
            case .clients, .ui, .risk, .branding: return !named.clients.isEmpty
            case .providers: return !named.providers.isEmpty
            case .resourceServers, .settings, .domain, .logs: return false
            }
        }
    }

    /// Whether the restore takes every item of `kind`, so that one the backup lacks is the
    /// backup's to remove (`--exact`): never for named items, which say nothing of the others.
    public func coversAll(_ kind: Kind) -> Bool {
        switch scope {
        case .whole: return true
        case .kinds(let kinds): return kinds.contains(kind)
        case .named: return false
        }
    }

    public func includesGroup(_ name: String) -> Bool { includes(.groups, named: name, in: \.groups) }
    public func includesClient(_ name: String) -> Bool { includes(.clients, named: name, in: \.clients) }
    public func includesProvider(_ name: String) -> Bool { includes(.providers, named: name, in: \.providers) }

    /// For a named selection, whether `name` is one of its items of that kind; otherwise whether the kind is in.
    private func includes(_ kind: Kind, named name: String, in items: KeyPath<Named, Set<String>>) -> Bool {
        guard case .named(let named) = scope else { return includes(kind) }
        return named[keyPath: items].contains(name)
    }

    /// How much of one of the backup's users a restore writes.
    public enum UserPart: Sendable, Equatable {
        /// The user: created if missing, her state, identities, MFA preferences and memberships
        /// put back (and with `--revert` her attributes).
        case whole
        /// A member of a named group: created whole if the target lacks her; if it has her,
        /// only her memberships are written.
        case ifMissing
        /// `--only memberships` without users: never created, her memberships written if the
        /// target has her.
        case membershipsOnly
    }

    /// What the restore writes of `username`, a user the selected backup holds.
    public func part(ofUser username: String) -> UserPart {
        switch scope {
        case .whole: return .whole
        case .kinds(let kinds): return kinds.contains(.users) ? .whole : .membershipsOnly
        case .named(let named): return named.users.contains(username) ? .whole : .ifMissing
        }
    }

    /// What names a selected restore's own mapping file (`<backup>.<name>-restore-mapping.json`),
    /// so that it never takes the place of the whole restore's journal: nil for the whole backup,
    /// `users`, `groups`, `clients`, `providers` joined by `-` for named items, `only-` and the
    /// kinds for `--only`.
    public var mappingName: String? {
        switch scope {
        case .whole: return nil
        case .kinds(let kinds): return "only-" + kinds.sorted().map(\.rawValue).joined(separator: "-")
        case .named(let named):
            let parts: [(String, Set<String>)] = [("users", named.users), ("groups", named.groups), ("clients", named.clients),
                                                  ("providers", named.providers)]
            return parts.filter { !$0.1.isEmpty }.map(\.0).joined(separator: "-")
        }
    }
}

/// A command line's selection that means nothing: refused before the backup is read.
public enum RestoreSelectionUsageError: Error, Equatable, CustomStringConvertible {
    case unknownKind(String)
    case kindsWithNames

    public var description: String {
        switch self {
        case .unknownKind(let kind):
            "--only: unknown kind \"\(kind)\"; the kinds are " + RestoreSelection.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        case .kindsWithNames:
            "--only chooses kinds, --user, --users-file, --group, --client and --provider name items: use one or the other"
        }
    }
}
