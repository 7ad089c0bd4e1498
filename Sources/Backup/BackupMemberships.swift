
/// The backup's group memberships. The pass that reads a backup file keeps each in 16 bytes
/// (96 bits of hashes of the username, and the group's number), which is what a
/// restore asks of them: the groups of one user. Whole lists are read again from the file.
public struct BackupMemberships: Sendable {
    /// Every group with members, in the backup's order.
    public let groups: [String]
    public let count: Int
    /// Memberships naming a user the backup does not have (a user deleted while it ran).
    public let strays: [(group: String, username: String)]
    /// Sorted by username hash.
    private let entries: [Entry]
    /// The backup's file, or the memberships of a pool read from Cognito.
    private let file: BackupFile?
    private let list: [(group: String, usernames: [String])]

    /// 96 bits of the username: two names taken for one about once in 2^96 / count² pairs.
    public struct Entry: Sendable, Comparable {
        let first: UInt64
        let second: UInt32
        let group: UInt32

        public init(username: String, group: Int) {
            first = SortedHashes.hash(username)
            var hasher = Hasher()
            hasher.combine(UInt8(0x2))  // another function of the same seed
            hasher.combine(UserKey(username))
            second = UInt32(truncatingIfNeeded: hasher.finalize())
            self.group = UInt32(group)
        }

        public static func < (lhs: Entry, rhs: Entry) -> Bool { (lhs.first, lhs.second, lhs.group) < (rhs.first, rhs.second, rhs.group) }
    }

    public init(_ list: [(group: String, usernames: [String])], users: BackupUsers? = nil) {
        groups = list.map(\.group)
        count = list.reduce(0) { $0 + $1.usernames.count }
        var entries = list.enumerated().flatMap { index, membership in membership.usernames.map { Entry(username: $0, group: index) } }
        entries.sort()
        self.entries = entries
        file = nil
        self.list = list
        strays = users.map { users in list.flatMap { membership in
            membership.usernames.filter { !users.contains(username: $0) }.map { (membership.group, $0) }
        } } ?? []
    }

    /// From the pass over `file`: `entries` sorted; strays are looked for among `users`.
    public init(file: BackupFile, groups: [String], entries: [Entry], users: BackupUsers) throws(BackupReadError) {
        self.groups = groups
        count = entries.count
        self.entries = entries
        self.file = file
        list = []
        var strays: [(group: String, username: String)] = []
        if entries.contains(where: { !users.contains(hash: $0.first) }) {
            try Self.forEach(in: file) { group, username in
                if !users.contains(username: username) { strays.append((group, username)) }
            }
        }
        self.strays = strays
    }

    /// The groups `username` (by its bytes) is a member of.
    public func groups(of username: String) -> [String] {
        let wanted = Entry(username: username, group: 0)
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if (entries[middle].first, entries[middle].second) < (wanted.first, wanted.second) { low = middle + 1 } else { high = middle }
        }
        var found: [String] = []
        while low < entries.count, entries[low].first == wanted.first, entries[low].second == wanted.second {
            found.append(groups[Int(entries[low].group)])
            low += 1
        }
        return found
    }

    /// Hands every membership to `body`, group by group in the backup's order, a username at a
    /// time: from the file, holding none of them.
    public func forEach(_ body: (_ group: String, _ username: String) throws(BackupReadError) -> Void) throws(BackupReadError) {
        guard let file else {
            for membership in list { for username in membership.usernames { try body(membership.group, username) } }
            return
        }
        try Self.forEach(in: file, body)
    }

    /// Reads `group_memberships` from `file`, already checked, a username at a time.
    private static func forEach(in file: BackupFile, _ body: (String, String) throws(BackupReadError) -> Void) throws(BackupReadError) {
        let text = JSONText(file.chunks())
        var scanner = BackupScanner(read: { () throws(BackupReadError) -> [UInt8]? in try text.next() })
        guard try scanner.seek(to: BackupFormat.Member.groupMemberships, opening: UInt8(ascii: "{")) else { return }
        while let group = try scanner.nextName(in: BackupFormat.Member.groupMemberships) {
            guard try scanner.enter(UInt8(ascii: "[")) else {
                try scanner.value(inside: group, limit: BackupScanner.maximumMemberBytes, keeping: false)
                continue
            }
            while let (bytes, offset) = try scanner.nextElement(of: group) {
                try body(group, try BackupScanner.parse(bytes, at: offset).string ?? "")
            }
        }
    }
}
