import Backup
import JSON

/// Two sides of a pool compared: a backup against a backup, or against the live pool; or a backup
/// against a restore of it (`Restoration`), where what no restore carries is told apart from what
/// changed. Both sides are read whole before the first change is reported, so a side that cannot
/// be read is an error and never a shorter list; users and memberships are compared one partition
/// at a time (`Partitions`), so memory does not grow with the pool.
public struct PoolComparison: Sendable {
    public let old: ComparedSide
    public let new: ComparedSide
    public let restoration: Restoration?
    /// How users are recognised on both sides of a restore: by the backup's sign-in attributes.
    private let matching: UserMatching?

    public init(old: ComparedSide, new: ComparedSide) {
        self.old = old
        self.new = new
        restoration = nil
        matching = nil
    }

    /// `backup` against `restored`, a restore of it.
    public init(backup: BackupContents, restored: ComparedSide, restoration: Restoration) {
        old = .backup(backup)
        new = restored
        self.restoration = restoration
        matching = UserMatching(poolConfig: backup.poolConfig)
    }

    /// Counts per kind and action, and what was compared of the first side.
    public struct Summary: Sendable {
        public private(set) var counts: [Change.Kind: [Change.Action: Int]] = [:]
        /// The paths of the values not carried, per kind: what the text report sums up.
        public private(set) var notCarriedPaths: [Change.Kind: Set<String>] = [:]
        public internal(set) var firstSide = FirstSide()

        /// Only what no restore carries differs, if anything.
        public var identical: Bool { counts.values.allSatisfy { $0.keys.allSatisfy { $0 == .notCarried } } }

        public init() {}

        /// Counts one change: a caller that keeps only some of a comparison's changes counts those.
        public mutating func count(_ change: Change) {
            counts[change.kind, default: [:]][change.action, default: 0] += 1
            let notCarried = change.action == .notCarried ? change.fields : change.notCarried
            if !notCarried.isEmpty { notCarriedPaths[change.kind, default: []].formUnion(notCarried.map(\.path)) }
        }

        public func count(_ kind: Change.Kind, _ action: Change.Action) -> Int { counts[kind]?[action] ?? 0 }

        /// `{kind: {added, removed, changed[, not_carried]}}`: `not_carried` where there is any.
        public var json: JSON {
            .object(Change.Kind.allCases.compactMap { kind in
                counts[kind].map { byAction in
                    var object: JSONObject = ["added": .number(byAction[.added] ?? 0), "removed": .number(byAction[.removed] ?? 0),
                                              "changed": .number(byAction[.changed] ?? 0)]
                    if let notCarried = byAction[.notCarried] { object["not_carried"] = .number(notCarried) }
                    return (kind.rawValue, .object(object))
                }
            })
        }

        public var text: String {
            guard !counts.isEmpty else { return "identical" }
            let lines = Change.Kind.allCases.compactMap { kind in
                counts[kind].map { byAction in
                    var line = "\(kind.rawValue): " + Change.Action.allCases.compactMap { action in byAction[action].map { "\($0) \(action.word)" } }
                        .joined(separator: ", ")
                    if let paths = notCarriedPaths[kind] { line += " (" + paths.sorted().joined(separator: ", ") + ")" }
                    return line
                }
            }
            return ((identical ? ["identical but for what no restore carries"] : []) + lines).joined(separator: "\n")
        }
    }

    /// What the first side held of users, memberships and links, for a report of what was
    /// compared ("61 users").
    public struct FirstSide: Sendable {
        public internal(set) var users = 0
        /// Users that only sign in through a provider: Cognito recreates them at their next sign-in.
        public internal(set) var federatedUsers = 0
        /// Memberships of users that are not federated-only.
        public internal(set) var memberships = 0
        /// Links of matched users to providers the second side has, and to providers it lacks.
        public internal(set) var linkedIdentities = 0
        public internal(set) var linkedWithoutProvider = 0
    }

    /// Reports every change, kind by kind in `Change.Kind`'s order; users and memberships by
    /// partition, each partition's in name order.
    public func run(_ report: @escaping (Change) throws -> Void) async throws -> Summary {
        async let oldSide = old.read(name: "the first side", matching: matching)
        let newSide = try await new.read(name: "the second side", matching: matching)
        let oldRead = try await oldSide
        var summary = Summary()
        let emit = { (change: Change) throws in
            summary.count(change)
            try report(change)
        }
        for change in ConfigurationDifference(old: oldRead.configuration, new: newSide.configuration, restoration: restoration).changes() {
            try emit(change)
        }
        var users = UserDifference(restored: restoration != nil,
                                   providers: Set(newSide.configuration.identityProviders.compactMap { $0["ProviderName"]?.string }))
        for partition in 0..<Partitions.count { try users.compare(partition, oldRead.users, newSide.users, emit) }
        var memberships = 0
        for partition in 0..<Partitions.count { memberships += try self.memberships(in: partition, oldRead.memberships, newSide.memberships, emit) }
        summary.firstSide = users.firstSide
        summary.firstSide.memberships = memberships
        return summary
    }

    /// The partition's memberships compared; returns how many the first side has.
    private func memberships(in partition: Int, _ a: Partitions, _ b: Partitions, _ emit: (Change) throws -> Void) throws -> Int {
        let name = { (record: JSON) in "\(record.array?.last?.string ?? "") in \(record.array?.first?.string ?? "")" }
        var before = Set<UserKey>()
        try a.forEach(in: partition) { before.insert(UserKey(name($0))) }
        let count = before.count
        var changes: [Change] = []
        try b.forEach(in: partition) { record in
            let entry = name(record)
            if before.remove(UserKey(entry)) == nil { changes.append(Change(kind: .memberships, action: .added, name: entry)) }
        }
        changes += before.map { Change(kind: .memberships, action: .removed, name: $0.text) }
        for change in changes.sorted(by: { UserKey($0.name) < UserKey($1.name) }) { try emit(change) }
        return count
    }
}
