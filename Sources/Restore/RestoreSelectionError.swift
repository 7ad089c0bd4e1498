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
    /// Whether `suggestions` are only the close ones (users: too many to list).
    public let onlyClose: Bool

    public var description: String {
        var text = "the backup has no \(kind) " + missing.joined(separator: ", ")
        if !suggestions.isEmpty {
            text += onlyClose ? " (close: " : " (it has: "
            text += suggestions.joined(separator: ", ") + (more > 0 ? ", and \(more) more" : "") + ")"
        } else if onlyClose {
            text += " (and none of a close name)"
        }
        return text
    }

    /// How many names a message lists at most.
    static let listed = 10

    /// Throws for the first kind of `named` whose items the backup lacks.
    static func check(_ named: RestoreSelection.Named, in backup: BackupContents) throws {
        let missingUsers = named.users.filter { !backup.users.contains(username: $0) }.sorted()
        if !missingUsers.isEmpty {
            var names: [String] = []
            let reader = backup.users.reader()
            while let user = try reader.next() { if isClose(user.username, toAnyOf: missingUsers) { names.append(user.username) } }
            throw Self(kind: "user", missing: missingUsers, suggestions: names, onlyClose: true)
        }
        let lists: [(kind: String, wanted: Set<String>, have: [String])] = [
            ("group", named.groups, backup.groups.compactMap { $0["GroupName"]?.string }),
            ("app client", named.clients, backup.appClients.compactMap { $0["ClientName"]?.string }),
            ("identity provider", named.providers, backup.identityProviders.compactMap { $0["ProviderName"]?.string }),
        ]
        for (kind, wanted, have) in lists {
            let missing = wanted.subtracting(have).sorted()
            guard !missing.isEmpty else { continue }
            let close = have.filter { isClose($0, toAnyOf: missing) }
            throw Self(kind: kind, missing: missing, suggestions: close.isEmpty ? Array(Set(have)).sorted() : close, onlyClose: false)
        }
    }

    init(kind: String, missing: [String], suggestions: [String], onlyClose: Bool) {
        self.kind = kind
        self.missing = missing
        self.suggestions = Array(suggestions.sorted().prefix(Self.listed))
        more = max(0, suggestions.count - Self.listed)
        self.onlyClose = onlyClose
    }

    /// One contains the other, whatever the case, or they are a few edits apart (a third of the
    /// wanted name's length, at least one).
    static func isClose(_ name: String, toAnyOf wanted: [String]) -> Bool {
        let have = name.lowercased()
        return wanted.contains { wantedName in
            let want = wantedName.lowercased()
            if !have.isEmpty, !want.isEmpty, have.contains(want) || want.contains(have) { return true }
            let allowed = max(1, want.count / 3)
            return abs(have.count - want.count) <= allowed && editDistance(Array(have), Array(want)) <= allowed
        }
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
