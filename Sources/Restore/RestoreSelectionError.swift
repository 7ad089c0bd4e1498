import Backup

/// A restore named an item the backup does not hold: nothing was written. Names what it has of
/// that kind, the closest first, so a typo is seen at once.
public struct RestoreSelectionError: Error, CustomStringConvertible, Equatable {
    /// "user", "group", "app client", "identity provider".
    public let kind: String
    public let missing: [String]
    /// The backup's names closest to the missing ones, or (for a short list) all of them.
    public let suggestions: [String]
    /// How many of the backup's names of that kind `suggestions` leaves out.
    public let more: Int
    /// Whether `suggestions` are the names close to the missing ones, closest first (otherwise
    /// all of the backup's, none being close).
    public let close: Bool

    public var description: String {
        var text = "the backup has no \(kind) " + missing.joined(separator: ", ")
        if suggestions.isEmpty {
            text += " (and none of a close name)"
        } else {
            text += (close ? " (close: " : " (it has: ") + suggestions.joined(separator: ", ") + (more > 0 ? ", and \(more) more" : "") + ")"
        }
        return text
    }

    /// How many names a message lists at most.
    static let listed = 10

    /// Throws for the first kind of `named` whose items the backup lacks. A backup's users are
    /// too many to list: only those of a close name are named.
    static func check(_ named: RestoreSelection.Named, in backup: BackupContents) throws {
        let missingUsers = named.users.filter { !backup.users.contains(username: $0) }.sorted()
        if !missingUsers.isEmpty {
            var close: [(distance: Int, name: String)] = []
            let reader = backup.users.reader()
            while let user = try reader.next() {
                if let distance = closeness(of: user.username, to: missingUsers) { close.append((distance, user.username)) }
            }
            throw Self(kind: "user", missing: missingUsers, close: close)
        }
        let lists: [(kind: String, wanted: Set<String>, have: [String])] = [
            ("group", named.groups, backup.groups.compactMap { $0["GroupName"]?.string }),
            ("app client", named.clients, backup.appClients.compactMap { $0["ClientName"]?.string }),
            ("identity provider", named.providers, backup.identityProviders.compactMap { $0["ProviderName"]?.string }),
        ]
        for (kind, wanted, have) in lists {
            let missing = wanted.subtracting(have).sorted()
            guard !missing.isEmpty else { continue }
            let close = Set(have).compactMap { name in closeness(of: name, to: missing).map { (distance: $0, name: name) } }
            throw close.isEmpty ? Self(kind: kind, missing: missing, all: have) : Self(kind: kind, missing: missing, close: close)
        }
    }

    init(kind: String, missing: [String], close names: [(distance: Int, name: String)]) {
        self.init(kind: kind, missing: missing, suggestions: names.sorted { ($0.distance, $0.name) < ($1.distance, $1.name) }.map(\.name),
                  close: true)
    }

    init(kind: String, missing: [String], all names: [String]) {
        self.init(kind: kind, missing: missing, suggestions: Set(names).sorted(), close: false)
    }

    private init(kind: String, missing: [String], suggestions: [String], close: Bool) {
        self.kind = kind
        self.missing = missing
        self.suggestions = Array(suggestions.prefix(Self.listed))
        more = max(0, suggestions.count - Self.listed)
        self.close = close
    }

    /// How close `name` is to the nearest of `wanted`, whatever the case: 0 when one contains
    /// the other, else the edits apart if they are few (a third of the wanted name's length, at
    /// least one); nil when it is not close.
    static func closeness(of name: String, to wanted: [String]) -> Int? {
        let have = name.lowercased()
        return wanted.compactMap { wantedName -> Int? in
            let want = wantedName.lowercased()
            if !have.isEmpty, !want.isEmpty, have.contains(want) || want.contains(have) { return 0 }
            let allowed = max(1, want.count / 3)
            guard abs(have.count - want.count) <= allowed else { return nil }
            let distance = editDistance(Array(have), Array(want))
            return distance <= allowed ? distance : nil
        }.min()
    }

    /// Levenshtein distance, one row at a time.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var row = [i + 1]
            for (j, y) in b.enumerated() { row.append(min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1))) }
            previous = row
        }
        return previous[b.count]
    }
}
