import Support
import JSON
import Synchronization

/// The backup object's members, written from the pool as it is read.
extension BackupJob {
    struct Snapshot {
        let users: Int
        let groups: Int
        let memberships: Int
        let counts: [String: Int]
        let warnings: Int
    }

    enum Written {
        case finished(Snapshot)
        case paused(SnapshotProgress)
    }

    /// The object's members, in order: identity and configuration first, then users and group
    /// memberships (the large parts, streamed), then what changed or was missing while the pool
    /// was read, and the read's time window. From `saved` on, when a checkpoint left it.
    ///
    /// Users are read before memberships, so a user who joined the pool and a group in between is
    /// met only in the memberships: such users are kept, whole, in `users_found_in_groups`, and
    /// every username in `group_memberships` is then a user of the backup. Only users created
    /// shortly before or during the backup can be such users (`RecentUsers`).
    ///
    /// At the pause, user streams stop before their next page and groups not begun are left for
    /// later; what was read is written, and the progress returned says where to go on.
    func write(poolID: String, startedAt: UTCTime, into writer: SnapshotWriter, from saved: SnapshotProgress? = nil,
               pause: BackupPause = BackupPause(at: nil), progress: (@Sendable (BackupProgress) -> Void)?) async throws -> Written {
        let reader = PoolReader(cognito: cognito, poolID: poolID, logos: logos)
        var state: SnapshotProgress
        if let saved {
            state = saved
        } else {
            let configuration = try await reader.readConfiguration()
            try await writer.member(BackupFormat.Member.formatVersion, .number(BackupFormat.version))
            try await writer.member(BackupFormat.Member.timestamp, .string(startedAt.iso8601))
            try await writer.member(BackupFormat.Member.userPoolID, .string(poolID))
            for member in configuration.members { try await writer.member(member.key, member.value) }
            try await writer.member(BackupFormat.Member.groups, .array(configuration.groups))
            await writer.beginArray(BackupFormat.Member.users)
            let mfaConfig = configuration.members.first { $0.key == BackupFormat.Member.mfaConfig }?.value ?? .null
            state = SnapshotProgress(configuration: configuration, readMFA: userMFA.applies(to: mfaConfig))
            if !state.readMFA, let unread = UserMFAReading.unreadWarning(for: mfaConfig) { state.warnings.append(unread) }
        }

        let users = Counter()
        _ = users.add(state.userCount)
        let recentUsers = Mutex(RecentUsers(backupStarted: startedAt, names: state.recentUsers))
        let cutoff = recentUsers.withLock { $0.cutoff }
        let (readMFA, estimatedUsers) = (state.readMFA, state.estimatedUsers)
        if !state.users.isComplete {
            state.users = try await reader.forEachUserPage(from: state.users, while: pause.proceed) { page in
                // A cancelled job (deadline, shutdown) stops between pages; `run` then aborts the upload.
                try Task.checkCancellation()
                let recent: [String]
                if readMFA {
                    // Preferences are added to each user, so these users are built and written anew;
                    // the AdminGetUser calls, not this, set the pace.
                    let described = try await reader.withMFAPreferences(page.values)
                    try await writer.elements(described)
                    recent = described.filter { (RecentUsers.seconds($0["UserCreateDate"]) ?? .infinity) >= cutoff }
                        .map { $0["Username"]?.string ?? "" }
                } else {
                    try await writer.elements(raw: page.users)
                    recent = page.usernames(createdSince: cutoff)
                }
                if !recent.isEmpty { recentUsers.withLock { set in for name in recent { set.insert(name) } } }
                let total = users.add(page.users.count)
                progress?(BackupProgress(poolID: poolID, usersRead: total, estimatedUsers: estimatedUsers))
            }
            state.userCount = users.value
            state.recentUsers = recentUsers.withLock { $0.names }
            guard state.users.isComplete else { return .paused(state) }
            await writer.end()
        }

        if !state.membershipsBegun {
            await writer.beginObject(BackupFormat.Member.groupMemberships)
            state.membershipsBegun = true
        }
        let late = Mutex(state.lateUsers)
        let deletedGroups = Mutex(state.deletedGroups)
        let section = GroupMembershipSection(writer: writer, memberships: state.memberships, resuming: state.openGroup,
                                             keepsWrittenNames: pause.at != nil)
        let (open, groupsLeft) = (state.openGroup, state.groupsLeft)
        try await pause.stopping({ await section.pause() }) {
            try await reader.forEachGroupMembershipPage(
                groupsLeft, from: open.map { [$0.name: $0.next] } ?? [:], skipping: open.map { [$0.name: Set($0.written)] } ?? [:],
                while: pause.proceed,
                page: { group, members, next in
                    try Task.checkCancellation()
                    let names = members.compactMap { $0["Username"]?.string }
                    let missing = recentUsers.withLock { recent in members.filter(recent.lacks) }
                    if !missing.isEmpty { late.withLock { for user in missing { $0[user["Username"]?.string ?? ""] = user } } }
                    try await section.page(group, names, next: next)
                }, finished: { group, deleted in
                    if deleted { deletedGroups.withLock { $0.append(group) } }
                    try await section.finish(group)
                })
        }
        state.openGroup = try await section.close(paused: pause.proceed?() == false)
        state.memberships = await section.memberships
        state.groupsDone += await section.written
        state.lateUsers = late.withLock { $0 }
        // A deleted group whose pages a pause dropped is read, and found deleted, again.
        state.deletedGroups = Array(Set(deletedGroups.withLock { $0 }))
        guard state.groupsLeft.isEmpty else { return .paused(state) }
        await writer.end()

        let found = state.lateUsers.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map(\.value)
        try await writer.member(BackupFormat.Member.usersFoundInGroups, .array(found))
        let warnings = state.warnings + state.deletedGroups.sorted().map {
            BackupWarning(component: "group_memberships.\($0)", reason: "the group was deleted while the backup read it")
        }
        try await writer.member(BackupFormat.Member.warnings, .array(warnings.map(\.json)))
        try await writer.member(BackupFormat.Member.readWindow, [BackupFormat.Member.ReadWindow.started: .string(startedAt.iso8601),
                                                                BackupFormat.Member.ReadWindow.finished: .string(UTCTime.now().iso8601)])
        return .finished(Snapshot(users: state.userCount + found.count, groups: state.groups.count, memberships: state.memberships,
                                  counts: state.counts, warnings: warnings.count))
    }
}
