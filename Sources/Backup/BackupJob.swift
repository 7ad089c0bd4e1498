import AWSCore
import AWSServices
import JSON
import Support

/// Where backups go: the bucket for objects and the table that catalogues them.
public struct BackupDestination: Sendable {
    public let s3: S3
    public let bucket: String
    public let catalog: BackupCatalog
    public let encryption: ServerSideEncryption
    public let compression: BackupCompression
    /// Locks each object and its manifest for its tier's days (nil: the bucket's default alone).
    public let lock: TierLock?
    /// Each tier's days, for the row's expiry (nil: rows without one).
    public let retention: TierRetention?

    public init(s3: S3, bucket: String, catalog: BackupCatalog, encryption: ServerSideEncryption,
                compression: BackupCompression = .none, lock: TierLock? = nil, retention: TierRetention? = nil) {
        self.lock = lock
        self.retention = retention
        self.s3 = s3
        self.bucket = bucket
        self.catalog = catalog
        self.encryption = encryption
        self.compression = compression
    }
}

/// How far a running backup has got, for progress bars and logs.
public struct BackupProgress: Sendable {
    public let poolID: String
    public let usersRead: Int
    /// DescribeUserPool's estimate; Cognito updates it lazily.
    public let estimatedUsers: Int?
}

/// A pool's backup that did not complete; nothing was left in the bucket or the table, unless
/// `description` says where.
public struct BackupFailure: Error, CustomStringConvertible, Sendable {
    public let poolID: String
    public let underlying: any Error
    /// The backup's multipart upload, when aborting it failed too.
    public let leftOpen: UploadLeftOpen?

    public init(poolID: String, underlying: any Error) {
        self.poolID = poolID
        if let notAborted = underlying as? UploadNotAborted {
            self.underlying = notAborted.cause
            leftOpen = notAborted.leftOpen
        } else {
            self.underlying = underlying
            leftOpen = nil
        }
    }

    /// The AWS error code behind the failure, when AWS refused something.
    public var awsCode: String? {
        (underlying as? AWSError)?.code ?? ((underlying as? CatalogWriteFailed)?.underlying as? AWSError)?.code
    }
    public var description: String { "backup of \(poolID) failed: \(underlying)" + (leftOpen.map { "; \($0)" } ?? "") }
}

/// The object was complete but its row could not be written.
public struct CatalogWriteFailed: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let underlying: any Error
    /// Set when removing the object failed too: it stays, with its manifest, for the next backup
    /// of the pool to catalogue.
    public let objectLeft: Bool

    public var description: String {
        objectLeft
            ? "the metadata row could not be written (\(underlying)), nor the object removed; it stays at \(key) with its manifest, and the pool's next backup catalogues it"
            : "the metadata row could not be written (\(underlying)); the object was removed"
    }
}

/// pool → snapshot → object + manifest + metadata. The object is streamed to S3 while the pool is
/// read, under a key no other backup holds; once it is complete its manifest is written beside it,
/// and only then the metadata row. On any failure the upload is aborted, and an object whose row
/// cannot be written is removed, so a backup either exists whole, catalogued, or not at all.
public struct BackupJob: Sendable {
    public let cognito: any CognitoAPI
    public let destination: BackupDestination
    /// Fetches the UI customization's logos into the backup (see `PoolReader.logos`).
    public let logos: LogoDownload?
    /// Whether each user's MFA preferences are read (see `UserMFAReading`).
    public let userMFA: UserMFAReading
    /// How many keys a backup tries when others' objects hold the first ones.
    static let keyAttempts = 3

    public init(cognito: any CognitoAPI, destination: BackupDestination, logos: LogoDownload? = nil, userMFA: UserMFAReading = .auto) {
        self.cognito = cognito
        self.destination = destination
        self.logos = logos
        self.userMFA = userMFA
    }

    /// `requestID` is the Lambda invocation's, recorded in the row so a redelivered event can find it.
    public func run(poolID: String, requestID: String? = nil,
                    progress: (@Sendable (BackupProgress) -> Void)? = nil) async throws(BackupFailure) -> BackupRecord {
        switch try await begin(poolID: poolID, requestID: requestID, pausingAt: nil, progress: progress) {
        case .stored(let record): return record
        case .paused: preconditionFailure("a backup without a pause time paused")
        }
    }

