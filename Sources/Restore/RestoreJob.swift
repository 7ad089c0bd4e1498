import AWSClient
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

    public init(target: Target, domainPrefix: String? = nil, skipTriggers: Bool = false,
                passwords: PasswordHandling = .noInvitation, concurrency: Int = 32) {
        self.target = target
        self.domainPrefix = domainPrefix
        self.skipTriggers = skipTriggers
        self.passwords = passwords
        self.concurrency = concurrency
    }
}

/// backup → pool: the target pool, then its structure, then users and memberships, then the
/// Lambda triggers. Each step skips what the target already has, so a run that was interrupted
/// or failed is finished by running it again; the mapping store remembers which pool it was.
public struct RestoreJob: Sendable {
    public let cognito: any CognitoAPI
    public let backup: Backup
    public let options: RestoreOptions
    public let mappings: any MappingStore
    /// Fetches the UI customization's logo from the old pool's CloudFront URL.
    public let logo: LogoDownload

    public init(cognito: any CognitoAPI, backup: Backup, options: RestoreOptions, mappings: any MappingStore,
                logo: LogoDownload = LogoDownload()) {
        self.cognito = cognito
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
        let target = try await resolveTarget(report: report)
        var mapping = RestoreMapping(sourcePoolID: backup.sourcePoolID, backupTimestamp: backup.timestamp,
                                     targetPoolID: target.poolID, createdPool: target.createdPool)
        try await mappings.save(mapping)

        mapping.appClients = try await PoolStructureRestore(cognito: cognito, backup: backup, poolID: target.poolID,
                                                            createdPool: target.createdPool, domainPrefix: options.domainPrefix,
                                                            logo: logo, report: report).run()
        try await mappings.save(mapping)

        let users = try await UserRestore(cognito: cognito, backup: backup, poolID: target.poolID, passwords: options.passwords,
                                          concurrency: options.concurrency, report: report, progress: progress).run()
        mapping.users = users.users
        mapping.federatedUsers = users.federatedUsers
        try await attachTriggers(poolID: target.poolID, createdPool: target.createdPool, report: report)
        warnAboutPasswords(report: report)

        mapping.complete = report.failures.isEmpty
        try await mappings.save(mapping)
        return Result(mapping: mapping, resumed: target.resumed, report: report)
    }

    struct Target {
        let poolID: String
        let createdPool: Bool
        let resumed: Bool
    }

    /// The pool to restore into, checked before anything is written: an existing pool must fit
    /// the backup, and a pool an earlier run created for this backup is used again.
    func resolveTarget(report: RestoreReport) async throws -> Target {
        let journal = try await mappings.load()
        if let journal, !journal.records(backup) {
            throw MappingFileError(reason: "the mapping file records a restore of pool \(journal.sourcePoolID) "
                + "(backup of \(journal.backupTimestamp)); choose another mapping file for this backup")
        }
        switch options.target {
        case .existingPool(let id):
            if let journal, journal.targetPoolID != id {
                throw MappingFileError(reason: "the mapping file records a restore of this backup into \(journal.targetPoolID), not \(id); "
                    + "choose another mapping file")
            }
            try await check(poolID: id)
            return Target(poolID: id, createdPool: journal?.createdPool ?? false, resumed: journal != nil)
        case .newPool(let name):
            if let journal, journal.createdPool {
                do {
                    try await check(poolID: journal.targetPoolID)
                    return Target(poolID: journal.targetPoolID, createdPool: true, resumed: true)
                } catch let failure as RestoreFailure where failure.awsError?.code == "ResourceNotFoundException" {
                    report.warn("pool \(journal.targetPoolID), created by an earlier run, no longer exists; created a new one")
                }
            }
            let poolName = name ?? backup.poolConfig["Name"]?.string ?? "restored-\(backup.sourcePoolID)"
            let created = try await cognito.call("CreateUserPool",
                                                 CreateRequest.userPool(backup.poolConfig, name: poolName, mfaSetSeparately: backup.mfaConfig != nil),
                                                 step: "create pool \(poolName)", poolID: nil)
            guard let id = created["UserPool"]?["Id"]?.string else {
                throw RestoreFailure(step: "create pool \(poolName)", poolID: nil,
                                     underlying: AWSError.unexpectedAnswer("CreateUserPool", "no pool id in the answer"))
            }
            report.record("user_pool", .created)
            return Target(poolID: id, createdPool: true, resumed: false)
        }
    }

    private func check(poolID: String) async throws {
        let described = try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)], step: "describe the target pool", poolID: poolID)
        let problems = TargetCompatibility.problems(backup: backup, target: described["UserPool"] ?? .null)
        guard problems.isEmpty else { throw IncompatibleTargetError(poolID: poolID, problems: problems) }
    }

    /// Triggers go on last, so that none ran once per restored user.
    private func attachTriggers(poolID: String, createdPool: Bool, report: RestoreReport) async throws(RestoreFailure) {
        guard createdPool, let request = CreateRequest.attachTriggers(backup.poolConfig, poolID: poolID) else { return }
        guard !options.skipTriggers else {
            report.warn("Lambda triggers not attached (--skip-triggers)")
            return
        }
        try await report.attempt("lambda_triggers") { () throws(RestoreFailure) in
            _ = try await cognito.call("UpdateUserPool", request, step: "attach the Lambda triggers", poolID: poolID)
            return .applied
        }
        report.warn("the pool invokes the same Lambda functions as before: each function's resource policy must allow "
            + "cognito-idp.amazonaws.com to invoke it for the new pool's ARN")
    }

    private func warnAboutPasswords(report: RestoreReport) {
        let created = report.counts("users").created
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
            "target_pool_id": .string(mapping.targetPoolID),
            "created_pool": .bool(mapping.createdPool),
            "resumed": .bool(resumed),
            "complete": .bool(succeeded),
            "counts": .object(report.counts.map { entry in
                (entry.component, ["created": .number(entry.counts.created), "applied": .number(entry.counts.applied),
                                   "skipped": .number(entry.counts.skipped),
                                   "failed": .number(entry.counts.failed)])
            }),
            "app_clients": .object(mapping.appClients.map { ($0.oldID, .string($0.newID)) }),
            "federated_users": .number(mapping.federatedUsers.count),
            "warnings": .array(report.warnings.map(JSON.string)),
            "failures": .array(report.failures.map(JSON.string)),
        ]
    }
}
