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
    /// Usernames that differ only in case, each group in the backup's order.
    public let caseFoldedDuplicates: [[String]]

    public init(_ users: [PoolUser]) {
        count = users.count
        file = nil
        rest = users
        names = SortedHashes(users.map(\.username))
        caseFoldedDuplicates = Self.duplicates(users.map(\.username))
    }

    /// The users of `file`'s `users` array, already checked by the pass that counted them,
    /// followed by `rest`; `names` and `foldedNames` are the hashes of all their usernames, as
    /// they are and folded (`UserKey.folded`), sorted.
    init(file: BackupFile, count: Int, names: [UInt64], foldedNames folded: [UInt64], rest: [PoolUser]) throws(BackupReadError) {
        self.count = count
        self.file = file
        self.rest = rest
        self.names = SortedHashes(sorted: names)
        // Names whose folded forms hash alike are read again to compare them exactly: few, or none.
        let clashing = Set(zip(folded, folded.dropFirst()).filter { $0.0 == $0.1 }.map(\.0))
        guard !clashing.isEmpty else {
            caseFoldedDuplicates = []
            return
        }
        var candidates: [String] = []
        let reader = Reader(file: file, rest: rest)
        while let user = try reader.next() {
            if clashing.contains(SortedHashes.hash(UserKey(user.username).folded.text)) { candidates.append(user.username) }
        }
        caseFoldedDuplicates = Self.duplicates(candidates)
    }

    /// Whether the backup has a user of this username (by its bytes; see `SortedHashes`).
    public func contains(username: String) -> Bool { names.contains(username) }

    /// As `contains(username:)`, for a hash from `SortedHashes.hash`.
    func contains(hash: UInt64) -> Bool { names.contains(hash: hash) }

    /// A reader from the first user.
    func reader() -> Reader { Reader(file: file, rest: rest) }

    /// Every user, in memory: for a comparison that needs them all at once (verify).
    public func all() throws(BackupReadError) -> [PoolUser] {
        var users: [PoolUser] = []
        let reader = reader()
        while let user = try reader.next() { users.append(user) }
        return users
    }

    private static func duplicates(_ usernames: [String]) -> [[String]] {
        var byFolded: [UserKey: [String]] = [:]
        for username in usernames { byFolded[UserKey(username).folded, default: []].append(username) }
        return byFolded.values.filter { $0.count > 1 }
    }

    /// Pulls users one at a time: parsed from the file's `users` array, then `rest`.
    final class Reader {
        private var scanner: BackupScanner?
        private var rest: IndexingIterator<[PoolUser]>
        private var started = false

        init(file: BackupFile?, rest: [PoolUser]) {
            scanner = file.map { file in
                let text = JSONText(file.chunks())
                return BackupScanner(read: { () throws(BackupReadError) -> [UInt8]? in try text.next() })
            }
            self.rest = rest.makeIterator()
        }

        func next() throws(BackupReadError) -> PoolUser? {
            if !started, scanner != nil {
                started = true
                guard try scanner!.seek(to: "users", opening: UInt8(ascii: "[")) else { scanner = nil; return rest.next() }
            }
            if scanner != nil {
                if let (bytes, offset) = try scanner!.nextElement(of: "users") {
                    guard let user = PoolUser(try BackupScanner.parse(bytes, at: offset)) else {
                        throw BackupReadError(offset: offset, reason: "a user without a Username")
                    }
                    return user
                }
                scanner = nil
            }
            return rest.next()
        }
    }
}
