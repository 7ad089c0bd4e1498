import AWSCore
import AWSServices

/// A backup object on its way into S3: one PutObject if it turns out small, a multipart upload
/// as soon as it outgrows one part. Either way S3 shows the object only when it is complete, never
/// replaces an object already under the key (`If-None-Match: *`), and checks every part's SHA-256
/// on receipt; an aborted upload leaves nothing under the key.
public actor S3ObjectUpload: SnapshotSink {
    private let s3: S3
    private let bucket: String
    private let key: String
    private let identity: UploadIdentity
    private let headers: [(name: String, value: String)]
    private let partSize: Int
    /// The part being filled; it is handed to its upload whole, never copied.
    private var pending: [UInt8] = []
    private var uploadID: String?
    private var parts: [S3.UploadedPart] = []
    private var partInFlight: Task<S3.UploadedPart, Error>?
    /// Whether S3 may hold uploads of ours under the key that we never heard of: a lost answer to
    /// CreateMultipartUpload that was retried.
    private var mayHaveStrayUploads = false

    /// S3's smallest part: memory holds at most two (one uploading, one filling).
    public static let defaultPartSize = 5 * 1024 * 1024

    public init(s3: S3, bucket: String, key: String, identity: UploadIdentity, encryption: ServerSideEncryption,
                contentType: String = "application/json", partSize: Int = defaultPartSize) {
        self.s3 = s3
        self.bucket = bucket
        self.key = key
        self.identity = identity
        self.partSize = partSize
        headers = [("Content-Type", contentType)] + encryption.headers + identity.metadataHeaders
    }

    /// Goes on with an upload a `suspend()` left, after checking S3 still has it.
    public init(resuming suspended: Suspended, s3: S3, bucket: String, key: String, identity: UploadIdentity,
                encryption: ServerSideEncryption, contentType: String = "application/json") async throws {
        self.init(s3: s3, bucket: bucket, key: key, identity: identity, encryption: encryption, contentType: contentType)
        // An aborted upload (by hand, by the lifecycle rule) would otherwise surface only at the
        // next part or the completion, and S3's NoSuchUpload there reads as another's object.
        if let uploadID = suspended.uploadID, !(try await s3.openUploads(bucket: bucket, key: key)).contains(uploadID) {
            throw UploadVanished(key: key, uploadID: uploadID)
        }
        uploadID = suspended.uploadID
        parts = suspended.parts
        pending = suspended.tail
        mayHaveStrayUploads = suspended.uploadID != nil
    }

    /// An upload between two processes: its parts in S3, and the tail not yet a part (every part
    /// but the last must be at least 5 MiB), which the checkpoint keeps.
    public struct Suspended: Sendable {
        public let uploadID: String?
        public let parts: [S3.UploadedPart]
        public let tail: [UInt8]
    }

    /// Waits for the part in flight and returns what another process needs to go on.
    public func suspend() async throws -> Suspended {
        try await awaitPartInFlight()
        return Suspended(uploadID: uploadID, parts: parts, tail: pending)
    }

    public func write(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            if pending.isEmpty { pending.reserveCapacity(partSize) }
            let take = min(partSize - pending.count, bytes.count - offset)
            pending.append(contentsOf: bytes[offset..<offset + take])
            offset += take
            if pending.count == partSize {
                let part = pending
                pending = []
                try await upload(part)
            }
        }
    }

    public func finish() async throws -> String? {
        do {
            guard let uploadID else {
                let stored = try await s3.putObject(bucket: bucket, key: key, body: pending,
                                                    headers: headers + [S3.checksumHeader(pending), S3.ifNoneMatch])
                return stored.versionID
            }
            if !pending.isEmpty {
                try await upload(pending)
                pending = []
            }
            try await awaitPartInFlight()
            let stored = try await s3.completeMultipartUpload(bucket: bucket, key: key, uploadID: uploadID, parts: parts,
                                                              headers: [S3.ifNoneMatch])
            await sweepStrayUploads()
            return stored.versionID
        } catch let error as AWSError where error.code == "PreconditionFailed" || error.code == "NoSuchUpload" {
            // A retried request whose first answer was lost meets our own object; anything else
            // under the key is another backup's, and stays as it is.
            if let existing = try? await s3.headObject(bucket: bucket, key: key), identity.matches(existing) {
                await sweepStrayUploads()
                return existing.versionID
            }
            throw ObjectKeyTaken(key: key)
        }
    }

    /// Aborts the upload; when S3 refuses even that, says what stays behind and for how long.
    @discardableResult
    public func abort() async -> UploadLeftOpen? {
        partInFlight?.cancel()
        partInFlight = nil
        // Runs outside the caller's task: an abort is most needed when that task was cancelled,
        // and a cancelled task's calls would not go out.
        let (s3, bucket, key, uploadID, sweep) = (s3, bucket, key, uploadID, mayHaveStrayUploads)
        return await Task { () async -> UploadLeftOpen? in
            var leftOpen: UploadLeftOpen?
            if let uploadID {
                do throws(AWSError) {
                    try await s3.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
                } catch {
                    leftOpen = await UploadLeftOpen(bucket: bucket, key: key, uploadID: uploadID, abortError: error,
                                                    removal: .lookingUp(s3: s3, bucket: bucket, key: key))
                }
            }
            if sweep { await Self.abortUploads(s3: s3, bucket: bucket, key: key, except: nil) }
            return leftOpen
        }.value
    }

    /// Starts the part's upload once the previous one is done, and returns at once, so reading
    /// goes on while a part uploads.
    private func upload(_ part: [UInt8]) async throws {
        if uploadID == nil {
            mayHaveStrayUploads = true
            uploadID = try await s3.createMultipartUpload(bucket: bucket, key: key,
                                                          headers: headers + [("x-amz-checksum-algorithm", "SHA256")])
        }
        try await awaitPartInFlight()
        let (s3, bucket, key, uploadID, number) = (self.s3, self.bucket, self.key, self.uploadID!, parts.count + 1)
        partInFlight = Task { try await s3.uploadPart(bucket: bucket, key: key, uploadID: uploadID, partNumber: number, body: part) }
    }

    private func awaitPartInFlight() async throws {
        guard let part = partInFlight else { return }
        partInFlight = nil
        parts.append(try await part.value)
    }

    /// Aborts uploads of ours under the key other than the one that became the object: a
    /// CreateMultipartUpload whose answer was lost and that the client retried left one.
    private func sweepStrayUploads() async {
        guard mayHaveStrayUploads else { return }
        await Self.abortUploads(s3: s3, bucket: bucket, key: key, except: uploadID)
    }

    private static func abortUploads(s3: S3, bucket: String, key: String, except kept: String?) async {
        // Best effort: these are uploads we may never have used, and the lifecycle rule is the backstop.
        guard let open = try? await s3.openUploads(bucket: bucket, key: key) else { return }
        for uploadID in open where uploadID != kept {
            try? await s3.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
        }
    }
}

