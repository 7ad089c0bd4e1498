import AWSCore
import AWSServices
import Support
import Backup
import JSON

/// A restore drill: proves that a pool's newest backup restores, by doing it. The backup is
/// checked against its catalog row and its manifest, restored into a scratch pool, compared
/// with it by every `verify` check, and the scratch pool deleted — whatever happened before,
/// cancellation included.
public struct Drill: Sendable {
    public let cognito: any CognitoAPI
    /// Answers each create once (see `RestoreJob`).
    public let creating: any CognitoAPI
    public let s3: S3
    public let catalog: BackupCatalog
    /// Read the catalogued key from this bucket instead of the row's (a DR replica).
    public let bucket: String?
    /// Leave the scratch pool for a person to look at.
    public let keep: Bool
    /// How long the cleanup may wait out throttling: it runs after the drill's own deadline has
    /// cut the rest short, so it has its own.
    public var cleanupDeadline: UTCTime?
    /// How many of the backup's users are restored and verified.
    public var users: DrillUsers
    /// With `users` `.all`, the users go into the scratch pool by user import jobs, which bill no
    /// monthly active user; nil, every one is created, and billed.
    public var importAccess: ImportJobAccess?

    public init(cognito: any CognitoAPI, creating: any CognitoAPI, s3: S3, catalog: BackupCatalog, bucket: String? = nil,
                keep: Bool = false, cleanupDeadline: UTCTime? = nil, users: DrillUsers = .sample(DrillUsers.defaultSample),
                importAccess: ImportJobAccess? = nil) {
        self.cognito = cognito
        self.creating = creating
        self.s3 = s3
        self.catalog = catalog
        self.bucket = bucket
        self.keep = keep
        self.cleanupDeadline = cleanupDeadline
        self.users = users
        self.importAccess = importAccess
    }

    /// Drills the pool and records the result in the metadata table (see `DrillRecords`).
    public func run(poolID: String) async -> DrillReport {
        var report = await drill(poolID: poolID)
        let records = DrillRecords(dynamodb: catalog.dynamodb, table: catalog.table)
        // Outside this task, as the cleanup: a drill stopped by a signal or a deadline is a result too.
        let recorded = await Task { [report] () async -> AWSError? in
            do throws(AWSError) { try await records.record(DrillRecord(report, finishedAt: UTCTime.now())) } catch { return error }
            return nil
        }.value
        if let recorded {
            report.warnings.append("the drill's result could not be recorded in table \(catalog.table) (\(recorded.code)): status cannot see it")
        }
        return report
    }

