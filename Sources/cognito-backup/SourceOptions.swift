import AWSServices
import ArgumentParser
import Backup
import Restore

/// Where restore and verify read the backup, and as whom: in a DR region the replica bucket may
/// be readable only by another identity than the one that writes the pool, and in another region.
struct SourceOptions: ParsableArguments {
    @Option(help: "The backup: s3://bucket/key or a local file.")
    var source: String

    @Option(name: .customLong("version-id"), help: "Read this version of the S3 object (a versioned bucket keeps every one).")
    var versionID: String?

    @Option(name: .customLong("source-profile"), help: ArgumentHelp(
        "Read the backup (and write the mapping copy beside it) with this profile; the pool is still read and written with --profile or the default credentials.",
        valueName: "name"))
    var sourceProfile: String?

    @Option(name: .customLong("source-region"), help: "The source bucket's region (default: learnt from S3's answers).")
    var sourceRegion: String?

    /// The backup, checked against the manifest beside it, with the S3 client that read it.
    func read(aws: AWSOptions) async throws -> (backup: BackupContents, location: BackupSource, s3: S3) {
        let location = try BackupSource(source)
        let s3 = S3(aws: try aws.client(profile: sourceProfile))
        if let sourceRegion, case let .s3(bucket, _) = location { s3.useRegion(sourceRegion, forBucket: bucket) }
        return (try await location.backup(s3: s3, versionID: versionID, warn: warn), location, s3)
    }
}
