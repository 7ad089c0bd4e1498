import AWSClient
import Backup
import JSON
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
/// UserCreation quota while memberships draw on another. Users already in the target (by
/// `UserMatching`) are not created again, only brought up to date.
struct UserRestore {
    let cognito: any CognitoAPI
    let backup: Backup
    let poolID: String
    let passwords: PasswordHandling
    let concurrency: Int
    let report: RestoreReport
    let progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?

    struct Result {
        var users: [RestoreMapping.User]
        var federatedUsers: [RestoreMapping.User]
    }

    func run() async throws(RestoreFailure) -> Result {
        let matching = UserMatching(poolConfig: backup.poolConfig)
        let existing = try await existingUsers(matching)
        let members = try await existingMembers()
        let providers = Set(try await providerNames())
        let groupsOf = backup.memberships.reduce(into: [String: [String]]()) { groupsOf, membership in
            for username in membership.usernames { groupsOf[username, default: []].append(membership.group) }
        }
        let known = Set(backup.users.map(\.username))
        for (group, usernames) in backup.memberships {
            for username in usernames where !known.contains(username) {
                report.fail("group_memberships", "\(username) in group \(group): no such user in the backup")
            }
        }

        let results = Mutex([Restored?](repeating: nil, count: backup.users.count))
        let done = Mutex(0)
        let total = backup.users.count
        // Creating users and bringing them up to date draw on different quotas (UserCreation,
        // UserUpdate): two pools of workers joined by a queue keep both busy, instead of
        // creation waiting on the group adds of users created before.
        let (created, queue) = AsyncStream.makeStream(of: UserContext.self)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { queue.finish() }
                    try await forEachConcurrently(Array(backup.users.enumerated()), limit: concurrency) { index, user in
                        var context = UserContext(user: user, key: matching.key(user),
                                                  target: existing[matching.key(user)], groups: groupsOf[user.username] ?? [],
                                                  members: members, providers: providers)
                        let result = try await create(&context)
                        results.withLock { $0[index] = result }
                        if context.target != nil {
                            queue.yield(context)
                        } else {
                            progress?(done.withLock { $0 += 1; return $0 }, total)
                        }
                    }
                }
                group.addTask {
                    try await forEachConcurrently(created, limit: concurrency) { context in
                        try await update(context)
                        progress?(done.withLock { $0 += 1; return $0 }, total)
                    }
                }
                try await group.waitForAll()
            }
        } catch let failure as RestoreFailure {
            throw failure
        } catch {
            throw RestoreFailure(step: "restore users", poolID: poolID, underlying: error)
        }

        var restored: [RestoreMapping.User] = []
        var federated: [RestoreMapping.User] = []
        for result in results.withLock({ $0 }) {
            switch result {
            case .user(let entry)?: restored.append(entry)
            case .federated(let entry)?: federated.append(entry)
            case nil: break
            }
        }
        if !federated.isEmpty {
            report.warn("\(federated.count) users signed in only through an external identity provider; Cognito recreates "
                + "them, with a new sub, at their next sign-in (their old subs are under federated_users in the mapping)")
        }
        return Result(users: restored, federatedUsers: federated)
    }

    enum Restored: Sendable {
        case user(RestoreMapping.User)
        case federated(RestoreMapping.User)
    }

    struct UserContext: Sendable {
        let user: PoolUser
        let key: String
        /// The user in the target pool, once there.
        var target: PoolUser?
        let groups: [String]
        let members: [String: Set<String>]
        let providers: Set<String>
    }

    /// Creates the user if the target lacks it. Returns its mapping entry, or nil when Cognito
    /// refused to create it.
    private func create(_ context: inout UserContext) async throws(RestoreFailure) -> Restored? {
        let user = context.user
        if user.isFederatedOnly {
            report.record("users", .skipped)
            for group in context.groups { report.fail("group_memberships", "\(user.username) in group \(group): a federated user, added only after their next sign-in") }
            return .federated(RestoreMapping.User(oldUsername: user.username, newUsername: nil, oldSub: user.sub, newSub: nil))
        }
        var target = context.target
        try await report.attempt("users") { () throws(RestoreFailure) in
            if target != nil { return .skipped }
            target = try await create(user, username: context.key)
            return target == nil ? .failed : .created
        }
        context.target = target
        guard let target else { return nil }
        return .user(RestoreMapping.User(oldUsername: user.username, newUsername: target.username, oldSub: user.sub, newSub: target.sub))
    }

    /// Makes a user in the target match the backup: enabled state, password state, linked
    /// identities and group memberships.
    private func update(_ context: UserContext) async throws(RestoreFailure) {
        let user = context.user
        guard let target = context.target else { return }
        if target.enabled != user.enabled {
            let operation = user.enabled ? "AdminEnableUser" : "AdminDisableUser"
            try await report.attempt(user.enabled ? "enabled_users" : "disabled_users") { () throws(RestoreFailure) in
                _ = try await cognito.call(operation, ["UserPoolId": .string(poolID), "Username": .string(target.username)],
                                           step: "\(operation) \(user.username)", poolID: poolID)
                return .created
            }
        }
        if passwords == .forgotPassword, target.status == "FORCE_CHANGE_PASSWORD", ["CONFIRMED", "RESET_REQUIRED"].contains(user.status) {
            try await report.attempt("passwords") { () throws(RestoreFailure) in
                _ = try await cognito.call("AdminSetUserPassword", [
                    "UserPoolId": .string(poolID), "Username": .string(target.username),
                    "Password": .string(UnguessablePassword.make()), "Permanent": true,
                ], step: "set a placeholder password for \(user.username)", poolID: poolID)
                return .created
            }
        }
        let linked = LinkedIdentity.of(target)
        for identity in LinkedIdentity.of(user) where !linked.contains(identity) {
            guard context.providers.contains(identity.providerName) else {
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
        for group in context.groups {
            guard let members = context.members[group] else {
                report.fail("group_memberships", "\(user.username) in group \(group): the group is not in the target pool")
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

    /// AdminCreateUser; a user that appeared since the listing (another run, a sign-up) is read
    /// instead of failing.
    private func create(_ user: PoolUser, username: String) async throws(RestoreFailure) -> PoolUser? {
        let request = CreateRequest.user(user, username: username, poolID: poolID, sendInvitation: passwords == .invite)
        do {
            let created = try await cognito.call("AdminCreateUser", request, step: "create user \(user.username)", poolID: poolID)
            return created["User"].flatMap(PoolUser.init)
        } catch let failure where failure.awsError?.code == "UsernameExistsException" {
            let found = try await cognito.call("AdminGetUser", ["UserPoolId": .string(poolID), "Username": .string(username)],
                                               step: "read existing user \(user.username)", poolID: poolID)
            var described = found.object ?? JSONObject()
            described["Attributes"] = found["UserAttributes"]
            return PoolUser(.object(described))
        }
    }

    private func existingUsers(_ matching: UserMatching) async throws(RestoreFailure) -> [String: PoolUser] {
        let users = Mutex([String: PoolUser]())
        do {
            try await PoolReader(cognito: cognito, poolID: poolID).forEachUserPage { page in
                let parsed = page.compactMap(PoolUser.init)
                users.withLock { users in
                    for user in parsed { users[matching.key(user)] = user }
                }
            }
        } catch {
            throw RestoreFailure(step: "list the target pool's users", poolID: poolID, underlying: error)
        }
        return users.withLock { $0 }
    }

    /// Members of the backup's groups that the target has; a group missing from the target has no entry.
    private func existingMembers() async throws(RestoreFailure) -> [String: Set<String>] {
        let members = Mutex([String: Set<String>]())
        do {
            var groups: Set<String> = []
            try await cognito.forEachPage("ListGroups", ["UserPoolId": .string(poolID), "Limit": 60]) { page in
                groups.formUnion((page["Groups"]?.array ?? []).compactMap { $0["GroupName"]?.string })
            }
            let wanted = backup.memberships.map(\.group).filter(groups.contains)
            try await PoolReader(cognito: cognito, poolID: poolID).forEachGroupMembership(wanted) { group, usernames in
                members.withLock { $0[group] = Set(usernames) }
            }
        } catch {
            throw RestoreFailure(step: "list the target pool's group members", poolID: poolID, underlying: error)
        }
        return members.withLock { $0 }
    }

    private func providerNames() async throws(RestoreFailure) -> [String] {
        var names: [String] = []
        do {
            try await cognito.forEachPage("ListIdentityProviders", ["UserPoolId": .string(poolID), "MaxResults": 60]) { page in
                names += (page["Providers"]?.array ?? []).compactMap { $0["ProviderName"]?.string }
            }
        } catch {
            throw RestoreFailure(step: "list the target pool's identity providers", poolID: poolID, underlying: error)
        }
        return names
    }
}

/// A password that satisfies any Cognito password policy and that nobody will ever type: it
/// only makes the user CONFIRMED, from where "Forgot password" works.
enum UnguessablePassword {
    static func make() -> String {
        var random = SystemRandomNumberGenerator()
        let classes = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "^$*.[]{}()?!@#%&-_=+"].map(Array.init)
        let all = classes.flatMap { $0 }
        var characters = classes.map { $0.randomElement(using: &random)! }
        characters += (0..<28).map { _ in all.randomElement(using: &random)! }
        characters.shuffle(using: &random)
        return String(characters)
    }
}
