import AWSCore
import AWSServices
import Backup
import JSON

/// Where and how to restore.
public struct RestoreOptions: Sendable {
    public enum Target: Sendable, Equatable {
        /// A new pool built from the backup's configuration (named as the old one by default).
        case newPool(name: String?)
        case existingPool(id: String)
    }

    public var target: Target
    public var domainPrefix: String?
    public var skipTriggers: Bool
    public var passwords: PasswordHandling
    /// Users in flight at once: enough to keep the quotas busy at AWS's latency.
    public var concurrency: Int
    public var usersVia: UsersVia

    /// How users are put in the target.
    public enum UsersVia: Sendable {
        /// AdminCreateUser, one call per user: each one a monthly active user.
        case create
        /// User import jobs first, which bill nobody; AdminCreateUser for the users a job cannot take.
        case importJobs(ImportJobAccess)
        /// What a plan makes of `importJobs`: the same files, no job, their users taken as imported.
        case rehearsedImportJobs
    }

    /// Into an existing pool, also put back groups' settings, resource servers, identity
    /// providers, app clients, pool settings (MFA included), UI customization, threat protection,
    /// log delivery, managed login branding, terms and domain settings that differ from the
    /// backup's (`SettingsRevert`, `PoolStructureRestore.restoreSetting`); without it those are
    /// only named.
    public var revert: Bool
    /// What of the backup is written (its contents already `selected(by:)` it): the job asks it
    /// about what is not an item of the contents, the pool settings, and about how much of each user.
    public var selection: RestoreSelection

    /// `--exact`, into an existing pool: also remove what the backup lacks (`ExactRemoval`).
    public var exact: Exact?

    public enum Exact: Sendable, Equatable {
        /// Everything of these kinds the backup lacks.
        case pool(Set<RemovalKind>)
        /// Only the memberships the backup lacks of the backup's users: a `--user` selection's.
        case usersMemberships
    }

    public init(target: Target, domainPrefix: String? = nil, skipTriggers: Bool = false,
                passwords: PasswordHandling = .noInvitation, concurrency: Int = 32, usersVia: UsersVia = .create,
                revert: Bool = false, selection: RestoreSelection = .whole) {
        self.target = target
        self.revert = revert
        self.selection = selection
        self.domainPrefix = domainPrefix
        self.skipTriggers = skipTriggers
        self.passwords = passwords
        self.concurrency = concurrency
        self.usersVia = usersVia
    }
}

/// backup → pool: the target pool, then its structure, then users and memberships, then the
/// Lambda triggers. Each step skips what the target already has, so a run that was interrupted
/// or failed is finished by running it again; the mapping store remembers which pool it was.
public struct RestoreJob: Sendable {
    public let cognito: any CognitoAPI
    /// Creates go through a client that never retries by itself (see `CreateOnce`).
    let creates: CreateOnce
    public let backup: BackupContents
    public let options: RestoreOptions
    public let mappings: any MappingStore
    /// Fetches the UI customization's logo from the old pool's CloudFront URL.
    public let logo: LogoDownload

    /// `creating` answers each create once, retrying nothing (`Cognito` with
    /// `RetryPolicy(maxAttempts: 1)`); by default `cognito` itself.
    public init(cognito: any CognitoAPI, creating: (any CognitoAPI)? = nil, backup: BackupContents, options: RestoreOptions,
                mappings: any MappingStore, logo: LogoDownload = LogoDownload()) {
        self.cognito = cognito
        creates = CreateOnce(cognito: creating ?? cognito)
        self.backup = backup
        self.options = options
        self.mappings = mappings
        self.logo = logo
    }

    public struct Result: Sendable {
        public let mapping: RestoreMapping
        /// Whether this run finished a restore an earlier run had started.
        public let resumed: Bool
        public let report: RestoreReport

        public var succeeded: Bool { report.failures.isEmpty }
    }