    /// The same, but a backup still reading the pool at `pauseAt` stops at a checkpoint and
    /// returns how to go on (`resume`): the next invocation takes it from there.
    public func begin(poolID: String, requestID: String?, pausingAt pauseAt: UTCTime?,
                      progress: (@Sendable (BackupProgress) -> Void)? = nil) async throws(BackupFailure) -> BackupStep {
        do {
            try await catalogueStrayObjects(poolID: poolID)
            let started = UTCTime.now()
            for attempt in 1...Self.keyAttempts {
                let key = BackupFormat.objectKey(poolID: poolID, startedAt: started, attempt: attempt,
                                                 compression: destination.compression)
                if try await destination.s3.exists(bucket: destination.bucket, key: key) { continue }
                do {
                    // The row's date is its key in the table: backups started in the same
                    // millisecond take different keys, so each key taken moves the date on by one.
                    return try await backUp(poolID: poolID, key: key, started: started.adding(milliseconds: Int64(attempt - 1)),
                                            requestID: requestID, pause: BackupPause(at: pauseAt), progress: progress)
                } catch is ObjectKeyTaken {
                    continue
                }
            }
            throw ObjectKeyTaken(key: BackupFormat.objectKey(poolID: poolID, startedAt: started, attempt: Self.keyAttempts,
                                                             compression: destination.compression))
        } catch {
            throw BackupFailure(poolID: poolID, underlying: error)
        }
    }

    private func backUp(poolID: String, key: String, started: UTCTime, requestID: String?, pause: BackupPause,
                        progress: (@Sendable (BackupProgress) -> Void)?) async throws -> BackupStep {
        let previous = try await destination.catalog.backups(of: poolID, limit: 1).first
        let tier = BackupTier(startedAt: started, previous: previous?.backupDate)
        let identity = UploadIdentity(backupID: Self.newBackupID(), poolID: poolID, started: started.iso8601, tier: tier,
                                      lock: destination.lock.map { ($0.mode, $0.retainUntil(tier, startedAt: started)) })
        let upload = S3ObjectUpload(s3: destination.s3, bucket: destination.bucket, key: key, identity: identity,
                                    encryption: destination.encryption, contentType: destination.compression.contentType)
        let writer = SnapshotWriter(sink: upload, compression: destination.compression)
        let session = WriteSession(key: key, identity: identity, started: started, requestID: requestID,
                                   compression: destination.compression, upload: upload, writer: writer)
        return try await carryOn(session, from: nil, pause: pause, progress: progress)
    }

    /// What one invocation's share of a backup writes with, and what its checkpoint names.
    struct WriteSession {
        let key: String
        let identity: UploadIdentity
        /// The backup's start, `identity.started`'s time.
        let started: UTCTime
        let requestID: String?
        let compression: BackupCompression
        let upload: S3ObjectUpload
        let writer: SnapshotWriter
    }

