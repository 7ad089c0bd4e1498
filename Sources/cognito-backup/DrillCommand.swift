import AWSCore
import AWSServices
import ArgumentParser
import Backup
import JSON
import Restore
import Support

struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Prove that a pool's newest backup restores: restore it into a scratch pool, verify it, delete it.",
        discussion: """
            Takes the pool's newest backup from the metadata table and checks its size and SHA-256 \
            against its row and its manifest, and parses every user and membership in it; \
            restores its configuration whole, and its users (all with --users all, else a \
            sample of 1000 by default: each restored user is billed as a monthly active user; \
            with --users all and an import role, they go in by user import jobs, which bill \
            only the users a job cannot take and those then disabled, grouped or given MFA) \
            with their memberships, into a new pool named drill-<pool>-<time> (no domain, no \
            Lambda triggers, no log delivery, deletion protection off, no password messages, \
            tagged cognito-backup:drill); runs every check of verify against it, on the users \
            restored; and deletes it, even when a step failed or the drill was interrupted. \
            Each step is timed: integrity + restore + verify is the recovery time \
            this backup would give. Exits 0 only when every step passed.

            Example:
              cognito-backup drill --pool-id us-east-1_AbCdEf123 --table cognito-backup-metadata-prod
            """
    )

    @Option(name: .customLong("pool-id"), help: "The pool whose newest backup is drilled.")
    var poolID: String

    @Option(help: "Read the catalogued object from this bucket, e.g. the DR replica (default: BACKUP_BUCKET, else the bucket the row names).")
    var bucket: String?

    @Option(help: "DynamoDB metadata table (default: BACKUP_TABLE).")
    var table: String?

    @Option(help: """
        How many users to restore and verify: a number (default 1000) or all. Every restored user \
        is a billed monthly active user (all with --import-role-arn imports them: then only those a \
        job cannot take, or that are disabled, grouped or given MFA, are billed); a sample takes the file's first and last users, one of \
        each status, a disabled and a linked user, a member of each group, then users at random. \
        The whole file is checked and parsed either way.
        """)
    var users = String(DrillUsers.defaultSample)

    @Option(name: .customLong("import-role-arn"), help: """
        With --users all: import the users into the scratch pool by user import jobs, whose \
        CloudWatch log Cognito writes with this role (the template's ImportRoleArn), instead of \
        creating (and billing) each one. Default: BACKUP_IMPORT_ROLE_ARN.
        """)
    var importRoleARN: String?

    @Flag(help: "Leave the scratch pool for inspection instead of deleting it.")
    var keep = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var aws: AWSOptions

    func run() async throws {
        try await reportingFailure {
            let environment = ProcessEnvironment.current
            guard let table = table ?? environment["BACKUP_TABLE"].flatMap({ $0.isEmpty ? nil : $0 }) else {
                throw CLIError(message: "no metadata table: pass --table or set BACKUP_TABLE", exitCode: CLIError.configuration)
            }
            guard let drilledUsers = DrillUsers(users) else {
                throw CLIError(message: "--users must be a number of users above 0 or all, not '\(users)'", exitCode: CLIError.configuration)
            }
            let client = try aws.client()
            let quotas = try CognitoQuotas(environment: client.configuration.environment)
            let role = importRoleARN ?? environment["BACKUP_IMPORT_ROLE_ARN"] ?? ""
            let drill = Drill(cognito: Cognito(aws: client, quotas: quotas),
                              creating: Cognito(aws: client, quotas: quotas, retry: RetryPolicy(maxAttempts: 1)),
                              s3: S3(aws: client), catalog: BackupCatalog(dynamodb: DynamoDB(aws: client), table: table),
                              bucket: bucket ?? environment["BACKUP_BUCKET"].flatMap { $0.isEmpty ? nil : $0 }, keep: keep,
                              users: drilledUsers,
                              importAccess: role.isEmpty ? nil : ImportJobAccess(roleARN: role, logs: CloudWatchLogs(aws: client)))
            // SIGINT and SIGTERM cancel the drill; its scratch pool is still deleted, and the
            // report printed, before it returns.
            let report: DrillReport
            do {
                report = try await cancellingOnInterrupt { [poolID, json] in
                    let report = await drill.run(poolID: poolID)
                    print(json ? report.json.serialized : report.text)
                    return report
                }
            } catch let interrupted as Interrupted {
                throw CLIError(message: "the drill of \(poolID) was stopped by \(interrupted.name)", exitCode: interrupted.exitCode)
            }
            if !report.passed {
                throw CLIError(message: "the drill of \(poolID) failed at \(report.failure ?? "an unknown step")", exitCode: CLIError.failed)
            }
        }
    }
}
