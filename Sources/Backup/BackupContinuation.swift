import Support
import JSON

/// When a backup that may go on in another invocation stops reading and saves its checkpoint.
struct BackupPause: Sendable {
    let at: UTCTime?

    /// Asked before each page; nil when the backup never pauses (the command line).
    var proceed: (@Sendable () -> Bool)? {
        guard let at else { return nil }
        return { UTCTime.now() < at }
    }

    /// Runs `body`, and `atPause` when the pause comes first: work that waits on something the
    /// pause stops (a group waiting for room behind one that stopped reading) is told to give up.
    func stopping(_ atPause: @escaping @Sendable () async -> Void, _ body: @escaping @Sendable () async throws -> Void) async throws {
        guard let at else { return try await body() }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await body()
                return true
            }
            group.addTask {
                let wait = max(0, at.millisecondsSinceEpoch - UTCTime.now().millisecondsSinceEpoch)
                // Cancelled: the body ended first, and there is nothing to stop.
                do { try await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000) } catch { return false }
                await atPause()
                return false
            }
            while let bodyEnded = try await group.next() {
                if bodyEnded { group.cancelAll() }
            }
        }
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
