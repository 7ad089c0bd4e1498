import AWSServices
import ArgumentParser
import Backup
import BackupFunction
import JSON
import Support

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Is every pool protected right now? Exits 1 naming each pool that is out of policy, and why.",
        discussion: """
            For each protected pool: its newest backup and its age against the RPO, the retention \
            tiers of its backups, its newest drill, the newest object's replication and replica, \
            legal holds, a backup running now (its lease), multipart uploads left open and \
            manifests no row catalogues. A pool is out of policy when it has no backup, its newest \
            is older than the RPO, S3 failed to replicate it, its newest drill failed, or (only \
            with --drill-max-age or BACKUP_DRILL_MAX_AGE_DAYS) its newest drill is too old or \
            missing. Exits 0 when every pool is in policy: a check to run from cron or CI.

            The pools are those named with --pool-id, else the function's selection \
            (USER_POOL_IDS, ids or *, and BACKUP_POOL_TAGS), else every pool the table (or the \
            bucket) has backups of. The RPO is --max-age, else BACKUP_RPO_MINUTES, \
            else twice BACKUP_SCHEDULE's period, else 2h.

            Examples:
              cognito-backup status --table cognito-backup-metadata-prod
              cognito-backup status --table cognito-backup-metadata-prod --pool-id us-east-1_AbCdEf123 --max-age 2h --json
              cognito-backup status --bucket cognito-backup-dr-prod --region us-west-2
            """
    )

    @Option(name: .customLong("pool-id"), help: "Judge this pool (repeat for more; default: USER_POOL_IDS and BACKUP_POOL_TAGS, else every pool with backups).")
    var poolIDs: [String] = []

    @Option(help: "DynamoDB metadata table (default: BACKUP_TABLE, unless --bucket is given).")
    var table: String?

    @Option(help: "Judge from this bucket's objects and manifests (default: BACKUP_BUCKET); with a table, its open uploads and stray manifests are looked for here.")
    var bucket: String?

    @Option(name: .customLong("max-age"), help: ArgumentHelp("The RPO: the newest backup may be this old (90s, 30m, 2h, 1d).", valueName: "age"))
    var maxAge: String?

    @Option(name: .customLong("drill-max-age"), help: ArgumentHelp("The newest drill must have passed within this age (default: BACKUP_DRILL_MAX_AGE_DAYS; unset: drills are judged only when they failed).", valueName: "age"))
    var drillMaxAge: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var aws: AWSOptions

    func validate() throws {
        for (flag, value) in [("--max-age", maxAge), ("--drill-max-age", drillMaxAge)] {
            if let value, ProtectionPolicy.seconds(parsing: value) == nil {
                throw ValidationError("\(flag) '\(value)' is not an age: a positive number with s, m, h or d (2h, 7d)")
            }
        }
    }

    func run() async throws {
        try await reportingFailure {
            let environment = ProcessEnvironment.current
            func setting(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
            let table = self.table ?? (self.bucket == nil ? setting("BACKUP_TABLE") : nil)
            let bucket = self.bucket ?? setting("BACKUP_BUCKET")
            guard table != nil || bucket != nil else {
                throw CLIError(message: "nowhere to read backups from: pass --table or --bucket, or set BACKUP_TABLE or BACKUP_BUCKET",
                               exitCode: CLIError.configuration)
            }
            let configured = try ProtectionPolicy(environment: environment)
            let policy = ProtectionPolicy(rpoSeconds: maxAge.flatMap(ProtectionPolicy.seconds(parsing:)) ?? configured.rpoSeconds,
                                          drillMaxAgeSeconds: drillMaxAge.flatMap(ProtectionPolicy.seconds(parsing:)) ?? configured.drillMaxAgeSeconds)
            let client = try aws.client()
            let s3 = S3(aws: client), dynamodb = DynamoDB(aws: client)
            let pools = try await Self.protectedPools(named: poolIDs, environment: environment,
                                                      cognito: Cognito(aws: client, quotas: try CognitoQuotas(environment: environment))) {
                if let table { return Set(try await BackupCatalog(dynamodb: dynamodb, table: table).allBackups().map(\.userPoolID)) }
                // The keys name their pools: no manifest need be read to know which pools there are.
                return Set(try await s3.allKeys(bucket: bucket!, prefix: ProtectionSurvey.prefix).compactMap { BackupKey($0)?.poolID })
            }
            let now = UTCTime.now()
            let statuses = try await ProtectionSurvey(s3: s3, table: table, dynamodb: dynamodb, bucket: bucket,
                                                      retention: try TierRetention(environment: environment), now: now).statuses(of: pools)
            let judged = statuses.map { PoolCompliance($0.facts, policy: policy, now: now) }
            let report = StatusReport(policy: policy, statuses: statuses, judged: judged, now: now)
            print(json ? report.json.serialized : report.text)
            let failing = judged.filter { !$0.compliant }
            if !failing.isEmpty {
                throw CLIError(message: "\(failing.count) of \(judged.count) pools out of policy: "
                    + failing.map { "\($0.poolID) (\($0.breaches.map(\.description).joined(separator: "; ")))" }.joined(separator: ", "),
                               exitCode: CLIError.failed)
            }
        }
    }

    /// The pools to judge: those named, else the function's selection (`USER_POOL_IDS`, ids or
    /// `*`, and `BACKUP_POOL_TAGS`), so that a selected pool never backed up is judged too; else
    /// every pool with backups (`withBackups`).
    static func protectedPools(named: [String], environment: [String: String], cognito: @autoclosure () throws -> any CognitoAPI,
                               withBackups: () async throws -> Set<String>) async throws -> [String] {
        if !named.isEmpty { return named }
        func setting(_ name: String) -> String { environment[name]?.trimmingCharacters(in: " \t\r\n") ?? "" }
        if !setting("USER_POOL_IDS").isEmpty || !setting("BACKUP_POOL_TAGS").isEmpty {
            let selection: PoolSelection
            do { selection = try PoolSelection(poolIDs: setting("USER_POOL_IDS"), tags: setting("BACKUP_POOL_TAGS")) } catch {
                throw CLIError(message: error.message, exitCode: CLIError.configuration)
            }
            return try await selection.pools(in: try cognito()).map(\.poolID)
        }
        let pools = try await withBackups().sorted()
        guard !pools.isEmpty else {
            throw CLIError(message: "no pools to judge: no backups found; name them with --pool-id or USER_POOL_IDS", exitCode: CLIError.failed)
        }
        return pools
    }
}