    private func drill(poolID: String) async -> DrillReport {
        var report = DrillReport(poolID: poolID)
        var start = ContinuousClock.now
        let backup: BackupContents
        do {
            let (record, source, read) = try await newestIntactBackup(of: poolID)
            report.record = record
            report.source = source.description
            backup = read
            report.finish(.integrity, passed: true, since: start,
                          "\(record.sizeBytes) bytes, SHA-256 \(record.sha256.prefix(12))…, as its row and its manifest say")
        } catch {
            report.finish(.integrity, passed: false, since: start, "\(error)")
            return report
        }

        let scratch = DrillScratchPool(of: backup, at: UTCTime.now())
        report.scratchPoolName = scratch.name
        report.notDrilled = scratch.notDrilled
        report.tier = CognitoTier(pool: scratch.backup.poolConfig)
        let journal = MemoryJournal()
        let billed = BilledUsers()
        let (counted, countedCreating) = (billed.watching(cognito), billed.watching(creating))
        start = ContinuousClock.now
        var options = RestoreOptions(target: .newPool(name: scratch.name), skipTriggers: true, passwords: .noInvitation)
        var billingNote: String?
        do {
            let drilled: BackupContents
            switch users {
            case .all:
                drilled = scratch.backup
                if let importAccess {
                    options.usersVia = .importJobs(importAccess)
                    report.usersVia = "import"
                } else {
                    billingNote = "every user was created with AdminCreateUser, each a billed monthly active user: no import role was given "
                        + "(--import-role-arn or BACKUP_IMPORT_ROLE_ARN), with which --users all imports them and bills only the users "
                        + "a job cannot take and those it then disables, adds to groups or gives MFA preferences"
                }
            case .sample(let size):
                let sample = try DrillSample(of: scratch.backup, size: size)
                drilled = sample.backup
                report.groupsNotRepresented = sample.groupsNotRepresented
            }
            report.usersInBackup = scratch.backup.users.count
            report.usersChecked = drilled.users.count
            let result = try await RestoreJob(cognito: counted, creating: countedCreating, backup: drilled, options: options,
                                              mappings: journal).run()
            report.warnings = result.report.warnings + [billingNote].compactMap { $0 }
            report.usersImported = result.report.counts("users_imported").created
            report.failures = result.report.failures
            report.scratchPoolID = result.mapping.targetPoolID
            let created = result.report.counts.map { "\($0.counts.created + $0.counts.applied) \($0.component)" }.joined(separator: ", ")
            report.finish(.restore, passed: result.succeeded, since: start, result.succeeded
                ? "into \(scratch.name) (\(result.mapping.targetPoolID ?? "?")): \(created)"
                : "\(result.report.failures.count) items not restored into \(scratch.name)")
            start = ContinuousClock.now
            let clients = Dictionary(result.mapping.appClients.map { ($0.oldID, $0.newID) }, uniquingKeysWith: { first, _ in first })
            report.checks = try await PoolVerifier(backup: drilled, pool: .pool(id: result.mapping.targetPoolID ?? "", cognito: counted),
                                                   expectTriggers: false, clients: clients).checks()
            let failed = report.checks.filter { !$0.passed }
            report.finish(.verify, passed: failed.isEmpty, since: start, failed.isEmpty
                ? "\(report.checks.count) of \(report.checks.count) checks passed"
                : "\(failed.count) of \(report.checks.count) checks failed: " + failed.map(\.name).joined(separator: ", "))
        } catch {
            report.finish(report.steps.contains { $0.step == .restore } ? .verify : .restore, passed: false, since: start, "\(error)")
        }

        report.billedUsers = billed.count

        start = ContinuousClock.now
        let poolID = journal.last?.targetPoolID
        report.scratchPoolID = report.scratchPoolID ?? poolID
        if keep {
            report.kept = true
            report.finish(.cleanup, passed: true, since: start, "kept \(poolID ?? scratch.name) (--keep): delete it when done")
            return report
        }
        // Outside this task, which may be cancelled: the scratch pool goes whatever stopped the drill.
        let (cognito, deadline, last) = (cognito, cleanupDeadline, journal.last)
        let cleanup = Task { () async -> Result<String?, RestoreFailure> in
            await CallDeadline.$current.withValue(deadline) {
                do throws(RestoreFailure) {
                    return .success(try await DrillCleanup(cognito: cognito).delete(journal: last, name: scratch.name))
                } catch {
                    return .failure(error)
                }
            }
        }
        switch await cleanup.value {
        case .success(let deleted):
            report.finish(.cleanup, passed: true, since: start, deleted.map { "deleted \($0)" } ?? "no scratch pool was created")
        case .failure(let failure):
            report.finish(.cleanup, passed: false, since: start, "\(failure); delete the pool \(poolID ?? scratch.name) by hand")
        }
        return report
    }

    /// The pool's newest catalogued backup, downloaded to disk as a restore downloads it and
    /// checked against its row and its manifest: a restore from it would read exactly these bytes.
    private func newestIntactBackup(of poolID: String) async throws -> (BackupRecord, BackupSource, BackupContents) {
        guard let record = try await catalog.backups(of: poolID, limit: 1).first else {
            throw DrillError(reason: "no backup of \(poolID) in table \(catalog.table)")
        }
        let (bucket, key) = (bucket ?? record.bucket, record.s3Key)
        let source = BackupSource.s3(bucket: bucket, key: key)
        let downloaded = try await source.download(s3: s3, bucket: bucket, key: key, versionID: nil)
        guard downloaded.size == record.sizeBytes, downloaded.sha256 == record.sha256 else {
            throw DrillError(reason: "\(source) does not match its catalog row: \(downloaded.size) bytes with SHA-256 \(downloaded.sha256), "
                + "the row says \(record.sizeBytes) bytes with SHA-256 \(record.sha256)")
        }
        if let unchecked = try await source.checkIntegrity(size: downloaded.size, sha256: downloaded.sha256, s3: s3) {
            throw DrillError(reason: unchecked)
        }
        return (record, source, try BackupContents(file: downloaded.file))
    }
}

/// A drill that could not start its restore: no backup, or one whose bytes nothing vouches for.
public struct DrillError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { reason }
}
