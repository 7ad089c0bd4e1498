
/// The users of a backup. One read of a backup file checks and counts them and keeps 8 bytes a
/// user (a hash of the username); a restore reads them again from the file, a user at a time, so
/// memory does not grow with the pool. A pool read from Cognito holds its users in a list.
public struct BackupUsers: Sendable {
    public let count: Int
    /// The backup's file, whose `users` array comes first; nil for a list.
    private let file: BackupFile?
    /// Users after the file's array (`users_found_in_groups`), or all of a list's.
    private let rest: [PoolUser]
    private let names: SortedHashes

    public init(_ users: [PoolUser]) {
        count = users.count
        file = nil
        rest = users
        names = SortedHashes(users.map(\.username))
    }

    /// The users of `file`'s `users` array, already checked by the pass that counted them,
    /// followed by `rest`; `names` are the hashes of all their usernames, sorted.
    public init(file: BackupFile, count: Int, names: [UInt64], rest: [PoolUser]) {
        self.count = count
        self.file = file
        self.rest = rest
        self.names = SortedHashes(sorted: names)
    }

    /// Usernames that differ only in case, each group in the backup's order: read when a
    /// target is case-insensitive, with 8 bytes a user while reading. Names whose folded forms
    /// hash alike are read once more to compare them exactly: few, or none.
    public func caseFoldedDuplicates() throws(BackupReadError) -> [[String]] {
        var folded: [UInt64] = []
        folded.reserveCapacity(count)
        var reader = self.reader()
        while let user = try reader.next() { folded.append(SortedHashes.hash(UserKey(user.username).folded.text)) }
        folded.sort()
        let clashing = Set(zip(folded, folded.dropFirst()).filter { $0.0 == $0.1 }.map(\.0))
        guard !clashing.isEmpty else { return [] }
        var byFolded: [UserKey: [String]] = [:]
        reader = self.reader()
        while let user = try reader.next() {
            let key = UserKey(user.username).folded
            if clashing.contains(SortedHashes.hash(key.text)) { byFolded[key, default: []].append(user.username) }
        }
        return byFolded.values.filter { $0.count > 1 }
    }

    /// Whether the backup has a user of this username (by its bytes; see `SortedHashes`).
    public func contains(username: String) -> Bool { names.contains(username) }

    /// As `contains(username:)`, for a hash from `SortedHashes.hash`.
    public func contains(hash: UInt64) -> Bool { names.contains(hash: hash) }

    /// A reader from the first user.
    public func reader() -> Reader { Reader(file: file, rest: rest) }

    /// Pulls users one at a time: parsed from the file's `users` array, then `rest`.
    public final class Reader {
        private var scanner: BackupScanner?
        private var rest: IndexingIterator<[PoolUser]>
        private var started = false

        public init(file: BackupFile?, rest: [PoolUser]) {
            scanner = file.map { file in
                let text = JSONText(file.chunks())
                return BackupScanner(read: { () throws(BackupReadError) -> [UInt8]? in try text.next() })
            }
            self.rest = rest.makeIterator()
        }

        public func next() throws(BackupReadError) -> PoolUser? {
            // Let go for good at the end of the array (or when there is none): `rest` follows.
            guard var scanner else { return rest.next() }
            self.scanner = nil
            if !started {
                started = true
                guard try scanner.seek(to: BackupFormat.Member.users, opening: UInt8(ascii: "[")) else { return rest.next() }
            }
            guard let (bytes, offset) = try scanner.nextElement(of: BackupFormat.Member.users) else { return rest.next() }
            self.scanner = scanner
            guard let user = PoolUser(try BackupScanner.parse(bytes, at: offset)) else {
                throw BackupReadError(offset: offset, reason: "a user without a Username")
            }
            return user
        }
    }
}
