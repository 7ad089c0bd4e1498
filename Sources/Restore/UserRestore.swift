import AWSCore
import AWSServices
import Backup
import JSON
import Support
import Synchronization

/// How restored users get back in, since Cognito never exports passwords.
public enum PasswordHandling: String, Sendable, CaseIterable {
    /// FORCE_CHANGE_PASSWORD with a password nobody knows, nothing sent: one call per user, the
    /// fastest; an administrator invites users when the application is ready for them.
    case noInvitation = "none"
    /// Cognito emails (or texts) each new user a temporary password.
    case invite
    /// Users who had a password come back CONFIRMED with an unguessable one, so "Forgot
    /// password" works for them at once; one more call per user, in a quota half the size.
    case forgotPassword = "forgot-password"
}

/// Users, their enabled state, linked identities and group memberships, one user at a time and
/// many users at once; each call waits for its quota category's tokens, so creation runs at the
/// UserCreation quota while memberships draw on another. A user already in the target (by
/// `UserMatching`) is brought up to date only when it is provably this restore's: the journal
/// names it, or it is the backup's user attribute for attribute.
struct UserRestore {
    let cognito: any CognitoAPI
    let creates: CreateOnce
    let backup: BackupContents
    let poolID: String
    let passwords: PasswordHandling
    /// The target's `Policies.PasswordPolicy`, which placeholder passwords must satisfy.
    let passwordPolicy: JSON?
    /// Whether the target can text (it has an SmsConfiguration): only then are invitations sent by SMS.
    let canSendSMS: Bool
    /// New subs the journal records: users an earlier run of this restore created.
    let ours: SortedHashes
    /// `--revert`: a user of the backup's key whose attributes differ gets the backup's
    /// (`revertAttributes`) instead of being refused as someone else's.
    let revert: Bool
    /// How much of each user is written (`RestoreSelection.part(ofUser:)`), and whether the
    /// restore creates groups: when not, a membership in a group the target lacks is a warning.
    let selection: RestoreSelection
    let concurrency: Int
    let report: RestoreReport
    let restored: RestoredUsers
    let progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    /// With `--users-via import`: the import jobs that put users in before any is created one by one.
    var importing: UserImport? = nil
    /// Users `--only memberships` found missing from the target: none is created.
    private let absent = Counter()

    func run() async throws(RestoreFailure) {
        // A selection without users reads none of the target's.
        guard backup.users.count > 0 || !backup.memberships.strays.isEmpty else { return }
        let matching = UserMatching(poolConfig: backup.poolConfig)
        var existing = try await existingUsers(matching)
        var imported = SortedHashes([])
        if let importing {
            imported = try await importing.run(existing: existing, matching: matching)
            // What the jobs did, from the pool itself: a user a job did not take is not there,
            // and is created below like any other.
            if !imported.isEmpty, !importing.rehearsed { existing = try await existingUsers(matching) }
        }
        let members = try await existingMembers()
        if !selection.includes(.groups) {
            for group in backup.memberships.groups where members[group] == nil {
                report.warn("memberships in group \(group) not restored: the target pool has no such group and this restore creates none "
                    + "(add groups to --only, or restore it with --group \(group))")
            }
        }
        let providers = Set(try await providerNames())
        for (group, username) in backup.memberships.strays {
            // A backup of a live pool reads users and memberships at different moments: a
            // user deleted in between is listed in a group only.
            report.warn("\(username) in group \(group) not restored: the backup has no such user (deleted while the backup ran?)")
        }
        let reader = backup.users.reader()
        var index = 0
        // The users are read from the backup as the workers take them, never all at once.
        let nextUser = { () throws(BackupReadError) -> UserContext? in
            guard let user = try reader.next() else { return nil }
            defer { index += 1 }
            let key = matching.key(user)
            return UserContext(index: index, user: user, key: key, target: existing[key], imported: imported.contains(key.text),
                               groups: backup.memberships.groups(of: user.username), members: members, providers: providers)
        }
        do {
            try await createThenUpdate(nextUser)
        } catch let failure as RestoreFailure {
            throw failure
        } catch {
            throw RestoreFailure(step: "restore users", poolID: poolID, underlying: error)
        }
        if absent.value > 0 {
            report.warn("\(absent.value) of the backup's users are not in the target pool: their memberships were not restored "
                + "(--only memberships creates no user; add users to --only to create them)")
        }
        let reEnrolments = restored.reEnrolments
        if reEnrolments > 0 {
            report.warn("\(reEnrolments) users used an authenticator app (TOTP) for MFA: Cognito cannot export its secret, so they "
                + "must set it up again (AssociateSoftwareToken); their SMS and email MFA preferences were restored")
        }
        let federated = restored.mapped.federatedCount
        if federated > 0 {
            report.warn("\(federated) users signed in only through an external identity provider; Cognito recreates "
                + "them, with a new sub, at their next sign-in (their old subs are under federated_users in the mapping)")
        }
    }

