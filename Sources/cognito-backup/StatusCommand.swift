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
            where drills are judged by age: --drill-max-age or BACKUP_DRILL_MAX_AGE_DAYS, which \
            the template sets with EnableDrills) its newest drill is too old, missing, or cannot \
            be read. Exits 0 when every pool is in policy: a check to run from cron or CI. The \
            tiers count only backups not yet expired (the row's expires_at, else \
            BACKUP_TIER_RETENTION_DAYS of --function or the environment); a held backup counts \
            for as long as it is held.

            With --function (or BACKUP_FUNCTION_NAME), the policy is the deployed function's: \
            its USER_POOL_IDS, BACKUP_POOL_TAGS, BACKUP_TABLE, BACKUP_BUCKET, BACKUP_RPO_MINUTES, \
            BACKUP_SCHEDULE and BACKUP_DRILL_MAX_AGE_DAYS, read with lambda:GetFunctionConfiguration; \
            without it, the same variables of the environment. Flags given win over either.

            The pools are those named with --pool-id, else the function's selection \
            (USER_POOL_IDS, ids or *, and BACKUP_POOL_TAGS), else every pool the table (or the \
            bucket) has backups of. The RPO is --max-age, else BACKUP_RPO_MINUTES, \
            else twice BACKUP_SCHEDULE's period, else 2h.

            Examples:
              cognito-backup status --function cognito-backup-prod
              cognito-backup status --table cognito-backup-metadata-prod
              cognito-backup status --table cognito-backup-metadata-prod --pool-id us-east-1_AbCdEf123 --max-age 2h --json
              cognito-backup status --bucket cognito-backup-dr-prod --region us-west-2
            """
    )

    @Option(name: .customLong("pool-id"), help: "Judge this pool (repeat for more; default: the selection, USER_POOL_IDS and BACKUP_POOL_TAGS of --function or the environment, else every pool with backups).")
    var poolIDs: [String] = []

    @Option(help: "DynamoDB metadata table (default: BACKUP_TABLE of --function or the environment, unless --bucket is given).")
    var table: String?

    @Option(help: "Judge from this bucket's objects and manifests (default: BACKUP_BUCKET of --function or the environment); with a table, its open uploads and stray manifests are looked for here.")
    var bucket: String?

    @Option(name: .customLong("max-age"), help: ArgumentHelp("The RPO: the newest backup may be this old (90s, 30m, 2h, 1d; default: BACKUP_RPO_MINUTES, else twice BACKUP_SCHEDULE's period, of --function or the environment, else 2h).", valueName: "age"))
    var maxAge: String?

    @Option(name: .customLong("drill-max-age"), help: ArgumentHelp("The newest drill must have passed within this age (default: BACKUP_DRILL_MAX_AGE_DAYS of --function or the environment; unset: drills are judged only when they failed).", valueName: "age"))
    var drillMaxAge: String?

    @Option(help: ArgumentHelp("Judge by this deployed backup function's policy: its selection, table, bucket, RPO and drill age, "
        + "read from its configuration (default: BACKUP_FUNCTION_NAME; unset: the environment's). Flags given win.", valueName: "name|arn"))
    var function: String?

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var aws: AWSOptions

    func validate() throws {
        for poolID in poolIDs where !PoolID.isValid(poolID) {
            throw ValidationError("--pool-id '\(poolID)' is not a user pool id (us-east-1_AbCdEf123); "
                + "to judge a selection such as *, use the function's (--function) or USER_POOL_IDS")
        }
        if let function, Lambda.FunctionName(function) == nil {
            throw ValidationError("--function '\(function)' is not a function's name (cognito-backup-prod) or ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME)")
        }
        for (flag, value) in [("--max-age", maxAge), ("--drill-max-age", drillMaxAge)] {
            if let value, ProtectionPolicy.seconds(parsing: value) == nil {
                throw ValidationError("\(flag) '\(value)' is not an age: a positive number with s, m, h or d (2h, 7d)")
            }
        }
    }

    func run() async throws {
        try await reportingFailure {
            let environment = ProcessEnvironment.current
            let client = try aws.client()
            let settings = try await StatusPolicy.resolve(function: function, environment: environment, lambda: Lambda(aws: client), flags: self)
            let table = settings.table, bucket = settings.bucket
            guard table != nil || bucket != nil else {
                throw CLIError(message: "nowhere to read backups from: pass --table or --bucket, or set BACKUP_TABLE or BACKUP_BUCKET"
                    + (settings.functionARN.map { " (function \($0) sets neither)" } ?? ""), exitCode: CLIError.configuration)
            }
            let s3 = S3(aws: client), dynamodb = DynamoDB(aws: client)
            let pools = try await Self.protectedPools(named: poolIDs, selection: settings.variables,
                                                      cognito: Cognito(aws: client, quotas: try CognitoQuotas(environment: environment))) {
                if let table { return Set(try await BackupCatalog(dynamodb: dynamodb, table: table).allBackups().map(\.userPoolID)) }
                // The keys name their pools: no manifest need be read to know which pools there are.
                return Set(try await s3.allKeys(bucket: bucket!, prefix: ProtectionSurvey.prefix).compactMap { BackupKey($0)?.poolID })
            }
            let now = UTCTime.now()
            // The tiers' days, like the rest of the policy, are the deployed function's when it is named.
            let statuses = try await ProtectionSurvey(s3: s3, table: table, dynamodb: dynamodb, bucket: bucket,
                                                      retention: try TierRetention(environment: settings.variables), now: now).statuses(of: pools)
            let judged = statuses.map { PoolCompliance($0.facts, policy: settings.protection, now: now) }
            let report = StatusReport(settings: settings, statuses: statuses, judged: judged, now: now)
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
    /// `*`, and `BACKUP_POOL_TAGS`, from the function's configuration or the environment), so that
    /// a selected pool never backed up is judged too; else every pool with backups (`withBackups`).
    static func protectedPools(named: [String], selection environment: [String: String], cognito: @autoclosure () throws -> any CognitoAPI,
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
