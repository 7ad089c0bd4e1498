import AWSClient
import JSON

/// When a backup that may go on in another invocation stops reading and saves its checkpoint.
struct BackupPause: Sendable {
    let at: UTCTime?

    /// Asked before each page; nil when the backup never pauses (the command line).
    var proceed: (@Sendable () -> Bool)? {
        guard let at else { return nil }
        return { UTCTime.now() < at }
    }
}

/// Where one invocation's share of a backup ended.
public enum BackupStep: Sendable {
    case stored(BackupRecord)
    /// Stopped at a checkpoint; `BackupJob.resume` goes on.
    case paused(BackupContinuation)
}

/// A backup stopped at a checkpoint: small enough for a Step Functions state (the checkpoint
/// itself is in the bucket beside the object, at `<key>.checkpoint.json`).
public struct BackupContinuation: Sendable, Equatable {
    public let poolID: String
    public let key: String
    /// The multipart upload's id, for a person looking at a stuck backup; nil before its first part.
    public let uploadID: String?

    public var json: JSON {
        ["user_pool_id": .string(poolID), "s3_key": .string(key), "upload_id": uploadID.map(JSON.string) ?? .null]
    }

    public init(poolID: String, key: String, uploadID: String?) {
        self.poolID = poolID
        self.key = key
        self.uploadID = uploadID
    }

    public init?(json: JSON) {
        guard let poolID = json["user_pool_id"]?.string, PoolID.isValid(poolID), let key = json["s3_key"]?.string,
              BackupKey(key)?.poolID == poolID else { return nil }
        self.init(poolID: poolID, key: key, uploadID: json["upload_id"]?.string)
    }
}
