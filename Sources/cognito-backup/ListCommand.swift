import ArgumentParser
import AWSClient
import Backup
import JSON

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List backups from the metadata table, newest first.",
        discussion: """
            Example:
              cognito-backup list --table cognito-backup-metadata-prod --pool-id us-east-1_AbCdEf123
            """
    )

    @Option(name: .customLong("pool-id"), help: "Only this pool's backups (without it, the whole table is scanned).")
    var poolID: String?

    @Option(help: "DynamoDB metadata table (default: BACKUP_TABLE).")
    var table: String?

    @Option(help: "Show at most this many backups.")
    var limit: Int?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var aws: AWSOptions

    func run() async throws {
        try await reportingFailure {
            let environment = ProcessEnvironment.current
            guard let table = table ?? environment["BACKUP_TABLE"], !table.isEmpty else {
                throw CLIError(message: "no metadata table: pass --table or set BACKUP_TABLE", exitCode: CLIError.configuration)
            }
            let catalog = BackupCatalog(dynamodb: DynamoDB(aws: try aws.client()), table: table)
            var records: [BackupRecord]
            if let poolID { records = try await catalog.backups(of: poolID, limit: limit) } else { records = try await catalog.allBackups() }
            if let limit { records = Array(records.prefix(limit)) }
            if json {
                print(JSON.array(records.map(\.json)).serialized)
                return
            }
            let rows = [["DATE", "POOL", "USERS", "GROUPS", "SIZE", "KEY"]] + records.map {
                [$0.backupDate, $0.userPoolID, String($0.userCount), String($0.groupCount), ByteCount.format($0.sizeBytes), "s3://\($0.bucket)/\($0.s3Key)"]
            }
            let widths = (0..<6).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let padded = zip(row.dropLast(), widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }
                print((padded + [row.last!]).joined(separator: "  "))
            }
            if records.isEmpty { print("(no backups)") }
        }
    }
}
