import AWSCore
import AWSServices
import ArgumentParser
import Backup
import JSON
import Support

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up user pools to S3 and record each backup in the metadata table.",
        discussion: """
            Runs the same engine as the Lambda function. Flags override the environment \
            variables the function reads (USER_POOL_IDS, BACKUP_BUCKET, BACKUP_TABLE, \
            BACKUP_KMS_KEY_ID, BACKUP_COMPRESSION); COGNITO_TPS_<CATEGORY> sets a quota bucket's rate.

            Example:
              cognito-backup backup --pool-id us-east-1_AbCdEf123 --bucket my-backups --table cognito-backup-metadata-prod
            """
    )

    @Option(name: .customLong("pool-id"), help: """
        User pool to back up (repeatable; default: USER_POOL_IDS, ids or * for every pool in the \
        region, and the pools carrying a tag of BACKUP_POOL_TAGS, key=value[,key=value]).
        """)
    var poolIDs: [String] = []

    @Option(help: "S3 bucket for the backup objects (default: BACKUP_BUCKET).")
    var bucket: String?

    @Option(help: "DynamoDB metadata table (default: BACKUP_TABLE).")
    var table: String?

    @Option(name: .customLong("kms-key-id"), help: "Encrypt with this KMS key instead of S3-managed keys (default: BACKUP_KMS_KEY_ID).")
    var kmsKeyID: String?

    @Option(help: "none, or gzip to store <key>.json.gz (default: BACKUP_COMPRESSION, else none).")
    var compression: String?

    @Option(name: .customLong("user-mfa"), help: """
        Read each user's MFA preferences: off, on, or auto (only where the pool's MFA can be SMS \
        or email). One AdminGetUser per user, which makes every user a billed monthly active \
        user: users x the tier's price each month it runs (default: BACKUP_USER_MFA, else off).
        """)
    var userMFA: String?

    @Flag(help: "Print one JSON document with every backup's metadata, and no progress.")
    var json = false

    @OptionGroup var aws: AWSOptions

    func run() async throws {
        try await reportingFailure {
            var environment = ProcessEnvironment.current
            if !poolIDs.isEmpty {
                // The pools named, and only those.
                environment["USER_POOL_IDS"] = poolIDs.joined(separator: ",")
                environment["BACKUP_POOL_TAGS"] = nil
            }
            if let bucket { environment["BACKUP_BUCKET"] = bucket }
            if let table { environment["BACKUP_TABLE"] = table }
            if let kmsKeyID { environment["BACKUP_KMS_KEY_ID"] = kmsKeyID }
            if let compression { environment["BACKUP_COMPRESSION"] = compression }
            if let userMFA { environment["BACKUP_USER_MFA"] = userMFA }
            let settings: BackupSettings
            // A person at the command line takes what the quota buckets always took (93 %), not the
            // function's half: BACKUP_USERLIST_SHARE lowers it.
            do { settings = try BackupSettings(environment: environment, defaultUserListShare: CognitoQuotas.defaultShare) }
            catch let error as ConfigurationError {
                throw CLIError(message: "\(error.message) (pass --pool-id, --bucket and --table, or set the variable)", exitCode: CLIError.configuration)
            }
            let job = BackupJob(settings: settings, aws: try aws.client(environment: environment))
            try await Self.checkBucket(settings.bucket, s3: job.destination.s3)

            let pools = try await settings.selection.pools(in: job.cognito).map(\.poolID)
            let (outcome, signal) = await TerminationSignals.cancelling { [json] in await Self.backUp(pools, with: job, json: json) }
            if json {
                var document: JSONObject = ["backups": .array(outcome.records.map(\.json))]
                document["failures"] = .array(outcome.failures.map { ["user_pool_id": .string($0.poolID), "error": .string(Self.explain($0))] })
                print(JSON.object(document).serialized)
            }
            if let signal {
                let stopped = outcome.interrupted.map { "stopped the backup of \($0); its upload was aborted and nothing was recorded" }
                    ?? "stopped the backups after \(outcome.records.count + outcome.failures.count) of \(pools.count) pools"
                throw CLIError(message: "\(TerminationSignals.name(signal)) \(stopped)", exitCode: 128 + signal)
            }
            if !outcome.failures.isEmpty {
                throw CLIError(message: "\(outcome.failures.count) of \(pools.count) backups failed", exitCode: CLIError.failed)
            }
        }
    }

    struct Outcome: Sendable {
        var records: [BackupRecord] = []
        var failures: [BackupFailure] = []
        /// The pool whose backup the task's cancellation stopped.
        var interrupted: String?
    }

    /// Backs the pools up one after another, until the last or until the task is cancelled.
    static func backUp(_ poolIDs: [String], with job: BackupJob, json: Bool) async -> Outcome {
        var outcome = Outcome()
        for poolID in poolIDs {
            if Task.isCancelled { break }
            let progress = ProgressLine(label: poolID, enabled: !json)
            do throws(BackupFailure) {
                let record = try await job.run(poolID: poolID) { progress.update(done: $0.usersRead, total: $0.estimatedUsers, unit: "users") }
                progress.finish(done: record.userCount, total: record.userCount, unit: "users")
                outcome.records.append(record)
                if !json { print(summary(record)) }
            } catch where Task.isCancelled {
                outcome.interrupted = poolID
                break
            } catch {
                outcome.failures.append(error)
                if !json { print("\(poolID): FAILED: \(explain(error))") }
            }
        }
        return outcome
    }

    /// A missing bucket would otherwise surface only after the whole pool was read. A listing
    /// rather than HeadBucket, because HEAD answers carry no error code to tell a person. (The
    /// prefix has no slash: moto checks signatures against a decoded query, where `%2F` is `/`.)
    static func checkBucket(_ bucket: String, s3: S3) async throws {
        do { _ = try await s3.listObjectsV2(bucket: bucket, prefix: "cognito-backup", maxKeys: 1) } catch {
            let missing = error.code == "NoSuchBucket"
            throw missing ? CLIError(message: "bucket '\(bucket)' does not exist", exitCode: CLIError.configuration) : CLIError(error)
        }
    }

    static func explain(_ failure: BackupFailure) -> String {
        if let error = failure.underlying as? AWSError, error.code == "ResourceNotFoundException", error.operation == "DescribeUserPool" {
            return "user pool \(failure.poolID) not found in this account and region"
        }
        return "\(failure.underlying)" + (failure.leftOpen.map { "; \($0)" } ?? "")
    }

    static func summary(_ record: BackupRecord) -> String {
        "\(record.userPoolID): \(record.userCount) users, \(record.groupCount) groups, \(record.membershipCount) memberships, "
            + "\(record.appClientCount) app clients -> s3://\(record.bucket)/\(record.s3Key) "
            + "(\(ByteCount.format(record.sizeBytes)), \(Double(record.durationMilliseconds / 100) / 10)s)"
    }
}

enum ByteCount {
    static func format(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1024 * 1024 { return "\(Double(bytes * 10 / 1024) / 10) KiB" }
        return "\(Double(bytes * 10 / (1024 * 1024)) / 10) MiB"
    }
}
