import Backup
import Support
import JSON
import Synchronization

/// The users of a restore mapping (old → new username and sub), kept on disk as they are
/// recorded, one line each, rather than in memory: a million of them would take hundreds of
/// megabytes as values. Users only a provider can sign in (`federated`) are kept apart in the
/// mapping file, and counted apart.
public final class MappedUsers: Sendable {
    private struct State {
        var spool: ScratchFile?
        var buffer: [UInt8] = []
        var count = 0
        var federatedCount = 0
    }

    private let state = Mutex(State())
    /// Written to disk once this much is waiting.
    private static let flushBytes = 64 * 1024

    public init() {}

    public var count: Int { state.withLock { $0.count } }
    public var federatedCount: Int { state.withLock { $0.federatedCount } }

    public func append(_ user: RestoreMapping.User, federated: Bool = false) throws(FileError) {
        let line = JSON.array([.bool(federated), .string(user.oldUsername), user.newUsername.map(JSON.string) ?? .null,
                               user.oldSub.map(JSON.string) ?? .null, user.newSub.map(JSON.string) ?? .null]).serializedBytes + [0x0A]
        try state.withLock { (state) throws(FileError) in
            state.buffer += line
            if federated { state.federatedCount += 1 } else { state.count += 1 }
            if state.buffer.count >= Self.flushBytes { try Self.flush(&state) }
        }
    }

    /// Every user recorded, in order: the native ones or the `federated` ones.
    public func forEach(federated: Bool, _ body: (RestoreMapping.User) throws -> Void) throws {
        let read = try state.withLock { (state) throws(FileError) in
            try Self.flush(&state)
            return state.spool?.chunks()
        }
        guard let read else { return }
        var line: [UInt8] = []
        while let chunk = try read() {
            for byte in chunk {
                guard byte == 0x0A else { line.append(byte); continue }
                let fields = try JSON(parsing: line).array ?? []
                line.removeAll(keepingCapacity: true)
                guard fields.count == 5, fields[0].bool == federated, let oldUsername = fields[1].string else { continue }
                try body(RestoreMapping.User(oldUsername: oldUsername, newUsername: fields[2].string, oldSub: fields[3].string,
                                             newSub: fields[4].string))
            }
        }
    }

    /// Every user recorded, in memory: for a mapping known to be small.
    public func all(federated: Bool = false) throws -> [RestoreMapping.User] {
        var users: [RestoreMapping.User] = []
        try forEach(federated: federated) { users.append($0) }
        return users
    }

    /// The new subs of the users recorded: those this restore created.
    func newSubs() throws -> SortedHashes {
        var hashes: [UInt64] = []
        try forEach(federated: false) { user in if let sub = user.newSub { hashes.append(SortedHashes.hash(sub)) } }
        hashes.sort()
        return SortedHashes(sorted: hashes)
    }

    private static func flush(_ state: inout State) throws(FileError) {
        guard !state.buffer.isEmpty else { return }
        if state.spool == nil { state.spool = try ScratchFile(for: "the restore's user mapping") }
        try state.spool!.write(state.buffer)
        state.buffer.removeAll(keepingCapacity: true)
    }
}
