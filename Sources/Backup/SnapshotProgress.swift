import JSON

/// How far a backup has read its pool and written its object, in what the next invocation needs
/// to go on: the configuration's counts (the configuration itself is already in the object),
/// the user streams' positions, the groups whose memberships are written, and what the object's
/// last members will say (late users, deleted groups, warnings).
struct SnapshotProgress: Sendable {
    var users = UserReadPositions()
    var userCount = 0
    /// `RecentUsers`' names: the users section's recent users, checked against the memberships.
    var recentUsers: [String] = []
    var readMFA: Bool
    var estimatedUsers: Int?
    /// app_clients, identity_providers, resource_servers: the record's counts.
    var counts: [String: Int]
    var warnings: [BackupWarning]
    /// Every group, in ListGroups' order, and those whose membership arrays are written.
    var groups: [String]
    var groupsDone: [String] = []
    var membershipsBegun = false
    /// The group whose array the last invocation left open, read first by the next.
    var openGroup: OpenMembershipGroup?
    var memberships = 0
    /// `users_found_in_groups` so far, by username.
    var lateUsers: [String: JSON] = [:]
    var deletedGroups: [String] = []

    init(configuration: PoolReader.Configuration, readMFA: Bool) {
        self.readMFA = readMFA
        estimatedUsers = configuration.estimatedUsers
        counts = Dictionary(uniqueKeysWithValues: [BackupFormat.Member.appClients, BackupFormat.Member.identityProviders, BackupFormat.Member.resourceServers].map { ($0, configuration.count($0)) })
        warnings = configuration.warnings
        groups = configuration.groups.compactMap { $0["GroupName"]?.string }
    }

    /// The groups whose arrays are still to write, the open one first.
    var groupsLeft: [String] {
        let done = Set(groupsDone)
        let left = groups.filter { !done.contains($0) && $0 != openGroup?.name }
        return (openGroup.map { [$0.name] } ?? []) + left
    }

    /// The hashes `BackupCheckpoint` packs apart: the user streams', then the open group's.
    var hashBytes: [UInt8] { users.hashBytes + UserReadPositions.packed(openGroup?.written ?? []) }

    /// Everything but the hashes.
    var json: JSON {
        [
            "users": users.json, "user_count": .number(userCount), "recent_users": .array(recentUsers.map(JSON.string)),
            "read_mfa": .bool(readMFA), "estimated_users": estimatedUsers.map(JSON.number) ?? .null,
            "counts": .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .number($0.value)) }),
            "warnings": .array(warnings.map(\.json)), "groups": .array(groups.map(JSON.string)),
            "groups_done": .array(groupsDone.map(JSON.string)), "memberships_begun": .bool(membershipsBegun),
            "open_group": openGroup.map { ["name": .string($0.name), "next": .string($0.next), "written": .number($0.written.count)] } ?? .null,
            "memberships": .number(memberships), "late_users": .object(lateUsers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }),
            "deleted_groups": .array(deletedGroups.map(JSON.string)),
        ]
    }

    init(json: JSON, hashBytes: ArraySlice<UInt8>) throws(CheckpointDamaged) {
        func strings(_ key: String) throws(CheckpointDamaged) -> [String] {
            guard let list = json[key]?.array?.compactMap(\.string), list.count == json[key]?.array?.count else {
                throw CheckpointDamaged(reason: "its '\(key)' is not a list of strings")
            }
            return list
        }
        guard let userCount = json["user_count"]?.int, let readMFA = json["read_mfa"]?.bool, let counts = json["counts"]?.object,
              let warnings = json["warnings"]?.array, let membershipsBegun = json["memberships_begun"]?.bool,
              let memberships = json["memberships"]?.int, let lateUsers = json["late_users"]?.object, let users = json["users"] else {
            throw CheckpointDamaged(reason: "its progress lacks a member")
        }
        self.users = try UserReadPositions(json: users, hashBytes: hashBytes)
        if let open = json["open_group"], !open.isNull {
            let start = hashBytes.startIndex + self.users.hashByteCount
            guard let name = open["name"]?.string, let next = open["next"]?.string, let count = open["written"]?.int, count >= 0,
                  hashBytes.endIndex - start >= count * 8 else {
                throw CheckpointDamaged(reason: "its open group is unreadable")
            }
            openGroup = OpenMembershipGroup(name: name, next: next, written: UserReadPositions.unpacked(hashBytes[start..<start + count * 8]))
        }
        self.userCount = userCount
        recentUsers = try strings("recent_users")
        self.readMFA = readMFA
        estimatedUsers = json["estimated_users"]?.int
        self.counts = Dictionary(uniqueKeysWithValues: counts.members.map { ($0.key, $0.value.int ?? 0) })
        self.warnings = warnings.map { BackupWarning(component: $0["component"]?.string ?? "", reason: $0["reason"]?.string ?? "") }
        groups = try strings("groups")
        groupsDone = try strings("groups_done")
        self.membershipsBegun = membershipsBegun
        self.memberships = memberships
        self.lateUsers = Dictionary(uniqueKeysWithValues: lateUsers.members.map { ($0.key, $0.value) })
        deletedGroups = try strings("deleted_groups")
    }
}
