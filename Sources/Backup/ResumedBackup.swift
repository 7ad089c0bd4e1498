import AWSCore
import Support

/// A backup an earlier invocation paused at a checkpoint: going on with it, or giving it up.
extension BackupJob {
    /// Goes on with a backup a `begin` or `resume` paused. A backup that cannot go on (its
    /// checkpoint or its upload gone) fails, and leaves nothing behind it.
    public func resume(_ continuation: BackupContinuation, requestID: String?, pausingAt pauseAt: UTCTime?,
                       progress: (@Sendable (BackupProgress) -> Void)? = nil) async throws(BackupFailure) -> BackupStep {
        let (s3, bucket) = (destination.s3, destination.bucket)
        let checkpointKey = BackupCheckpoint.key(objectKey: continuation.key)
        var uploadID = continuation.uploadID
        do {
            let session: WriteSession
            let checkpoint: BackupCheckpoint
            do {
                do {
                    checkpoint = try BackupCheckpoint(bytes: try await s3.getObject(bucket: bucket, key: checkpointKey))
                } catch let error as AWSError where error.code == "NoSuchKey" {
                    throw CheckpointMissing(key: checkpointKey)
                }
                guard let started = UTCTime(iso8601: checkpoint.identity.started) else {
                    throw CheckpointDamaged(reason: "its start '\(checkpoint.identity.started)' is not a time")
                }
                // The checkpoint, not the continuation, says which upload: a continuation sent
                // again after its invocation's answer was lost finds the newer checkpoint.
                uploadID = checkpoint.upload.uploadID ?? uploadID
                guard checkpoint.poolID == continuation.poolID, checkpoint.key == continuation.key else {
                    throw CheckpointDamaged(reason: "it is of \(checkpoint.poolID)'s backup \(checkpoint.key), not \(continuation.poolID)'s \(continuation.key)")
                }
                let upload = try await S3ObjectUpload(resuming: checkpoint.upload, s3: s3, bucket: bucket, key: checkpoint.key,
                                                      identity: checkpoint.identity, encryption: destination.encryption,
                                                      contentType: checkpoint.compression.contentType)
                let writer = try SnapshotWriter(resuming: checkpoint.writer, sink: upload, compression: checkpoint.compression)
                session = WriteSession(key: checkpoint.key, identity: checkpoint.identity, started: started,
                                       requestID: requestID ?? checkpoint.requestID, compression: checkpoint.compression,
                                       upload: upload, writer: writer)
            } catch {
                await abandon(BackupContinuation(poolID: continuation.poolID, key: continuation.key, uploadID: uploadID))
                throw error
            }
            return try await carryOn(session, from: checkpoint.progress, pause: BackupPause(at: pauseAt), progress: progress)
        } catch {
            throw BackupFailure(poolID: continuation.poolID, underlying: error)
        }
    }

    /// Gives up a paused backup without going on: its upload aborted, its checkpoint removed.
    public func abandon(_ continuation: BackupContinuation) async {
        let (s3, bucket) = (destination.s3, destination.bucket)
        if let uploadID = continuation.uploadID {
            // Best effort, as in `S3ObjectUpload.abort`: the lifecycle rule is the backstop.
            await Task { try? await s3.abortMultipartUpload(bucket: bucket, key: continuation.key, uploadID: uploadID) }.value
        }
        await removeCheckpoint(BackupCheckpoint.key(objectKey: continuation.key))
    }

    /// Outside the caller's task, as the upload's abort: it matters most when that was cancelled.
    func removeCheckpoint(_ key: String) async {
        let (s3, bucket) = (destination.s3, destination.bucket)
        // A checkpoint left behind names an upload that no longer exists; nothing reads it but a
        // continuation, which then fails as this backup already has. The lifecycle rule removes it.
        await Task { try? await s3.deleteObject(bucket: bucket, key: key) }.value
    }
}
