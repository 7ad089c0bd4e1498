import AWSCore
import AWSServices
import Backup
import JSON
import Support

/// What `--exact` removes, each kind counted under the component that restores it.
public enum RemovalKind: String, Sendable, CaseIterable {
    case memberships = "group_memberships"
    case users
    case appClients = "app_clients"
    case identityProviders = "identity_providers"
    case resourceServers = "resource_servers"
    case groups
}

/// `restore --exact`: what the target has and the backup lacks is removed, kind by kind, in an
/// order in which nothing is ever referenced once gone: memberships, then users (a deleted user
/// takes her memberships along), then app clients, which are the only ones that name identity
/// providers and resource-server scopes, then those providers and resource servers, then groups
/// (a deleted group takes its members along: nobody is billed for them). App clients run after
/// `SettingsRevert.appClients`, so a client that stays names only what the backup has.
///
/// Each kind is listed afresh from the target and compared with the backup, so a rerun finds
/// nothing to remove and writes nothing. Deletes are idempotent: one whose answer was lost is
/// sent again by the retrying client, and the item not being found then means it is gone.
struct ExactRemoval: Sendable {
    typealias Kind = RemovalKind

    let cognito: any CognitoAPI
    let backup: BackupContents
    let poolID: String
    /// DescribeUserPool's `UserPool` of the target: whether its usernames are case-insensitive.
    let target: JSON
    /// Clients the mapping pairs with the backup's (found by name or created by this restore).
    let keptClients: Set<String>
    let concurrency: Int
    let report: RestoreReport

    func run(_ scope: RestoreOptions.Exact) async throws(RestoreFailure) {
        let members: BackupMembers
        do { members = try BackupMembers(backup: backup, target: target) } catch {
            throw RestoreFailure(step: "read the backup's users", poolID: poolID, underlying: error)
        }
        switch scope {
        case .usersMemberships:
            try await membershipsOfBackupUsers(members)
        case .pool(let kinds):
            if kinds.contains(.memberships) { try await memberships(members) }
            if kinds.contains(.users) { try await users(members) }
            if kinds.contains(.appClients) {
                try await remove(.appClients, listing: "ListUserPoolClients", operation: "DeleteUserPoolClient", key: "ClientId",
                                 name: { "\($0["ClientName"]?.string ?? "?") (\($0["ClientId"]?.string ?? "?"))" },
                                 keep: { keptClients.contains($0) })
            }
            if kinds.contains(.identityProviders) {
                try await removeNamed(.identityProviders, backup.identityProviders, listing: "ListIdentityProviders",
                                      operation: "DeleteIdentityProvider", key: "ProviderName")
            }
            if kinds.contains(.resourceServers) {
                try await removeNamed(.resourceServers, backup.resourceServers, listing: "ListResourceServers",
                                      operation: "DeleteResourceServer", key: "Identifier")
            }
            if kinds.contains(.groups) {
                try await removeNamed(.groups, backup.groups, listing: "ListGroups", operation: "DeleteGroup", key: "GroupName")
            }
        }
    }

    /// Items of a pool's list the backup has none of by `key`.
    private func removeNamed(_ kind: Kind, _ saved: [JSON], listing: String, operation: String, key: String) async throws(RestoreFailure) {
        let names = Set(saved.compactMap { $0[key]?.string })
        try await remove(kind, listing: listing, operation: operation, key: key, name: { $0[key]?.string ?? "?" }, keep: names.contains)
    }

    private func remove(_ kind: Kind, listing: String, operation: String, key: String, name: (JSON) -> String,
                        keep: (String) -> Bool) async throws(RestoreFailure) {
        let listed: [JSON]
        do { listed = try await cognito.listAll(listing, poolID: poolID) } catch {
            throw RestoreFailure(step: "\(listing), for what the backup lacks", poolID: poolID, underlying: error)
        }
        for item in listed {
            guard let id = item[key]?.string, !keep(id) else { continue }
            try Self.checkCancellation(poolID: poolID)
            try await delete(kind, operation, [key: .string(id)], name: name(item))
        }
    }

    /// One delete, counted as removed; not found on a retry after a lost answer is removed too.
    func delete(_ kind: Kind, _ operation: String, _ identity: JSONObject, name: String) async throws(RestoreFailure) {
        var request = identity
        request["UserPoolId"] = .string(poolID)
        try await report.attemptRemoval(kind.rawValue, name: name) { () throws(RestoreFailure) in
            do throws(RestoreFailure) {
                _ = try await cognito.call(operation, .object(request), step: "\(operation) \(name)", poolID: poolID)
            } catch let failure where ["UserNotFoundException", "ResourceNotFoundException"].contains(failure.awsError?.code ?? "") {
                // Gone already: an attempt whose answer was lost removed it, or someone else did.
                return
            }
        }
    }

    static func checkCancellation(poolID: String) throws(RestoreFailure) {
        do { try Task.checkCancellation() } catch {
            throw RestoreFailure(step: "remove what the backup lacks", poolID: poolID, underlying: error)
        }
    }

    /// Deletes `items` up to `concurrency` at a time; the first failure that must stop the
    /// restore stops the rest.
    func deleteAll<Item: Sendable>(_ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Void) async throws(RestoreFailure) {
        do {
            try await forEachConcurrently(items, limit: concurrency) { item in
                try Self.checkCancellation(poolID: poolID)
                try await body(item)
            }
        } catch let failure as RestoreFailure {
            throw failure
        } catch {
            throw RestoreFailure(step: "remove what the backup lacks", poolID: poolID, underlying: error)
        }
    }
}

extension RestoreSelection {
    /// What `--exact` removes under this selection: every kind it covers whole (the whole
    /// backup, or the kinds of `--only`); under named users, only their memberships the backup
    /// lacks. Named groups, clients or providers cover no kind whole, and remove nothing.
    public var exactRemoval: RestoreOptions.Exact {
        switch scope {
        case .whole: return .pool(Set(RemovalKind.allCases))
        case .kinds: return .pool(Set(RemovalKind.allCases.filter { coversAll($0.selectionKind) }))
        case .named: return .usersMemberships
        }
    }
}

extension RemovalKind {
    var selectionKind: RestoreSelection.Kind {
        switch self {
        case .memberships: .memberships
        case .users: .users
        case .appClients: .clients
        case .identityProviders: .providers
        case .resourceServers: .resourceServers
        case .groups: .groups
        }
    }
}
