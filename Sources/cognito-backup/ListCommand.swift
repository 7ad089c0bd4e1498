import AWSCore
import AWSServices
import ArgumentParser
import Backup
import JSON
import Support

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List backups, newest first: from the metadata table, or from a bucket alone.",
        discussion: """
            The columns: DATE, POOL, USERS, GROUPS, SIZE, TIER (the retention tier the backup is \
            kept by: monthly, daily or hourly, as its `cognito-backup:tier` tag says; - for a \
            backup from before tiers) and KEY.

            With --bucket (and no --table) the backups are found in S3 itself, each described by \
            the manifest beside it: the way to list a DR bucket whose table is in another region. \
            Backups older than manifests are listed from their key, with their size and no counts. \
            From the table, only backups whose tier's lifecycle rule has not yet removed the object \
            are listed (by each row's expires_at; a row without one by its tier and \
            BACKUP_TIER_RETENTION_DAYS, when set); a held backup is listed as long as it is held. \
            With --holds a HOLD column (and `legal_hold` in JSON) says which backups are under an \
            Object Lock legal hold (see `hold`): one GetObjectLegalHold per backup, asked of the \
            version its row (or manifest) records, so a held backup whose key now shows a delete \
            marker is still found; restore it with --version-id.

            Examples:
              cognito-backup list --table cognito-backup-metadata-prod --pool-id us-east-1_AbCdEf123
              cognito-backup list --bucket cognito-backup-dr-prod --pool-id us-east-1_AbCdEf123 --region us-west-2
            """
    )

    @Option(name: .customLong("pool-id"), help: "Only this pool's backups (without it, every pool's).")
    var poolID: String?

    @Option(help: "DynamoDB metadata table (default: BACKUP_TABLE, unless --bucket is given).")
    var table: String?

    @Option(help: "List from this bucket's objects and manifests instead of the table (default: BACKUP_BUCKET when no table is set).")
    var bucket: String?

    @Option(help: "Show at most this many backups.")
    var limit: Int?

    @Flag(help: "Show each backup's Object Lock legal hold (needs s3:GetObjectLegalHold; see `hold`).")
    var holds = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var aws: AWSOptions

    func run() async throws {
        try await reportingFailure {
            let environment = ProcessEnvironment.current
            let table = self.table ?? (bucket == nil ? environment["BACKUP_TABLE"].flatMap { $0.isEmpty ? nil : $0 } : nil)
            let client = try aws.client()
            var rows: [Row]
            if let table {
                rows = try await fromTable(table, client: client)
            } else if let bucket = bucket ?? environment["BACKUP_BUCKET"], !bucket.isEmpty {
                rows = try await fromBucket(bucket, client: client)
            } else {
                throw CLIError(message: "nowhere to list from: pass --table or --bucket, or set BACKUP_TABLE or BACKUP_BUCKET",
                               exitCode: CLIError.configuration)
            }
            if holds {
                let states = try await LegalHolds(s3: S3(aws: client)).states(rows.map {
                    LegalHolds.Object(bucket: $0.bucket, key: $0.key, versionID: $0.versionID)
                }, warn: warn)
                for index in rows.indices {
                    rows[index].held = .some(states[index])
                }
            }
            json ? print(JSON.array(rows.map(\.shownJSON)).serialized) : print(Self.table(rows, holds: holds))
        }
    }

    /// One backup as the list shows it, from either source.
    struct Row {
        var date, pool, users, groups, size, tier, bucket, key: String
        /// The object's version: the one its row's hold names, else the row's or the manifest's.
        var versionID: String?
        var json: JSON
        /// Its Object Lock legal hold when asked for (`--holds`); `.some(nil)` where the bucket has
        /// no Object Lock or the hold cannot be read.
        var held: Bool?? = nil

        var location: String { "s3://\(bucket)/\(key)" }

        var shownJSON: JSON {
            guard let held else { return json }
            var members = json.object ?? JSONObject()
            members["legal_hold"] = held.map(JSON.bool) ?? .null
            return .object(members)
        }
    }

    private func fromTable(_ table: String, client: AWSClient) async throws -> [Row] {
        let catalog = BackupCatalog(dynamodb: DynamoDB(aws: client), table: table)
        let retention = try TierRetention(environment: ProcessEnvironment.current)
        let now = UTCTime.now()
        // Expired rows wait up to two days for DynamoDB's TTL: their objects are gone already.
        var records: [BackupRecord]
        if let poolID { records = try await catalog.backups(of: poolID) } else { records = try await catalog.allBackups() }
        records = records.filter { !$0.hasExpired(at: now, retention: retention) }
        return records.prefix(limit ?? records.count).map { record -> Row in
            Row(date: record.backupDate, pool: record.userPoolID, users: String(record.userCount), groups: String(record.groupCount),
                size: ByteCount.format(record.sizeBytes), tier: record.tier?.rawValue ?? "-", bucket: record.bucket, key: record.s3Key,
                versionID: record.legalHold?.objectVersionID ?? record.s3VersionID, json: record.json)
        }
    }

    private func fromBucket(_ bucket: String, client: AWSClient) async throws -> [Row] {
        let backups = try await BackupListing(s3: S3(aws: client), bucket: bucket).backups(of: poolID, limit: limit)
        for problem in backups.compactMap(\.problem) { warn(problem) }
        return backups.map { backup in
            let record = backup.manifest
            return Row(date: record?.backupDate ?? backup.key.startedAt, pool: backup.key.poolID,
                       users: record.map { String($0.userCount) } ?? "?", groups: record.map { String($0.groupCount) } ?? "?",
                       size: ByteCount.format(backup.sizeBytes), tier: record?.tier?.rawValue ?? "-", bucket: bucket, key: backup.key.key,
                       versionID: record?.s3VersionID, json: backup.json)
        }
    }

    static func table(_ rows: [Row], holds: Bool) -> String {
        guard !rows.isEmpty else { return "(no backups)" }
        let hold = { (row: Row) in holds ? [row.held.flatMap { $0 }.map { $0 ? "ON" : "-" } ?? "-"] : [] }
        let cells = [["DATE", "POOL", "USERS", "GROUPS", "SIZE", "TIER"] + (holds ? ["HOLD"] : []) + ["KEY"]] + rows.map {
            [$0.date, $0.pool, $0.users, $0.groups, $0.size, $0.tier] + hold($0) + [$0.location]
        }
        let widths = (0..<cells[0].count).map { column in cells.map { $0[column].count }.max() ?? 0 }
        return cells.map { row in
            (zip(row.dropLast(), widths).map { $0.padding(to: $1) } + [row.last!]).joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
