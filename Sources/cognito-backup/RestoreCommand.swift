import AWSCore
import AWSServices
import ArgumentParser
import Backup
import JSON
import Restore
import Support

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into a new or an existing user pool.",
        discussion: """
            Recreates resource servers, identity providers, groups, app clients (new ids: the old-to-new \
            map is printed), the domain, UI customization (its logo from the backup, or for an \
            older backup downloaded again from the old pool's URL), threat protection, each app client's managed login branding and terms \
            documents, then users (new subs; passwords cannot be exported), their linked identities \
            and every group membership. Lambda triggers are attached last, so none runs for a \
            restored user.

            Run it again to finish an interrupted or failed restore: what exists is skipped. The \
            mapping file (each user's old and new sub, each client's old and new id) is also the restore's \
            journal: with --create-pool, a second run restores into the pool the first one created.

            Into an existing pool, --only restores every item of the kinds it names, and --user, \
            --users-file, --group, --client and --provider the items they name (any mix of them, \
            added up); nothing else of the backup is written. --only and named items do not go \
            together. A selected restore keeps its own mapping file, \
            <backup>.<selection>-restore-mapping.json, so the whole restore's journal stays as it was.

            Example:
              cognito-backup restore --source s3://my-backups/cognito-backup/2024/01/15/us-east-1_AbC-103000.json \\
                --create-pool --pool-name users-restored --domain-prefix users-restored
            """
    )

    @OptionGroup var source: SourceOptions

    @Flag(name: .customLong("create-pool"), help: "Build a new pool from the backup's configuration.")
    var createPool = false

    @Option(name: .customLong("pool-name"), help: "Name of the new pool (default: the old pool's name).")
    var poolName: String?

    @Option(name: .customLong("target-pool-id"), help: "Restore into this existing pool instead.")
    var targetPoolID: String?

    @Option(name: .customLong("domain-prefix"), help: "Create the hosted UI domain with this prefix (the old one is global and still taken).")
    var domainPrefix: String?

    @Flag(name: .customLong("skip-triggers"), help: "Do not attach the old pool's Lambda triggers to a new pool.")
    var skipTriggers = false

    @Option(help: """
        How users get back in, since Cognito cannot export passwords: none (FORCE_CHANGE_PASSWORD, \
        nothing sent; fastest), invite (Cognito sends each new user a temporary password), \
        forgot-password (users who had a password can reset it themselves; half the speed).
        """)
    var passwords: PasswordHandling = .noInvitation

    @Option(name: .customLong("users-via"), help: """
        How users are put in the pool: create (AdminCreateUser, one call per user, each user billed as a \
        monthly active user) or import (CSV user import jobs, which bill nobody: users come back \
        RESET_REQUIRED; those a job cannot take are created, and billed). Needs --import-role-arn.
        """)
    var usersVia: UsersVia = .create

    @Option(name: .customLong("import-role-arn"), help: """
        The role Cognito writes an import job's CloudWatch log with (the template's ImportRoleArn); \
        default: BACKUP_IMPORT_ROLE_ARN.
        """)
    var importRoleARN: String?

    @Flag(help: """
        With --target-pool-id, also put back what differs from the backup: users' writable \
        attributes (a changed user is no longer refused; each one updated is a billed active \
        user), groups' settings, resource servers, identity providers, app clients (their \
        complete configuration, matched by name), the pool settings (every setting, triggers \
        included, then the backup's MFA configuration), UI customization, threat protection \
        settings, log delivery, managed login branding, terms and the domain's managed login \
        version and certificate. MFA, threat protection and deletion protection are never weaker \
        in between. Items that already match are not written. Without --revert, those settings \
        are set only where the target has none, and each that differs is named in a warning.
        """)
    var revert = false

    @Flag(help: """
        With --target-pool-id: what --revert does, and also remove from the pool what the backup \
        lacks, in this order: group memberships, users (their memberships with them), app \
        clients the mapping does not pair with the backup's by name, identity providers, \
        resource servers, groups (their members with them). Each membership removed and each \
        user deleted is counted as a billed active user. With --only, only the kinds named; with \
        --user or --users-file, only those users' memberships the backup lacks; not with --group, \
        --client or --provider. Nothing is removed without this flag; --plan lists every removal first.
        """)
    var exact = false

    @Option(name: .customLong("user"), help: ArgumentHelp("""
        With --target-pool-id, restore this user (repeatable), with her group memberships and \
        the groups she is in (created if missing). Its mapping goes to \
        <backup>.users-restore-mapping.json unless --mapping-file says otherwise.
        """, valueName: "username"))
    var users: [String] = []

    @Option(name: .customLong("users-file"), help: "Like --user, for each username in this file (one per line).")
    var usersFile: String?

    @Option(name: .customLong("group"), help: ArgumentHelp("""
        With --target-pool-id, restore this group (repeatable; created if missing, its settings put \
        back with --revert) and its members: those the target lacks are created, and each member's \
        membership in this group is restored, not her other groups.
        """, valueName: "name"))
    var groups: [String] = []

    @Option(name: .customLong("client"), help: ArgumentHelp("""
        With --target-pool-id, restore this app client (repeatable, by ClientName; created if \
        missing, put back with --revert) and its own UI customization, threat protection, managed \
        login branding and terms.
        """, valueName: "name"))
    var clients: [String] = []

    @Option(name: .customLong("provider"), help: ArgumentHelp("""
        With --target-pool-id, restore this identity provider (repeatable, by ProviderName; created \
        if missing, put back with --revert).
        """, valueName: "name"))
    var providers: [String] = []

    @Option(name: .customLong("only"), help: ArgumentHelp("""
        With --target-pool-id, restore only these kinds (comma-separated, repeatable): users (the \
        users themselves, not their groups), memberships (of the users the target has, unless \
        users is named too), groups, clients, providers, resource-servers, settings (pool \
        settings, MFA configuration and triggers; with --revert), ui, risk (threat protection), \
        domain, logs (log delivery), branding (managed login branding and terms).
        """, valueName: "kinds"))
    var only: [String] = []

    @Option(name: .customLong("mapping-file"), help: "Where to write the mapping (default: beside the backup, or here for S3).")
    var mappingFile: String?

    @Flag(help: """
        Write nothing: read the backup and the target and print what the restore would do, per \
        component, the Cognito calls per quota and their time at the configured rates, the users \
        it would bill and their cost at the target's tier, and its warnings; into an existing \
        pool, also each difference between the pool and the backup as diff names it (the first \
        100, of the kinds restored; not for items named one by one). Exits 0 if the restore would \
        go through, 1 if not.
        """)
    var plan = false

    @Flag(help: "Print a JSON summary, and no progress.")
    var json = false

    @OptionGroup var aws: AWSOptions

    func validate() throws {
        guard createPool != (targetPoolID != nil) else {
            throw ValidationError("pass exactly one of --create-pool and --target-pool-id")
        }
        if poolName != nil && !createPool { throw ValidationError("--pool-name goes with --create-pool") }
        if revert && createPool { throw ValidationError("--revert goes with --target-pool-id") }
        if exact && createPool {
            throw ValidationError("--exact removes from an existing pool what the backup lacks: it goes with --target-pool-id, not --create-pool")
        }
        if exact && (!groups.isEmpty || !clients.isEmpty || !providers.isEmpty) {
            throw ValidationError("--exact goes with the whole backup, --only, --user or --users-file; "
                + "with --group, --client or --provider it could remove what those items share with others")
        }
        let names = !users.isEmpty || usersFile != nil || !groups.isEmpty || !clients.isEmpty || !providers.isEmpty
        if (names || !only.isEmpty) && createPool {
            throw ValidationError("--only, --user, --users-file, --group, --client and --provider go with --target-pool-id")
        }
        if names && !only.isEmpty { throw ValidationError(RestoreSelectionUsageError.kindsWithNames.description) }
        let kinds: RestoreSelection
        do { kinds = try RestoreSelection.combining(only: only, items: RestoreSelection.Named()) } catch { throw ValidationError(error.description) }
        if usersVia == .importJobs, !kinds.includes(.users) {
            throw ValidationError("--users-via import puts users in the pool, and this --only restores none: add users to it")
        }
    }

    func run() async throws {
        try await reportingFailure { try await restore() }
    }

    private func restore() async throws {
        let client = try aws.client()
        let importAccess = try importJobAccess(client)
        let selection = try RestoreSelection.combining(only: only, items: RestoreSelection.Named(
            users: try selectedUsers(), groups: Set(groups), clients: Set(clients), providers: Set(providers)))
        let (whole, source, s3) = try await self.source.read(aws: aws)
        let backup = try whole.selected(by: selection)
        if selection.includes(.settings), !selection.isWhole, !revert {
            warn("--only settings writes nothing without --revert: an existing pool always has settings, and only --revert puts them back")
        }
        // A selected restore keeps its own journal: the whole restore's mapping stays as it was.
        let mappingPath = mappingFile ?? source.defaultMappingPath(for: selection)
        var options = RestoreOptions(target: createPool ? .newPool(name: poolName) : .existingPool(id: targetPoolID!),
                                     domainPrefix: domainPrefix, skipTriggers: skipTriggers, passwords: passwords,
                                     revert: revert || exact, selection: selection)
        if exact { options.exact = selection.exactRemoval }
        if let importAccess { options.usersVia = .importJobs(importAccess) }
        let quotas = try CognitoQuotas(environment: client.configuration.environment)
        // Creates are sent by a client that never retries: the restore looks for what a lost
        // answer may have created before sending it again. Both share the quota buckets.
        let billed = BilledUsers()
        let job = RestoreJob(cognito: billed.watching(Cognito(aws: client, quotas: quotas)),
                             creating: billed.watching(Cognito(aws: client, quotas: quotas, retry: RetryPolicy(maxAttempts: 1))),
                             backup: backup, options: options, mappings: MappingFile(path: mappingPath))

        // The plan's reads are not billed; only what the restore itself sends is.
        let planned = await RestoreJob(cognito: Cognito(aws: client, quotas: quotas), backup: backup, options: options,
                                       mappings: MappingFile(path: mappingPath)).plan(quotas: quotas)
        if plan {
            // Each difference a repair would act on, named as `diff` names it; a selection of
            // items by name shows its own in the counts above. A refused plan has no repair to
            // show, and its refusal (a pool that is not there, one that cannot take the backup) is the answer.
            let differences: PlanDifferences? = if let poolID = targetPoolID, !selection.isNamed, planned.refusal == nil {
                try await PlanDifferences.read(pool: poolID, backup: backup, selection: selection, aws: aws)
            } else { nil }
            if json {
                var object = planned.json.object ?? JSONObject()
                object["differences"] = differences?.json ?? .null
                print(JSON.object(object).serialized)
            } else {
                print(planned.text + (differences.map { "\n" + $0.text } ?? ""))
            }
            guard planned.wouldGoThrough else {
                throw CLIError(message: "the restore would not go through: " + (planned.refusal ?? "\(planned.failures.count) items would not be restored"),
                               exitCode: CLIError.failed)
            }
            return
        }
        if !json { StandardStream.error.write(planned.text + "\n") }

        let progress = ProgressLine(label: "restore \(backup.sourcePoolID)", enabled: !json)
        let result: RestoreJob.Result
        do {
            result = try await cancellingOnInterrupt { try await job.run { progress.update(done: $0, total: $1, unit: "users") } }
        } catch let interrupted as Interrupted {
            throw CLIError(message: "stopped by \(interrupted.name); \(mappingPath) records what was restored: "
                + "run the same command again to resume", exitCode: interrupted.exitCode)
        }
        progress.finish(done: result.mapping.users.count + result.mapping.users.federatedCount, total: backup.users.count, unit: "users")

        // The client id map is printed before the copy is tried: a DR bucket this identity may
        // only read must not cost the person restoring the ids they need next.
        if json {
            let copy = await copyMapping(result.mapping, beside: source, selection: selection, s3: s3, localPath: mappingPath)
            var summary = result.json.object ?? JSONObject()
            summary["mapping_files"] = .array(([mappingPath] + [copy].compactMap { $0 }).map(JSON.string))
            summary["billed_users"] = .number(billed.count)
            summary["plan"] = planned.json
            print(JSON.object(summary).serialized)
        } else {
            print(Self.summary(result, backup: backup, mappingFile: mappingPath))
            if let copy = await copyMapping(result.mapping, beside: source, selection: selection, s3: s3, localPath: mappingPath) { print("Mapping copied to \(copy)") }
        }
        if !result.succeeded {
            throw CLIError(message: "\(result.report.failures.count) items were not restored; run again to retry them", exitCode: CLIError.failed)
        }
    }

    /// The users `--user` and `--users-file` name; empty for the whole backup.
    private func selectedUsers() throws -> Set<String> {
        var names = Set(users)
        if let usersFile {
            let text: String
            do { text = try FileIO.text(at: usersFile) } catch {
                throw CLIError(message: "--users-file \(error)", exitCode: CLIError.configuration)
            }
            let listed = text.split(whereSeparator: \.isNewline).map { String($0).trimmingCharacters(in: " \t\r") }.filter { !$0.isEmpty }
            // An empty file selects nobody: it must not turn into the whole backup.
            guard !listed.isEmpty else { throw CLIError(message: "--users-file \(usersFile): names no user", exitCode: CLIError.configuration) }
            names.formUnion(listed)
        }
        return names
    }

    /// With `--users-via import`, the role and clients its jobs need; checked before the backup is read.
    private func importJobAccess(_ client: AWSClient) throws -> ImportJobAccess? {
        guard usersVia == .importJobs else { return nil }
        let role = importRoleARN ?? client.configuration.environment["BACKUP_IMPORT_ROLE_ARN"] ?? ""
        guard !role.isEmpty else {
            throw CLIError(message: "--users-via import needs the import job's role: --import-role-arn or BACKUP_IMPORT_ROLE_ARN",
                           exitCode: CLIError.configuration)
        }
        return ImportJobAccess(roleARN: role, logs: CloudWatchLogs(aws: client))
    }

    /// Puts a copy of the mapping beside an S3 backup, for whoever restores next; returns where,
    /// or nil when there is no copy to make or it could not be written (a warning: the mapping is
    /// safe in `localPath`, and the restore itself succeeded or failed on its own).
    private func copyMapping(_ mapping: RestoreMapping, beside source: BackupSource, selection: RestoreSelection, s3: S3,
                             localPath: String) async -> String? {
        guard case let .s3(bucket, _) = source, let target = mapping.targetPoolID,
              let key = source.mappingKey(targetPoolID: target, selection: selection) else { return nil }
        do {
            try await MappingFile(path: localPath).upload(s3: s3, bucket: bucket, key: key)
            return "s3://\(bucket)/\(key)"
        } catch {
            warn("the mapping was not copied to s3://\(bucket)/\(key) (\(error)); it is in \(localPath)")
            return nil
        }
    }

    static func summary(_ result: RestoreJob.Result, backup: BackupContents, mappingFile: String) -> String {
        let mapping = result.mapping
        var lines = ["Restored \(mapping.sourcePoolID) (backup of \(mapping.backupTimestamp)) into \(mapping.targetPoolID ?? "?")"
            + (result.resumed ? ", resuming an earlier run" : mapping.createdPool ? ", a new pool" : "")]
        let width = max(20, (result.report.counts.map(\.component.count).max() ?? 0) + 1)
        for (component, counts) in result.report.counts {
            var parts: [String] = []
            if counts.created > 0 || counts.skipped > 0 { parts += ["\(counts.created) created", "\(counts.skipped) already there"] }
            if counts.applied > 0 { parts.append("\(counts.applied) applied") }
            if counts.removed > 0 { parts.append("\(counts.removed) removed") }
            if counts.failed > 0 { parts.append("\(counts.failed) FAILED") }
            lines.append("  \(component.padding(to: width)) \(parts.joined(separator: ", "))")
        }
        if !mapping.appClients.isEmpty {
            lines.append("App clients (old → new id):")
            for client in mapping.appClients { lines.append("  \(client.name.padding(to: 20)) \(client.oldID) → \(client.newID)") }
        }
        lines.append("Mapping (old → new sub per user, client ids): \(mappingFile)")
        if !result.report.warnings.isEmpty {
            lines.append("Notes:")
            lines += result.report.warnings.map { "  - \($0)" }
        }
        if !result.report.failures.isEmpty {
            lines.append("Not restored (\(result.report.failures.count)):")
            lines += result.report.failures.prefix(20).map { "  - \($0)" }
            if result.report.failures.count > 20 { lines.append("  … and \(result.report.failures.count - 20) more (see --json)") }
        }
        return lines.joined(separator: "\n")
    }
}

extension PasswordHandling: ExpressibleByArgument {}

/// `--users-via`.
enum UsersVia: String, ExpressibleByArgument, CaseIterable {
    case create
    case importJobs = "import"
}