    private enum Finished: Sendable {
        case created(UserContext?)
        case updated
    }

    /// Creating users and bringing them up to date draw on different quotas (UserCreation,
    /// UserUpdate): up to `concurrency` of each run at once, so creation never waits on the group
    /// adds of users created before. All are children of one group read as they finish, so the
    /// first failure that must stop the restore stops it at once: leaving the group cancels the
    /// rest, and each user checks for that before its next call. Users are taken from `next` only
    /// as there is room: at most `concurrency` being created and `readyLimit` waiting for an update.
    private func createThenUpdate(_ next: () throws(BackupReadError) -> UserContext?) async throws {
        let done = Counter()
        let total = backup.users.count
        let readyLimit = 4 * concurrency
        @Sendable func advance() { progress?(done.add(1), total) }
        try await withThrowingTaskGroup(of: Finished.self) { group in
            var creating = 0, updating = 0
            var exhausted = false
            var ready: [UserContext] = []
            func start() throws(BackupReadError) {
                while !exhausted, creating < concurrency, ready.count < readyLimit {
                    guard let context = try next() else {
                        exhausted = true
                        break
                    }
                    group.addTask {
                        var context = context
                        try Task.checkCancellation()
                        guard try await create(&context) else {
                            advance()
                            return .created(nil)
                        }
                        return .created(context)
                    }
                    creating += 1
                }
                while updating < concurrency, !ready.isEmpty {
                    let context = ready.removeFirst()
                    group.addTask {
                        try Task.checkCancellation()
                        try await update(context)
                        advance()
                        return .updated
                    }
                    updating += 1
                }
            }
            try start()
            while let finished = try await group.next() {
                switch finished {
                case .created(let context?):
                    creating -= 1
                    ready.append(context)
                case .created(nil): creating -= 1
                case .updated: updating -= 1
                }
                try start()
            }
        }
    }

    struct UserContext: Sendable {
        let index: Int
        let user: PoolUser
        let key: UserKey
        /// The user in the target pool, once there.
        var target: TargetUser?
        /// Sent in one of this run's import jobs: found in the target, it is one this run put there.
        let imported: Bool
        let groups: [String]
        let members: [String: SortedHashes]
        let providers: Set<String>
        /// A user of the target's that this restore leaves as she is but for her memberships.
        var onlyMemberships = false
    }

    /// Creates the user if the target lacks it, and disables it at once if the backup has it
    /// disabled: before any password is set or group joined, a disabled user is never usable.
    /// Returns whether there is a user of ours to bring up to date.
    private func create(_ context: inout UserContext) async throws(RestoreFailure) -> Bool {
        let user = context.user
        if user.isFederatedOnly {
            report.record("users", .skipped)
            for group in context.groups { report.fail("group_memberships", "\(user.username) in group \(group): a federated user, added only after their next sign-in") }
            try record(.federated(RestoreMapping.User(oldUsername: user.username, newUsername: nil, oldSub: user.sub, newSub: nil)),
                       of: context)
            return false
        }
        let part = selection.part(ofUser: user.username)
        if part != .whole, let existing = context.target {
            context.onlyMemberships = true
            try record(.user(RestoreMapping.User(oldUsername: user.username, newUsername: existing.username, oldSub: user.sub,
                                                 newSub: existing.sub)), of: context)
            return true
        }
        if part == .membershipsOnly {
            absent.add(1)
            try record(.none, of: context)
            return false
        }
        var target = context.target
        var reverting = false
        try await report.attempt("users") { () throws(RestoreFailure) in
            if let existing = target {
                if revert, existing.writableDigest != TargetUser.writableDigest(of: user) {
                    reverting = true
                    return .skipped
                }
                guard isOurs(existing, backup: user) else {
                    target = nil
                    throw RestoreFailure(step: "restore user \(user.username)", poolID: poolID,
                                         underlying: Self.notOurs(existing, operation: "ListUsers"))
                }
                guard context.imported else { return .skipped }
                report.record("users_imported", .created)
                return .created
            }
            if context.imported, importing?.rehearsed == true {
                // A plan runs no job: what its file carries is taken as imported, as a job would leave it.
                target = TargetUser(username: context.key.text, sub: nil, writableDigest: TargetUser.writableDigest(of: user),
                                    enabled: true, awaitsNewPassword: false, identities: [])
                report.record("users_imported", .created)
                return .created
            }
            target = try await create(user, key: context.key)
            return .created
        }
        if reverting, let existing = target {
            try await report.attempt("user_attributes") { () throws(RestoreFailure) in
                target = try await revertAttributes(of: user, target: existing)
                return .applied
            }
        }
        guard var target else {
            try record(.none, of: context)
            return false
        }
        if !user.enabled, target.enabled {
            try await report.attempt("disabled_users") { () throws(RestoreFailure) in
                _ = try await cognito.call("AdminDisableUser", ["UserPoolId": .string(poolID), "Username": .string(target.username)],
                                           step: "AdminDisableUser \(user.username)", poolID: poolID)
                target = target.disabled
                return .created
            }
        }
        context.target = target
        if MFAPreferences.needsReEnrolment(user) { restored.recordReEnrolment() }
        try record(.user(RestoreMapping.User(oldUsername: user.username, newUsername: target.username, oldSub: user.sub,
                                             newSub: target.sub)), of: context)
        return true
    }

