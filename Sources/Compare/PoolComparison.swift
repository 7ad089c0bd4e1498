import JSON

/// Two sides of a pool compared: a backup against a backup, or against the live pool. Both sides
/// are read whole before the first change is reported, so a side that cannot be read is an
/// error and never a shorter list; users and memberships are compared one partition at a time
/// (`Partitions`), so memory does not grow with the pool.
public struct PoolComparison: Sendable {
    public let old: ComparedSide
    public let new: ComparedSide

    public init(old: ComparedSide, new: ComparedSide) {
        self.old = old
        self.new = new
    }

    /// Counts per kind.
    public struct Summary: Sendable {
        public private(set) var counts: [Change.Kind: [Change.Action: Int]] = [:]

        public var identical: Bool { counts.isEmpty }

        mutating func count(_ change: Change) { counts[change.kind, default: [:]][change.action, default: 0] += 1 }

        public var json: JSON {
            .object(Change.Kind.allCases.compactMap { kind in
                counts[kind].map { byAction in
                    (kind.rawValue, ["added": .number(byAction[.added] ?? 0), "removed": .number(byAction[.removed] ?? 0),
                                     "changed": .number(byAction[.changed] ?? 0)])
                }
            })
        }

        public var text: String {
            guard !identical else { return "identical" }
            return Change.Kind.allCases.compactMap { kind in
                counts[kind].map { byAction in
                    let parts = [(Change.Action.added, "added"), (.removed, "removed"), (.changed, "changed")].compactMap { action, word in
                        byAction[action].map { "\($0) \(word)" }
                    }
                    return "\(kind.rawValue): " + parts.joined(separator: ", ")
                }
            }.joined(separator: "\n")
        }
    }

    /// Reports every change, kind by kind in `Change.Kind`'s order; users and memberships by
    /// partition, each partition's in username order.
    public func run(_ report: @escaping (Change) throws -> Void) async throws -> Summary {
        async let oldSide = old.read(name: "the first side")
        let newSide = try await new.read(name: "the second side")
        let oldRead = try await oldSide
        var summary = Summary()
        let emit = { (change: Change) throws in
            summary.count(change)
            try report(change)
        }
        for change in ConfigurationDifference(old: oldRead.configuration, new: newSide.configuration).changes() { try emit(change) }
        for partition in 0..<Partitions.count { try users(in: partition, oldRead.users, newSide.users, emit) }
        for partition in 0..<Partitions.count { try memberships(in: partition, oldRead.memberships, newSide.memberships, emit) }
        return summary
    }

    private func users(in partition: Int, _ a: Partitions, _ b: Partitions, _ emit: (Change) throws -> Void) throws {
        var before: [String: JSON] = [:]
        try a.forEach(in: partition) { record in before[record["Username"]?.string ?? ""] = record }
        var changes: [Change] = []
        try b.forEach(in: partition) { record in
            let name = record["Username"]?.string ?? ""
            guard let old = before.removeValue(forKey: name) else {
                changes.append(Change(kind: .users, action: .added, name: name))
                return
            }
            let fields = SettingDifference.fields(old, record, ignoring: ["Username"]).map { field in
                // An attribute is named as Cognito names it: `email`, `custom:tenant`.
                Change.Field(path: field.path.hasPrefix("Attributes.") ? String(field.path.dropFirst("Attributes.".count)) : field.path,
                             old: field.old, new: field.new)
            }
            if !fields.isEmpty { changes.append(Change(kind: .users, action: .changed, name: name, fields: fields)) }
        }
        changes += before.keys.map { Change(kind: .users, action: .removed, name: $0) }
        for change in changes.sorted(by: { $0.name < $1.name }) { try emit(change) }
    }

    private func memberships(in partition: Int, _ a: Partitions, _ b: Partitions, _ emit: (Change) throws -> Void) throws {
        let key = { (record: JSON) in (group: record.array?.first?.string ?? "", username: record.array?.last?.string ?? "") }
        var before = Set<String>()
        try a.forEach(in: partition) { record in
            let entry = key(record)
            before.insert("\(entry.username) in \(entry.group)")
        }
        var changes: [Change] = []
        try b.forEach(in: partition) { record in
            let entry = key(record)
            let name = "\(entry.username) in \(entry.group)"
            if before.remove(name) == nil { changes.append(Change(kind: .memberships, action: .added, name: name)) }
        }
        changes += before.map { Change(kind: .memberships, action: .removed, name: $0) }
        for change in changes.sorted(by: { $0.name < $1.name }) { try emit(change) }
    }
}
