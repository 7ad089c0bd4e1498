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
            A held object cannot be deleted or overwritten, whatever its retention says, until the \
            hold is lifted: for an incident, keep the backups from before it. The bucket must \
            have been created with Object Lock (the template's ObjectLockMode). The hold is set on \
            the object and on the manifest beside it; `list` and `status` show held backups.

            Examples:
              cognito-backup hold --bucket cognito-backup-123456789012-us-east-1-prod --key cognito-backup/2026/12/07/us-east-1_AbCdEf123-030000.json
              cognito-backup hold --bucket cognito-backup-123456789012-us-east-1-prod --key cognito-backup/2026/12/07/us-east-1_AbCdEf123-030000.json --release
            """
    )

    @Option(help: "The backup's bucket.")
    var bucket: String

    @Option(help: "The backup object's key (its manifest is held with it).")
    var key: String

    @Option(name: .customLong("version-id"), help: "Hold this version of the object (default: the current one); the manifest's current version is held with it.")
    var versionID: String?

    @Flag(help: "Lift the legal hold instead of setting it.")
    var release = false

    @OptionGroup var aws: AWSOptions

    func validate() throws {
        let objectKey = key.hasSuffix(BackupFormat.manifestSuffix) ? String(key.dropLast(BackupFormat.manifestSuffix.count)) : key
        guard BackupKey(objectKey) != nil else {
            throw ValidationError("--key '\(key)' is not a backup's key (cognito-backup/YYYY/MM/DD/<pool>-HHMMSS.json[.gz]); `list` shows them")
        }
    }

    func run() async throws {
        try await reportingFailure {
            let objectKey = key.hasSuffix(BackupFormat.manifestSuffix) ? String(key.dropLast(BackupFormat.manifestSuffix.count)) : key
            let s3 = S3(aws: try aws.client())
            let status = release ? "OFF" : "ON"
            // The object first: a hold that stops halfway keeps the backup itself, which is what matters.
            do {
                try await s3.setLegalHold(bucket: bucket, key: objectKey, versionID: versionID, on: !release)
            } catch let error as AWSError where error.code == "InvalidRequest" {
                throw CLIError(message: "bucket \(bucket) cannot hold s3://\(bucket)/\(objectKey) (\(error.code): \(error.message)): "
                    + "a legal hold needs a bucket created with Object Lock (the template's ObjectLockMode)", exitCode: CLIError.configuration)
            } catch let error as AWSError where error.httpStatus == 404 {
                throw CLIError(message: "no object s3://\(bucket)/\(objectKey)\(versionID.map { " version \($0)" } ?? "") (\(error.code))",
                               exitCode: CLIError.configuration)
            }
            print("s3://\(bucket)/\(objectKey)\(versionID.map { " (version \($0))" } ?? ""): legal hold \(status)")
            let manifestKey = BackupFormat.manifestKey(objectKey: objectKey)
            do {
                try await s3.setLegalHold(bucket: bucket, key: manifestKey, on: !release)
                print("s3://\(bucket)/\(manifestKey): legal hold \(status)")
            } catch let error as AWSError where error.httpStatus == 404 {
                warn("no manifest beside the backup (s3://\(bucket)/\(manifestKey)): a backup older than manifests; only the object is \(release ? "released" : "held")")
            }
        }
    }
}