/// Who wrote a backup object, stored on the object itself (`x-amz-meta-*`), so a retried write
/// can tell its own object from another backup's.
public struct UploadIdentity: Sendable {
    public let backupID: String
    public let poolID: String
    public let started: String
    /// Tagged on the object and its manifest; nil for an object no lifecycle rule tells apart.
    public let tier: BackupTier?
    /// Object Lock mode and retain-until date, when each object is locked for its tier.
    public let lock: (mode: String, retainUntil: String)?

    public init(backupID: String, poolID: String, started: String, tier: BackupTier? = nil, lock: (mode: String, retainUntil: String)? = nil) {
        self.backupID = backupID
        self.poolID = poolID
        self.started = started
        self.tier = tier
        self.lock = lock
    }

    var metadataHeaders: [(name: String, value: String)] {
        [("x-amz-meta-backup-id", backupID), ("x-amz-meta-user-pool-id", poolID), ("x-amz-meta-started", started),
         ("x-amz-meta-format-version", String(BackupFormat.version))] + (tier.map { [("x-amz-tagging", $0.tagging)] } ?? [])
            // S3 takes a retention only with an integrity header it names: the SDKs' is this one.
            + (lock.map { [("x-amz-object-lock-mode", $0.mode), ("x-amz-object-lock-retain-until-date", $0.retainUntil),
                           ("x-amz-sdk-checksum-algorithm", "SHA256")] } ?? [])
    }

    func matches(_ object: S3.ObjectInfo) -> Bool { object.metadata["backup-id"] == backupID }
}

/// A backup went on from its checkpoint, but S3 no longer has its multipart upload: someone
/// aborted it, or the bucket's lifecycle rule did. Its parts are gone; the backup cannot finish.
public struct UploadVanished: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let uploadID: String
    public var description: String {
        "the multipart upload \(uploadID) of \(key) no longer exists (aborted while the backup was between invocations); nothing was stored"
    }
}

/// A multipart upload a failed backup could not abort: its parts stay in S3, billed, until
/// someone aborts it or the bucket's lifecycle rule does. `status` lists it until then.
public struct UploadLeftOpen: Error, CustomStringConvertible, Sendable {
    public let bucket: String
    public let key: String
    public let uploadID: String
    public let abortError: AWSError
    public let removal: Removal

    /// When S3 removes the upload by itself.
    public enum Removal: Sendable, Equatable {
        /// The bucket's `AbortIncompleteMultipartUpload` rule: this many days after it began.
        case afterDays(Int)
        /// No enabled lifecycle rule covers the key: it stays until aborted by hand.
        case never
        /// The lifecycle configuration could not be read (no s3:GetLifecycleConfiguration).
        case unknown

        public static func lookingUp(s3: S3, bucket: String, key: String) async -> Removal {
            do {
                return try await s3.abortIncompleteUploadDays(bucket: bucket, key: key).map(Removal.afterDays) ?? .never
            } catch {
                // The message then points at the rule instead: the upload is the news, not this.
                return .unknown
            }
        }
    }

    public var description: String {
        let when = switch removal {
        case .afterDays(let days): "the bucket's lifecycle rule removes it \(days) day\(days == 1 ? "" : "s") after it began"
        case .never: "no lifecycle rule of the bucket removes it"
        case .unknown: "it is removed per the bucket's lifecycle rule"
        }
        return "its multipart upload \(uploadID) of s3://\(bucket)/\(key) could not be aborted (\(abortError.code)) and stays open: \(when); "
            + "to remove it now: aws s3api abort-multipart-upload --bucket \(bucket) --key \(key) --upload-id \(uploadID)"
    }
}

/// A failure whose upload could not be aborted either: both travel to `BackupFailure`.
struct UploadNotAborted: Error {
    let cause: any Error
    let leftOpen: UploadLeftOpen
}

/// The key already holds another backup's object; nothing was overwritten.
public struct ObjectKeyTaken: Error, CustomStringConvertible, Sendable {
    public let key: String
    public var description: String { "another backup's object already exists at \(key); it was left as it is" }
}

/// How S3 encrypts the backup at rest: S3-managed keys, or a KMS key.
public enum ServerSideEncryption: Sendable {
    case s3Managed
    case kms(keyID: String)

    var headers: [(name: String, value: String)] {
        switch self {
        case .s3Managed: return [("x-amz-server-side-encryption", "AES256")]
        case .kms(let keyID): return [("x-amz-server-side-encryption", "aws:kms"), ("x-amz-server-side-encryption-aws-kms-key-id", keyID)]
        }
    }
}