    public func run(progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) async throws -> Result {
        let report = RestoreReport()
        let journal = try await mappings.load()
        let target = try await resolveTarget(journal: journal, report: report)
        var mapping = target.mapping
        let poolID = target.poolID

        let described = try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)],
                                               step: "describe the target pool", poolID: poolID)["UserPool"] ?? .null
        let revert = options.revert && !mapping.createdPool ? SettingsRevert(cognito: cognito, backup: backup, poolID: poolID, report: report) : nil
        // The clients there before this run: only they can differ from the backup's.
        let clientsBefore = revert == nil ? [] : Set(try await cognito.listAll("ListUserPoolClients", poolID: poolID).compactMap { $0["ClientId"]?.string })
        let providersBefore = revert == nil ? [] : Set(try await cognito.listAll("ListIdentityProviders", poolID: poolID).compactMap { $0["ProviderName"]?.string })
        // Threat and deletion protection first, so that no moment of the revert has less of either;
        // they are pool settings, raised only when those are restored.
        let raised = options.selection.includes(.settings) ? try await revert?.raiseSecurity(target: described) ?? [:] : [:]
        var current = described.object ?? JSONObject()
        for member in raised.members { current[member.key] = member.value }
        mapping.appClients = try await PoolStructureRestore(cognito: cognito, creates: creates, backup: backup, poolID: poolID, target: .object(current),
                                                            createdPool: mapping.createdPool, revert: revert != nil,
                                                            domainPrefix: options.domainPrefix, createsClients: options.selection.includes(.clients),
                                                            logo: logo, report: report).run()
        try await mappings.save(mapping)
        try await revert?.namedItems(providersBefore: providersBefore)
        if options.selection.includes(.clients) { try await revert?.appClients(mapping.appClients, existing: clientsBefore) }
        if let exact = options.exact, !mapping.createdPool {
            try await ExactRemoval(cognito: cognito, backup: backup, poolID: poolID, target: described, keptClients: Set(mapping.appClients.map(\.newID)),
                                   concurrency: options.concurrency, report: report).run(exact)
        }

        // This run records every user it restores or finds restored, afresh.
        let ours = try journal?.users.newSubs() ?? SortedHashes([])
        mapping.users = MappedUsers()
        let restored = RestoredUsers(into: mapping.users)
        var users = UserRestore(cognito: cognito, creates: creates, backup: backup, poolID: poolID, passwords: options.passwords,
                                passwordPolicy: described["Policies"]?["PasswordPolicy"], canSendSMS: described["SmsConfiguration"] != nil,
                                ours: ours, revert: options.revert && !mapping.createdPool, selection: options.selection, concurrency: options.concurrency,
                                report: report, restored: restored, progress: progress)
        let importing = { (access: ImportJobAccess?) in
            UserImport(cognito: cognito, creates: creates, access: access, backup: backup, poolID: poolID,
                       target: described, restoreID: mapping.restoreID, report: report)
        }
        switch options.usersVia {
        case .create: break
        case .importJobs(let access): users.importing = importing(access)
        case .rehearsedImportJobs: users.importing = importing(nil)
        }
        do {
            try await users.run()
        } catch {
            // Failed or interrupted: the journal keeps who is restored, for the run that resumes.
            try restored.finish()
            try await mappings.save(mapping)
            throw error
        }
        try restored.finish()
        try await attachTriggers(mapping: mapping, report: report)
        try await mfa(mapping: mapping, report: report)
        // Last, as triggers are for a new pool: the backup's settings include its triggers.
        if options.selection.includes(.settings) { try await revert?.poolSettings(raised: raised) }
        warnAboutPasswords(report: report)
        if options.selection.includes(.users), backup.warnings.contains(where: { $0.component == UserMFAReading.unreadComponent }) {
            report.warn("the backup did not read users' SMS and email MFA preferences (BACKUP_USER_MFA=off): "
                + "users who chose one must set it again, or back up with --user-mfa on")
        }

        mapping.complete = report.failures.isEmpty
        try await mappings.save(mapping)
        return Result(mapping: mapping, resumed: target.resumed, report: report)
    }

    struct Target {
        /// Saved, and naming the target pool.
        let mapping: RestoreMapping
        let resumed: Bool
        var poolID: String { mapping.targetPoolID! }
    }

    /// The pool to restore into, checked before anything is written: an existing pool must fit
    /// the backup, and a pool an earlier run created for this backup is used again. A new pool is
    /// recorded in the journal before it is asked for, so that no run, however it ends, leaves a
    /// pool nobody knows is ours.
    func resolveTarget(journal: RestoreMapping?, report: RestoreReport) async throws -> Target {
        if let journal, !journal.records(backup) {
            throw MappingFileError(reason: "the mapping file records a restore of pool \(journal.sourcePoolID) "
                + "(backup of \(journal.backupTimestamp)); choose another mapping file for this backup")
        }
        switch options.target {
        case .existingPool(let id):
            if let journal, journal.targetPoolID != id {
                throw MappingFileError(reason: "the mapping file records a restore of this backup into \(journal.targetPoolID ?? "a new pool"), "
                    + "not \(id); choose another mapping file")
            }
            try await check(poolID: id)
            var mapping = journal ?? RestoreMapping(sourcePoolID: backup.sourcePoolID, backupTimestamp: backup.timestamp,
                                                    restoreID: RestoreMapping.newRestoreID(), targetPoolID: id, createdPool: false)
            mapping.targetPoolID = id
            try await mappings.save(mapping)
            return Target(mapping: mapping, resumed: journal != nil)
        case .newPool(let name):
            if let journal, !journal.createdPool {
                throw MappingFileError(reason: "the mapping file records a restore of this backup into the existing pool "
                    + "\(journal.targetPoolID ?? "?"); choose another mapping file")
            }
            var mapping = journal ?? RestoreMapping(sourcePoolID: backup.sourcePoolID, backupTimestamp: backup.timestamp,
                                                    restoreID: RestoreMapping.newRestoreID(), targetPoolID: nil, createdPool: true)
            let poolName = name ?? backup.poolConfig["Name"]?.string ?? "restored-\(backup.sourcePoolID)"
            if let id = journal?.targetPoolID {
                do {
                    try await check(poolID: id)
                    return Target(mapping: mapping, resumed: true)
                } catch let failure as RestoreFailure where failure.awsError?.code == "ResourceNotFoundException" {
                    report.warn("pool \(id), created by an earlier run, no longer exists; created a new one")
                    mapping.restoreID = RestoreMapping.newRestoreID()
                }
            } else if journal != nil, let id = try await cognito.pool(named: poolName, taggedWith: mapping.restoreID, step: "look for the pool an earlier attempt created") {
                // An earlier run asked for the pool and never heard the answer.
                mapping.targetPoolID = id
                try await mappings.save(mapping)
                return Target(mapping: mapping, resumed: true)
            }
            let problems = try TargetCompatibility.problems(backup: backup, target: backup.poolConfig)
            guard problems.isEmpty else { throw IncompatibleTargetError(poolID: "the new pool", problems: problems) }
            mapping.targetPoolID = nil
            try await mappings.save(mapping)
            mapping.targetPoolID = try await createPool(named: poolName, restoreID: mapping.restoreID)
            try await mappings.save(mapping)
            report.record("user_pool", .created)
            return Target(mapping: mapping, resumed: journal != nil)
        }
    }

    private func createPool(named poolName: String, restoreID: String) async throws(RestoreFailure) -> String {
        let step = "create pool \(poolName)"
        let request = CreateRequest.userPool(backup.poolConfig, name: poolName, mfaSetSeparately: backup.mfaConfig != nil,
                                             restoreID: restoreID)
        return try await creates.create("CreateUserPool", request, step: step, poolID: nil, answered: { answer throws(RestoreFailure) in
            guard let id = answer["UserPool"]?["Id"]?.string else {
                throw RestoreFailure(step: step, poolID: nil, underlying: AWSError.unexpectedAnswer("CreateUserPool", "no pool id in the answer"))
            }
            return id
        }, find: { () async throws(RestoreFailure) in try await cognito.pool(named: poolName, taggedWith: restoreID, step: "look for the pool an earlier attempt created") })
    }

    private func check(poolID: String) async throws {
        let described = try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)], step: "describe the target pool", poolID: poolID)
        let problems = try TargetCompatibility.problems(backup: backup, target: described["UserPool"] ?? .null)
        guard problems.isEmpty else { throw IncompatibleTargetError(poolID: poolID, problems: problems) }
    }

    /// Triggers go on last, so that none ran once per restored user.
    private func attachTriggers(mapping: RestoreMapping, report: RestoreReport) async throws(RestoreFailure) {
        guard mapping.createdPool, let poolID = mapping.targetPoolID, backup.poolConfig["LambdaConfig"]?.object?.isEmpty == false else { return }
        guard !options.skipTriggers else {
            report.warn("Lambda triggers not attached (--skip-triggers)")
            return
        }
        try await report.attempt("lambda_triggers") { () throws(RestoreFailure) in
            // Read now, not at the start: a resumed run may find the MFA an earlier run set.
            let currentMFA = try await currentMFAMode(poolID: poolID)
            let request = CreateRequest.attachTriggers(backup.poolConfig, poolID: poolID, restoreID: mapping.restoreID, currentMFA: currentMFA)
            _ = try await cognito.call("UpdateUserPool", request, step: "attach the Lambda triggers", poolID: poolID)
            return .applied
        }
        report.warn("the pool invokes the same Lambda functions as before: each function's resource policy must allow "
            + "cognito-idp.amazonaws.com to invoke it for the new pool's ARN")
    }

    /// The target's MFA mode, for an UpdateUserPool to repeat: GetUserPoolMfaConfig's, the
    /// answer SetUserPoolMfaConfig's writes show in at once.
    func currentMFAMode(poolID: String) async throws(RestoreFailure) -> String {
        let mfa = try await cognito.call("GetUserPoolMfaConfig", ["UserPoolId": .string(poolID)],
                                         step: "read the target pool's MFA configuration", poolID: poolID)
        return mfa["MfaConfiguration"]?.string ?? "OFF"
    }

    /// After UpdateUserPool, which resets the MFA mode it is not given (and is refused some MFA
    /// modes outright): SetUserPoolMfaConfig says the whole of it at once.
    private func mfa(mapping: RestoreMapping, report: RestoreReport) async throws(RestoreFailure) {
        guard mapping.createdPool, let poolID = mapping.targetPoolID, let mfa = backup.mfaConfig else { return }
        try await report.attempt("mfa_config") { () throws(RestoreFailure) in
            _ = try await cognito.call("SetUserPoolMfaConfig", CreateRequest.mfaConfig(mfa, poolID: poolID),
                                       step: "set the MFA configuration", poolID: poolID)
            return .applied
        }
    }

    private func warnAboutPasswords(report: RestoreReport) {
        let imported = report.counts("users_imported").created
        if imported > 0 {
            report.warn("\(imported) users were imported (RESET_REQUIRED, nothing sent, not billed): at sign-in Cognito answers "
                + "PasswordResetRequiredException, and the application sends them to ForgotPassword; a passwordless pool signs them in at once")
        }
        let created = report.counts("users").created - imported
        guard created > 0 else { return }
        switch options.passwords {
        case .noInvitation:
            report.warn("Cognito cannot export passwords: \(created) users were created without one (FORCE_CHANGE_PASSWORD, "
                + "nothing sent); invite them with AdminCreateUser MessageAction=RESEND, or restore with --passwords forgot-password")
        case .invite:
            report.warn("Cognito cannot export passwords: \(created) users were sent a temporary password")
        case .forgotPassword:
            report.warn("Cognito cannot export passwords: users who had one can now choose a new one with \"Forgot password\" "
                + "(it needs a verified email or phone number); the others wait in FORCE_CHANGE_PASSWORD")
        }
    }
}

extension RestoreJob.Result {
    /// The machine-readable summary `--json` prints.
    public var json: JSON {
        [
            "source_pool_id": .string(mapping.sourcePoolID),
            "backup_timestamp": .string(mapping.backupTimestamp),
            "target_pool_id": mapping.targetPoolID.map(JSON.string) ?? .null,
            "created_pool": .bool(mapping.createdPool),
            "resumed": .bool(resumed),
            "complete": .bool(succeeded),
            "counts": RestoreReport.json(report.counts),
            "app_clients": .object(mapping.appClients.map { ($0.oldID, .string($0.newID)) }),
            "federated_users": .number(mapping.users.federatedCount),
            "users_imported": .number(report.counts("users_imported").created),
            "warnings": .array(report.warnings.map(JSON.string)),
            "failures": .array(report.failures.map(JSON.string)),
        ]
    }
}
