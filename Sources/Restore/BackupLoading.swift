import AWSServices
import Backup

extension BackupSource {
    /// The backup, read and checked before anything is written, never whole in memory: a local
    /// file as it is, an S3 object downloaded to a temporary file and checked against its
    /// manifest (see `file(s3:versionID:warn:)`). Either may be gzip (`.json.gz`); it is
    /// decompressed a piece at a time. `warn` hears what nothing can vouch for.
    public func backup(s3: @autoclosure () throws -> S3, versionID: String? = nil, warn: (String) -> Void) async throws -> BackupContents {
        try BackupContents(file: try await file(s3: s3, versionID: versionID, warn: warn))
    }
}
