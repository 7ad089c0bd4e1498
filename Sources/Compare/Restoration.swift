import Backup
import JSON

/// What a restore carries over, for comparing a backup (the first side) with a restore of it
/// (the second): what differs only where a restore cannot carry it (a new `sub`, the status a
/// recreated user starts in, ids, dates, the pool's id) is reported as `Change.Action.notCarried`,
/// never as a change. The rules of the configuration are the restore's own (it knows what it
/// sends Cognito), handed in as `carried`, since this module sits below the restore.
public struct Restoration: Sendable {
    /// An item of the configuration as a restore writes it: its members the restore leaves out
    /// are not carried. nil: the restore writes nothing of the item (a standard attribute of the
    /// schema). Called with the item's kind, its name (a setting's item is `pool`; a domain's
    /// `prefix` or `custom`) and the item as described.
    public let carried: @Sendable (_ kind: Change.Kind, _ name: String, _ item: JSON) -> JSON?
    /// Backup client id → the id the restore gave its client (the restore's mapping); clients it
    /// does not name are paired by name.
    public let clients: [String: String]

    public init(clients: [String: String] = [:], carried: @escaping @Sendable (Change.Kind, String, JSON) -> JSON?) {
        self.clients = clients
        self.carried = carried
    }

    /// What a restore never carries of a user: Cognito gives each created user a new `sub` and,
    /// in a pool that signs in by email or phone, a new username; a user's status is what her
    /// creation makes it (FORCE_CHANGE_PASSWORD, RESET_REQUIRED by an import) or, for a user the
    /// restore found, what it was; `identities` is rewritten by linking (only its links carry,
    /// compared apart).
    static let userNotCarried: Set<String> = ["Username", "UserStatus", "Attributes.sub", "Attributes.identities"]
}