    /// Writes on from `progress` (nil: from the start) until the object is complete, then
    /// publishes it; or until the pause, then saves the checkpoint. Any failure aborts the upload.
    func carryOn(_ session: WriteSession, from saved: SnapshotProgress?, pause: BackupPause,
                 progress: (@Sendable (BackupProgress) -> Void)?) async throws -> BackupStep {
        let poolID = session.identity.poolID
        let checkpointKey = BackupCheckpoint.key(objectKey: session.key)
        do {
            switch try await write(poolID: poolID, startedAt: session.started, into: session.writer, from: saved,
                                   pause: pause, progress: progress) {
            case .paused(let reached):
                // The writer first: it hands the upload its last bytes, which end in the tail.
                let writer = try await session.writer.suspend()
                let checkpoint = BackupCheckpoint(poolID: poolID, key: session.key, identity: session.identity,
                                                  requestID: session.requestID, compression: session.compression,
                                                  upload: try await session.upload.suspend(), writer: writer, progress: reached)
                // Tagged hourly: a checkpoint lives no longer than the shortest tier keeps anything.
                _ = try await destination.s3.putObject(bucket: destination.bucket, key: checkpointKey, body: checkpoint.bytes,
                                                       headers: destination.encryption.headers + [("x-amz-tagging", BackupTier.hourly.tagging)])
                return .paused(BackupContinuation(poolID: poolID, key: session.key, uploadID: checkpoint.upload.uploadID))
            case .finished(let snapshot):
                let stored = try await session.writer.finish()
                let record = BackupRecord(
                    userPoolID: poolID, backupDate: session.identity.started, bucket: destination.bucket, s3Key: session.key,
                    userCount: snapshot.users, groupCount: snapshot.groups, membershipCount: snapshot.memberships,
                    appClientCount: snapshot.counts[BackupFormat.Member.appClients] ?? 0, identityProviderCount: snapshot.counts[BackupFormat.Member.identityProviders] ?? 0,
                    resourceServerCount: snapshot.counts[BackupFormat.Member.resourceServers] ?? 0,
                    sizeBytes: stored.size, sha256: stored.sha256, s3VersionID: stored.versionID,
                    durationMilliseconds: Int(UTCTime.now().millisecondsSinceEpoch - session.started.millisecondsSinceEpoch),
                    formatVersion: BackupFormat.version, warningCount: snapshot.warnings, requestID: session.requestID,
                    tier: session.identity.tier,
                    expiresAt: destination.retention.map { Int($0.expiry(of: session.identity.tier, startedAt: session.started)) })
                try await publish(record, identity: session.identity)
                if saved != nil { await removeCheckpoint(checkpointKey) }
                return .stored(record)
            }
        } catch {
            let leftOpen = await session.writer.abort()
            if saved != nil { await removeCheckpoint(checkpointKey) }
            if let leftOpen { throw UploadNotAborted(cause: error, leftOpen: leftOpen) }
            throw error
        }
    }

    /// Writes the manifest, then the row; undoes the object if either cannot be written.
    private func publish(_ record: BackupRecord, identity: UploadIdentity) async throws {
        let s3 = destination.s3, bucket = destination.bucket
        let manifestKey = BackupFormat.manifestKey(objectKey: record.s3Key)
        do {
            let manifest = S3ObjectUpload(s3: s3, bucket: bucket, key: manifestKey, identity: identity, encryption: destination.encryption)
            try await manifest.write(record.json.serializedBytes)
            _ = try await manifest.finish()
            try await destination.catalog.record(record)
        } catch {
            // Outside this task: removal matters most when the task was cancelled.
            let removed = await Task {
                do {
                    try await s3.deleteObject(bucket: bucket, key: manifestKey)
                    try await s3.deleteObject(bucket: bucket, key: record.s3Key)
                    return true
                } catch {
                    return false
                }
            }.value
            throw CatalogWriteFailed(key: record.s3Key, underlying: error, objectLeft: !removed)
        }
    }

    /// Catalogues the pool's objects of today and yesterday that have a manifest but no row: a
    /// process stopped between the two writes left them. Rows are never replaced. Only manifests
    /// of backups started no earlier than the newest row's second, other than that row's own, are
    /// read: the others are older than a catalogued one, so a normal run reads none.
    func catalogueStrayObjects(poolID: String) async throws {
        let newestRow = try await destination.catalog.backups(of: poolID, limit: 1).first
        let newest = newestRow?.backupDate ?? ""
        let today = UTCTime.now()
        for day in [today.adding(milliseconds: -86_400_000), today] {
            let prefix = BackupFormat.keyPrefix(poolID: poolID, day: day)
            for key in try await destination.s3.allKeys(bucket: destination.bucket, prefix: prefix)
            where key.hasSuffix(BackupFormat.manifestSuffix) {
                guard let backup = BackupKey(String(key.dropLast(BackupFormat.manifestSuffix.count))),
                      backup.startedAt.prefix(19) >= newest.prefix(19), backup.key != newestRow?.s3Key else { continue }
                let record = BackupRecord(plain: try JSON(parsing: try await destination.s3.getObject(bucket: destination.bucket, key: key)))
                guard record.backupDate > newest, record.userPoolID == poolID else { continue }
                try await destination.catalog.record(record)
            }
        }
    }

    static func newBackupID() -> String {
        (0..<2).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined(separator: "-")
    }
}