    private func record(_ entry: RestoredUsers.Entry, of context: UserContext) throws(RestoreFailure) {
        do { try restored.record(entry, at: context.index) } catch {
            throw RestoreFailure(step: "record \(context.user.username) in the mapping", poolID: poolID, underlying: error)
        }
    }

    /// Makes a user of ours match the backup: enabled state, password state, linked identities
    /// and group memberships.
    private func update(_ context: UserContext) async throws(RestoreFailure) {
        let user = context.user
        guard let target = context.target else { return }
        if !context.onlyMemberships { try await bringUpToDate(user, target: target, providers: context.providers) }
        for group in context.groups {
            guard let members = context.members[group] else {
                // Without groups in the selection, run() warned once for the group.
                if selection.includes(.groups) {
                    report.fail("group_memberships", "\(user.username) in group \(group): the group is not in the target pool")
                }
                continue
            }
            try await report.attempt("group_memberships") { () throws(RestoreFailure) in
                if members.contains(target.username) { return .skipped }
                _ = try await cognito.call("AdminAddUserToGroup", [
                    "UserPoolId": .string(poolID), "Username": .string(target.username), "GroupName": .string(group),
                ], step: "add \(user.username) to group \(group)", poolID: poolID)
                return .created
            }
        }
    }

    /// The user's own state: enabled, password, linked identities, MFA preferences.
    private func bringUpToDate(_ user: PoolUser, target: TargetUser, providers: Set<String>) async throws(RestoreFailure) {
        if user.enabled, !target.enabled {
            try await report.attempt("enabled_users") { () throws(RestoreFailure) in
                _ = try await cognito.call("AdminEnableUser", ["UserPoolId": .string(poolID), "Username": .string(target.username)],
                                           step: "AdminEnableUser \(user.username)", poolID: poolID)
                return .created
            }
        }
        if passwords == .forgotPassword, target.awaitsNewPassword, ["CONFIRMED", "RESET_REQUIRED"].contains(user.status) {
            try await report.attempt("passwords") { () throws(RestoreFailure) in
                _ = try await cognito.call("AdminSetUserPassword", [
                    "UserPoolId": .string(poolID), "Username": .string(target.username),
                    "Password": .string(PlaceholderPassword.make(policy: passwordPolicy)), "Permanent": true,
                ], step: "set a placeholder password for \(user.username)", poolID: poolID)
                return .created
            }
        }
        for identity in LinkedIdentity.of(user) where !target.identities.contains(identity) {
            guard providers.contains(identity.providerName) else {
                report.fail("linked_identities", "\(user.username): provider \(identity.providerName) is not in the target pool")
                continue
            }
            try await report.attempt("linked_identities") { () throws(RestoreFailure) in
                _ = try await cognito.call("AdminLinkProviderForUser", [
                    "UserPoolId": .string(poolID),
                    "DestinationUser": ["ProviderName": "Cognito", "ProviderAttributeValue": .string(target.username)],
                    "SourceUser": ["ProviderName": .string(identity.providerName), "ProviderAttributeName": "Cognito_Subject",
                                   "ProviderAttributeValue": .string(identity.userID)],
                ], step: "link \(user.username) to their \(identity.providerName) identity", poolID: poolID)
                return .created
            }
        }
        if let request = MFAPreferences.request(for: user, username: target.username, poolID: poolID) {
            try await report.attempt("mfa_preferences") { () throws(RestoreFailure) in
                _ = try await cognito.call("AdminSetUserMFAPreference", request, step: "set the MFA preferences of \(user.username)",
                                           poolID: poolID)
                return .applied
            }
        }
    }

