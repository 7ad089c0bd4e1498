import Backup
import JSON
import Support

/// What changed identity in a restore, for applications to re-key their data: Cognito gives every
/// user a new `sub` and every app client a new id. Written as soon as the target pool is known,
/// it is also the restore's journal: a second run finds the pool the first one created.
public struct RestoreMapping: Sendable {
    public var sourcePoolID: String
    public var backupTimestamp: String
    /// This restore's name, written before the pool is created and set on it as the tag
    /// `RestoreMapping.tagKey`: a run that never heard CreateUserPool's answer finds the pool by it.
    public var restoreID: String
    /// nil between writing the journal and hearing that the pool was created.
    public var targetPoolID: String?
    /// Whether the restore created the target pool (and so also owns its pool-level settings).
    public var createdPool: Bool
    public var complete: Bool
    public var appClients: [AppClient]
    /// On disk, not in memory (see `MappedUsers`). Users that only signed in through an external
    /// provider are among them, apart: Cognito recreates them at their next sign-in, with a `sub`
    /// nobody can know yet.
    public var users: MappedUsers

    public struct AppClient: Sendable, Equatable {
        public let name: String
        public let oldID: String
        public let newID: String
    }

    public struct User: Sendable, Equatable {
        public let oldUsername: String
        public let newUsername: String?
        public let oldSub: String?
        public let newSub: String?
    }

    public static let tagKey = "cognito-backup:restore-id"

    public init(sourcePoolID: String, backupTimestamp: String, restoreID: String, targetPoolID: String?, createdPool: Bool,
                complete: Bool = false, appClients: [AppClient] = [], users: MappedUsers = MappedUsers()) {
        self.sourcePoolID = sourcePoolID
        self.backupTimestamp = backupTimestamp
        self.restoreID = restoreID
        self.targetPoolID = targetPoolID
        self.createdPool = createdPool
        self.complete = complete
        self.appClients = appClients
        self.users = users
    }

    /// The mapping as JSON, handed to `emit` a piece at a time: the users go straight from disk
    /// to `emit`, so a mapping of a million users is never whole in memory.
    public func write(_ emit: ([UInt8]) throws -> Void) throws {
        let header: JSON = [
            "source_pool_id": .string(sourcePoolID),
            "backup_timestamp": .string(backupTimestamp),
            "restore_id": .string(restoreID),
            "target_pool_id": targetPoolID.map(JSON.string) ?? .null,
            "created_pool": .bool(createdPool),
            "complete": .bool(complete),
            "app_clients": .object(appClients.map { ($0.oldID, ["name": .string($0.name), "new_client_id": .string($0.newID)]) }),
        ]
        // The header's members, its object left open for the two sections of users.
        try emit(Array(header.serializedBytes.dropLast()))
        for (name, federated) in [("users", false), ("federated_users", true)] {
            try emit(Array(",\"\(name)\":{".utf8))
            var first = true
            try users.forEach(federated: federated) { user in
                var entry: JSONObject = ["old_sub": user.oldSub.map(JSON.string) ?? .null, "new_sub": user.newSub.map(JSON.string) ?? .null]
                if let newUsername = user.newUsername, newUsername != user.oldUsername { entry["new_username"] = .string(newUsername) }
                try emit((first ? [] : [UInt8(ascii: ",")]) + JSON.string(user.oldUsername).serializedBytes + [UInt8(ascii: ":")]
                    + JSON.object(entry).serializedBytes)
                first = false
            }
            try emit([UInt8(ascii: "}")])
        }
        try emit(Array("}\n".utf8))
    }

    /// A mapping from the JSON `write` wrote, read a piece at a time from `chunks`: its users go
    /// to disk as they are read.
    public static func read(_ chunks: @escaping () throws(BackupReadError) -> [UInt8]?) throws -> RestoreMapping {
        var scanner = BackupScanner(read: chunks)
        var members: [String: JSON] = [:]
        let users = MappedUsers()
        try scanner.open()
        while let name = try scanner.nextName(in: "the mapping") {
            let federated = name == "federated_users"
            guard name == "users" || federated, try scanner.enter(UInt8(ascii: "{")) else {
                let offset = scanner.position
                members[name] = try BackupScanner.parse(try scanner.value(inside: name, limit: BackupScanner.maximumMemberBytes), at: offset)
                continue
            }
            while let oldUsername = try scanner.nextName(in: name) {
                let offset = scanner.position
                let entry = try BackupScanner.parse(try scanner.value(inside: name, limit: BackupScanner.maximumUserBytes), at: offset)
                try users.append(User(oldUsername: oldUsername, newUsername: entry["new_username"]?.string ?? oldUsername,
                                      oldSub: entry["old_sub"]?.string, newSub: entry["new_sub"]?.string), federated: federated)
            }
        }
        try scanner.close()
        guard let source = members["source_pool_id"]?.string else {
            throw MappingFileError(reason: "not a restore mapping file: no source_pool_id")
        }
        // Journals written before restore ids existed name no id; their pool carries no tag.
        return RestoreMapping(sourcePoolID: source, backupTimestamp: members["backup_timestamp"]?.string ?? "",
                              restoreID: members["restore_id"]?.string ?? "", targetPoolID: members["target_pool_id"]?.string,
                              createdPool: members["created_pool"]?.bool ?? false, complete: members["complete"]?.bool ?? false,
                              appClients: (members["app_clients"]?.object?.members ?? []).map {
                                  AppClient(name: $0.value["name"]?.string ?? "", oldID: $0.key, newID: $0.value["new_client_id"]?.string ?? "")
                              },
                              users: users)
    }

    /// Whether this mapping records a restore of `backup` (and so may be resumed).
    public func records(_ backup: BackupContents) -> Bool {
        sourcePoolID == backup.sourcePoolID && backupTimestamp == backup.timestamp
    }

    /// 128 random bits, in hex: unique enough to tell this restore's pool from any other.
    public static func newRestoreID() -> String {
        var random = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(random.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}

/// Where a restore keeps its mapping between and after runs.
public protocol MappingStore: Sendable {
    func load() async throws -> RestoreMapping?
    func save(_ mapping: RestoreMapping) async throws
}

/// A mapping file on disk, replaced whole on each save so a killed restore leaves the last
/// complete version. Only its owner may read it: it pairs users' e-mail addresses with their subs.
public struct MappingFile: MappingStore {
    public let path: String

    public init(path: String) { self.path = path }

    public func load() async throws -> RestoreMapping? {
        guard let file = BackupFile(path: path) else { return nil }
        do {
            return try RestoreMapping.read(file.chunks())
        } catch {
            throw MappingFileError(reason: "mapping file \(path) is unreadable (\(error)); move it away to start a new restore")
        }
    }

    public func save(_ mapping: RestoreMapping) async throws {
        try FileIO.writeAtomically(to: path, mode: 0o600) { write in try mapping.write { bytes in try write(bytes) } }
    }
}
