import AWSCore
import AWSServices
import ArgumentParser
import Backup
import Support

struct HoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Put a backup and its manifest under an S3 Object Lock legal hold, or lift it (--release).",
        discussion: """
            A held version cannot be deleted or overwritten, whatever its retention says, until \
            the hold is lifted: for an incident, keep the backups from before it. The bucket must \
            have been created with Object Lock (the template's ObjectLockMode). The hold is set on \
            the object's version (the row's, else the current one) and on the manifest's beside it. \
            When the tier's lifecycle rule later expires the key, S3 still puts a delete marker on \
            it: the held versions stay, and are read with --version-id (restore, verify).

            With a table (--table or BACKUP_TABLE) the backup's row records the hold and its \
            version ids and loses its expiry, so `list` and `status` show the backup for as long \
            as it is held; --release lifts the holds on those versions and puts the expiry back.

            Examples:
              cognito-backup hold --bucket cognito-backup-123456789012-us-east-1-prod --table cognito-backup-metadata-prod --key cognito-backup/2026/12/07/us-east-1_AbCdEf123-030000.json
              cognito-backup hold --bucket cognito-backup-123456789012-us-east-1-prod --table cognito-backup-metadata-prod --key cognito-backup/2026/12/07/us-east-1_AbCdEf123-030000.json --release
            """
    )

    @Option(help: "The backup's bucket.")
    var bucket: String

    @Option(help: "The backup object's key (its manifest is held with it).")
    var key: String

    @Option(name: .customLong("version-id"), help: "Hold this version of the object (default: the one its row records, else the current one).")
    var versionID: String?

    @Option(help: "The metadata table whose row records the hold (default: BACKUP_TABLE; without one only the bucket is touched).")
    var table: String?

    @Flag(help: "Lift the legal hold instead of setting it.")
    var release = false

    @OptionGroup var aws: AWSOptions

    private var objectKey: String {
        key.hasSuffix(BackupFormat.manifestSuffix) ? String(key.dropLast(BackupFormat.manifestSuffix.count)) : key
    }

    func validate() throws {
        guard BackupKey(objectKey) != nil else {
            throw ValidationError("--key '\(key)' is not a backup's key (cognito-backup/YYYY/MM/DD/<pool>-HHMMSS.json[.gz]); `list` shows them")
        }
    }

    func run() async throws {
        try await reportingFailure {
            let client = try aws.client()
            let s3 = S3(aws: client)
            let table = self.table ?? ProcessEnvironment.current["BACKUP_TABLE"].flatMap { $0.isEmpty ? nil : $0 }
            let catalog = table.map { BackupCatalog(dynamodb: DynamoDB(aws: client), table: $0) }
            // The row of this bucket's object; a DR bucket's copy is not what the primary's row describes.
            let row = try await catalog?.backup(at: BackupKey(objectKey)!).flatMap { $0.bucket == bucket ? $0 : nil }
            if let table, row == nil { warn("no row of s3://\(bucket)/\(objectKey) in \(table): only the bucket's versions are \(release ? "released" : "held")") }
            let manifestKey = BackupFormat.manifestKey(objectKey: objectKey)
            // The versions, not the keys: once the tier's rule puts a delete marker on a key, its
            // current version is gone, but the held one is still there to find.
            var objectVersion = versionID ?? row?.legalHold?.objectVersionID ?? row?.s3VersionID
            if objectVersion == nil { objectVersion = try await s3.newestVersionID(bucket: bucket, key: objectKey) }
            var manifestVersion = row?.legalHold?.manifestVersionID
            if manifestVersion == nil { manifestVersion = try await s3.newestVersionID(bucket: bucket, key: manifestKey) }
            let status = release ? "OFF" : "ON"
            // The object first: a hold that stops halfway keeps the backup itself, which is what matters.
            do {
                try await s3.setLegalHold(bucket: bucket, key: objectKey, versionID: objectVersion, on: !release)
            } catch let error as AWSError where error.code == "InvalidRequest" {
                throw CLIError(message: "bucket \(bucket) cannot hold s3://\(bucket)/\(objectKey) (\(error.code): \(error.message)): "
                    + "a legal hold needs a bucket created with Object Lock (the template's ObjectLockMode)", exitCode: CLIError.configuration)
            } catch let error as AWSError where error.httpStatus == 404 {
                throw CLIError(message: "no object s3://\(bucket)/\(objectKey)\(objectVersion.map { " version \($0)" } ?? "") (\(error.code))",
                               exitCode: CLIError.configuration)
            }
            print("s3://\(bucket)/\(objectKey)\(objectVersion.map { " version \($0)" } ?? ""): legal hold \(status)")
            var manifestHeld: String?
            do {
                try await s3.setLegalHold(bucket: bucket, key: manifestKey, versionID: manifestVersion, on: !release)
                manifestHeld = manifestVersion
                print("s3://\(bucket)/\(manifestKey)\(manifestVersion.map { " version \($0)" } ?? ""): legal hold \(status)")
            } catch let error as AWSError where error.httpStatus == 404 {
                warn("no manifest beside the backup (s3://\(bucket)/\(manifestKey)): a backup older than manifests; only the object is \(release ? "released" : "held")")
            }
            guard let catalog, let row, let table else { return }
            do {
                if release {
                    try await catalog.setHold(nil, on: row)
                    let expiry = row.legalHold?.expiresAt.map { "expires \(UTCTime(millisecondsSinceEpoch: Int64($0) * 1000).iso8601) again" }
                    print("row of \(objectKey) in \(table): hold lifted, \(expiry ?? "without an expiry")")
                } else if let objectVersion {
                    let hold = BackupHold(objectVersionID: objectVersion, manifestVersionID: manifestHeld, since: UTCTime.now().iso8601,
                                          expiresAt: row.legalHold?.expiresAt ?? row.expiresAt)
                    try await catalog.setHold(hold, on: row)
                    print("row of \(objectKey) in \(table): held, no expiry while held")
                } else {
                    warn("s3://\(bucket)/\(objectKey) has no version id (a bucket without versioning): its row records no hold")
                }
            } catch {
                // S3 already did what matters; the row only lets status and list show it.
                throw CLIError(message: "the legal holds in S3 are \(status), but the row of \(objectKey) in \(table) could not record it "
                    + "(\(error)): run the same hold command again", exitCode: CLIError(error).exitCode)
            }
        }
    }
}