    /// AdminCreateUser, sent once (see `CreateOnce`). After a lost answer, or when the name is
    /// taken, the user there is adopted only if it is provably ours; any other user of that
    /// name is someone else's, and the backup's user is reported as not restored.
    private func create(_ user: PoolUser, key: UserKey) async throws(RestoreFailure) -> TargetUser {
        let step = "create user \(user.username)"
        let request = CreateRequest.user(user, username: key.text, poolID: poolID,
                                         inviteBy: passwords == .invite && user.enabled ? (canSendSMS ? ["EMAIL", "SMS"] : ["EMAIL"]) : [])
        do {
            return try await creates.create("AdminCreateUser", request, step: step, poolID: poolID, answered: { answer throws(RestoreFailure) in
                guard let created = answer["User"].flatMap(PoolUser.init) else {
                    throw RestoreFailure(step: step, poolID: poolID, underlying: AWSError.unexpectedAnswer("AdminCreateUser", "no User in the answer"))
                }
                return TargetUser(created)
            }, find: { () throws(RestoreFailure) in
                guard let found = try await read(key, step: step), isOurs(found, backup: user) else { return nil }
                return found
            })
        } catch let failure where failure.awsError?.code == "UsernameExistsException" {
            guard let found = try await read(key, step: step) else { throw failure }
            guard isOurs(found, backup: user) else {
                throw RestoreFailure(step: step, poolID: poolID, underlying: Self.notOurs(found, operation: "AdminCreateUser"))
            }
            return found
        }
    }

    /// The user of `key` in the target, or nil if there is none.
    private func read(_ key: UserKey, step: String) async throws(RestoreFailure) -> TargetUser? {
        do {
            let found = try await cognito.call("AdminGetUser", ["UserPoolId": .string(poolID), "Username": .string(key.text)],
                                               step: "\(step): read the user there", poolID: poolID)
            var described = found.object ?? JSONObject()
            described["Attributes"] = found["UserAttributes"]
            return PoolUser(.object(described)).map(TargetUser.init)
        } catch let failure where failure.awsError?.code == "UserNotFoundException" {
            return nil
        }
    }

    /// An earlier run of this restore made it (the journal has its sub), or it is the backup's
    /// user, attribute for attribute, byte for byte (by their digests, see `TargetUser`).
    func isOurs(_ found: TargetUser, backup user: PoolUser) -> Bool {
        if let sub = found.sub, ours.contains(sub) { return true }
        return found.writableDigest == TargetUser.writableDigest(of: user)
    }

    static func notOurs(_ found: TargetUser, operation: String) -> AWSError {
        AWSError(service: "cognito-idp", operation: operation, httpStatus: nil, code: "UsernameExistsException",
                 message: "the target pool already has a user \(found.username) that this restore did not create and whose "
                    + "attributes differ from the backup's; left as it is", requestID: nil)
    }

    private func existingUsers(_ matching: UserMatching) async throws(RestoreFailure) -> ExistingUsers {
        let users = Mutex([(hash: UInt64, entry: ExistingUsers.Entry)]())
        do {
            try await PoolReader(cognito: cognito, poolID: poolID).forEachUserPage { page in
                let parsed = page.values.compactMap(PoolUser.init).map { user in
                    let key = matching.key(user)
                    return (hash: SortedHashes.hash(key.text), entry: ExistingUsers.Entry(TargetUser(user), key: key))
                }
                users.withLock { $0.append(contentsOf: parsed) }
            }
        } catch {
            throw RestoreFailure(step: "list the target pool's users", poolID: poolID, underlying: error)
        }
        return ExistingUsers(users.withLock { $0 })
    }

    /// Members of the backup's groups that the target has; a group missing from the target has no entry.
    private func existingMembers() async throws(RestoreFailure) -> [String: SortedHashes] {
        let members = Mutex([String: SortedHashes]())
        do {
            let groups = Set(try await cognito.listAll("ListGroups", poolID: poolID).compactMap { $0["GroupName"]?.string })
            let wanted = backup.memberships.groups.filter(groups.contains)
            try await PoolReader(cognito: cognito, poolID: poolID).forEachGroupMembership(wanted) { group, usernames in
                let hashes = SortedHashes(usernames)
                members.withLock { $0[group] = hashes }
            }
        } catch {
            throw RestoreFailure(step: "list the target pool's group members", poolID: poolID, underlying: error)
        }
        return members.withLock { $0 }
    }

    private func providerNames() async throws(RestoreFailure) -> [String] {
        do { return try await cognito.listAll("ListIdentityProviders", poolID: poolID).compactMap { $0["ProviderName"]?.string } } catch {
            throw RestoreFailure(step: "list the target pool's identity providers", poolID: poolID, underlying: error)
        }
    }
}
