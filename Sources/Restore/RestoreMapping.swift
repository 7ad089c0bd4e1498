import JSON
import Support

/// What changed identity in a restore, for applications to re-key their data: Cognito gives every
/// user a new `sub` and every app client a new id. Written as soon as the target pool is known,
/// it is also the restore's journal: a second run finds the pool the first one created.
public struct RestoreMapping: Sendable, Equatable {
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
    public var users: [User]
    /// Users that only signed in through an external provider: Cognito recreates them at their
    /// next sign-in, with a `sub` nobody can know yet.
    public var federatedUsers: [User]

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
                complete: Bool = false, appClients: [AppClient] = [], users: [User] = [], federatedUsers: [User] = []) {
        self.sourcePoolID = sourcePoolID
        self.backupTimestamp = backupTimestamp
        self.restoreID = restoreID
        self.targetPoolID = targetPoolID
        self.createdPool = createdPool
        self.complete = complete
        self.appClients = appClients
        self.users = users
        self.federatedUsers = federatedUsers
    }

    public var json: JSON {
        func user(_ user: User) -> JSON {
            var entry: JSONObject = ["old_sub": user.oldSub.map(JSON.string) ?? .null, "new_sub": user.newSub.map(JSON.string) ?? .null]
            if let newUsername = user.newUsername, newUsername != user.oldUsername { entry["new_username"] = .string(newUsername) }
            return .object(entry)
        }
        return [
            "source_pool_id": .string(sourcePoolID),
            "backup_timestamp": .string(backupTimestamp),
            "restore_id": .string(restoreID),
            "target_pool_id": targetPoolID.map(JSON.string) ?? .null,
            "created_pool": .bool(createdPool),
            "complete": .bool(complete),
            "app_clients": .object(appClients.map { ($0.oldID, ["name": .string($0.name), "new_client_id": .string($0.newID)]) }),
            "users": .object(users.map { ($0.oldUsername, user($0)) }),
            "federated_users": .object(federatedUsers.map { ($0.oldUsername, user($0)) }),
        ]
    }

    public init(json: JSON) throws(MappingFileError) {
        guard let source = json["source_pool_id"]?.string else {
            throw MappingFileError(reason: "not a restore mapping file: no source_pool_id")
        }
        // Journals written before restore ids existed name no id; their pool carries no tag.
        let restoreID = json["restore_id"]?.string ?? ""
        func users(_ key: String) -> [User] {
            (json[key]?.object?.members ?? []).map { member in
                User(oldUsername: member.key, newUsername: member.value["new_username"]?.string ?? member.key,
                     oldSub: member.value["old_sub"]?.string, newSub: member.value["new_sub"]?.string)
            }
        }
        self.init(sourcePoolID: source, backupTimestamp: json["backup_timestamp"]?.string ?? "", restoreID: restoreID,
                  targetPoolID: json["target_pool_id"]?.string,
                  createdPool: json["created_pool"]?.bool ?? false, complete: json["complete"]?.bool ?? false,
                  appClients: (json["app_clients"]?.object?.members ?? []).map {
                      AppClient(name: $0.value["name"]?.string ?? "", oldID: $0.key, newID: $0.value["new_client_id"]?.string ?? "")
                  },
                  users: users("users"), federatedUsers: users("federated_users"))
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
        guard let bytes = FileIO.readBytes(path) else { return nil }
        do {
            return try RestoreMapping(json: try JSON(parsing: bytes))
        } catch {
            throw MappingFileError(reason: "mapping file \(path) is unreadable (\(error)); move it away to start a new restore")
        }
    }

    public func save(_ mapping: RestoreMapping) async throws {
        try FileIO.writeAtomically(mapping.json.serializedBytes + [0x0A], to: path, mode: 0o600)
    }
}
