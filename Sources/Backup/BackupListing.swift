import AWSServices
import JSON
import Support

/// The backups in a bucket, found from S3 alone: in a DR region the bucket is a replica and the
/// metadata table is in the region that is down, or was never there.
public struct BackupListing: Sendable {
    let s3: S3
    public let bucket: String

    public init(s3: S3, bucket: String) {
        self.s3 = s3
        self.bucket = bucket
    }

    /// Newest first; only `poolID`'s when given; at most `limit`. Each backup is described by the
    /// manifest beside it, or by its key and size alone when it is older than manifests.
    public func backups(of poolID: String? = nil, limit: Int? = nil) async throws -> [ListedBackup] {
        let objects = try await s3.allObjects(bucket: bucket, prefix: "cognito-backup/")
        let keys = Set(objects.map(\.key))
        var found = objects.compactMap { object -> (key: BackupKey, size: Int)? in
            guard let key = BackupKey(object.key), poolID.map({ key.poolID == $0 }) ?? true else { return nil }
            return (key, object.size)
        }
        found.sort { BackupKey.newestFirst($0.key, $1.key) }
        if let limit { found = Array(found.prefix(limit)) }
        // Manifests are read only for the backups shown, and only where the listing has one.
        return try await concurrentMap(found, limit: 8) { [s3, bucket] object in
            let manifestKey = BackupFormat.manifestKey(objectKey: object.key.key)
            guard keys.contains(manifestKey) else { return ListedBackup(bucket: bucket, key: object.key, sizeBytes: object.size) }
            let bytes = try await s3.getObject(bucket: bucket, key: manifestKey, maxBytes: 1024 * 1024)
            do {
                return ListedBackup(bucket: bucket, key: object.key, sizeBytes: object.size, manifest: BackupRecord(plain: try JSON(parsing: bytes)))
            } catch {
                return ListedBackup(bucket: bucket, key: object.key, sizeBytes: object.size, problem: "\(manifestKey) is not JSON: \(error)")
            }
        }
    }
}

/// One backup found in a bucket.
public struct ListedBackup: Sendable {
    public let bucket: String
    public let key: BackupKey
    /// The object's size as S3 lists it.
    public let sizeBytes: Int
    /// nil for a backup older than manifests, or one whose manifest is unreadable (`problem`).
    public let manifest: BackupRecord?
    public let problem: String?

    init(bucket: String, key: BackupKey, sizeBytes: Int, manifest: BackupRecord? = nil, problem: String? = nil) {
        self.bucket = bucket
        self.key = key
        self.sizeBytes = sizeBytes
        self.manifest = manifest
        self.problem = problem
    }

    /// The manifest's record, placed where the backup was found (a replica's manifest names the
    /// bucket it was written to); without one, only what the key and the listing say.
    public var json: JSON {
        guard var record = manifest else {
            return ["user_pool_id": .string(key.poolID), "backup_date": .string(key.startedAt), "s3_bucket": .string(bucket),
                    "s3_key": .string(key.key), "size_bytes": .number(sizeBytes)]
        }
        record.bucket = bucket
        record.s3Key = key.key
        return record.json
    }
}
