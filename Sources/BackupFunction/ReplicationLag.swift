import Backup
import JSON
import LambdaRuntime
import Support

/// How far a pool's DR copy lags, from its newest backup object's `x-amz-replication-status` as
/// a scheduled run finds it. S3 reports replication latency per rule only, and one rule covers
/// every pool (keys begin with the date, not the pool), so this is the per-pool view: not S3's
/// latency, but how long the newest backup has waited for its copy when the run looked.
public struct ReplicationLag: Sendable, Equatable {
    /// 0 when the copy is made; else the seconds since the object was written. While PENDING it
    /// is a lower bound of that object's latency (the copy is at least this late); once COMPLETED
    /// the latency was at most the age at which the run first saw it so.
    public let pendingSeconds: Int
    /// The copy failed (FAILED), or will never be made: the object carries no status (no rule
    /// covered it when it was written), or one a source never carries.
    public let failed: Bool

    public init(status: String?, writtenAt: UTCTime, now: UTCTime) {
        let age = PoolCompliance.seconds(from: writtenAt, to: now)
        switch status {
        case "COMPLETED": (pendingSeconds, failed) = (0, false)
        case "PENDING": (pendingSeconds, failed) = (age, false)
        default: (pendingSeconds, failed) = (age, true)
        }
    }

    /// What an object whose status cannot be read counts as: nobody can vouch for its copy.
    public init(unreadableSince writtenAt: UTCTime, now: UTCTime) {
        self.init(status: nil, writtenAt: writtenAt, now: now)
    }
}

extension BackupHandler {
    /// HEADs the pool's newest backup object (s3:GetObject) and reports its replication:
    /// `ReplicationPendingSeconds` and `ReplicationFailed`, per pool and without dimension, which
    /// is what the alarms watch. A copy not made is logged with its key and status.
    func reportReplication(of newest: BackupRecord, now: UTCTime, _ invocation: Invocation) async {
        guard let started = UTCTime(iso8601: newest.backupDate) else { return }
        let writtenAt = started.adding(milliseconds: Int64(newest.durationMilliseconds))
        let fields: [(String, JSON)] = [("user_pool_id", .string(newest.userPoolID)), ("s3_key", .string(newest.s3Key))]
        let lag: ReplicationLag
        do {
            let status = try await job.destination.s3.replicationState(bucket: newest.bucket, key: newest.s3Key).status
            lag = ReplicationLag(status: status, writtenAt: writtenAt, now: now)
            if status != "COMPLETED" {
                log.warn("newest backup not replicated", requestID: invocation.requestID,
                         fields + [("replication_status", .string(status ?? "none: no replication rule covered it")),
                                   ("pending_seconds", .number(lag.pendingSeconds))])
            }
        } catch {
            lag = ReplicationLag(unreadableSince: writtenAt, now: now)
            log.warn("replication not judged", requestID: invocation.requestID, fields + [("error", .string("\(error)"))])
        }
        log.metrics(poolID: newest.userPoolID, [("ReplicationPendingSeconds", "Seconds", lag.pendingSeconds),
                                                ("ReplicationFailed", "Count", lag.failed ? 1 : 0)])
    }
}
