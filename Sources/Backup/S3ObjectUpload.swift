import AWSClient

/// A backup object on its way into S3: one PutObject if it turns out small, a multipart upload
/// as soon as it outgrows one part. Either way S3 shows the object only when it is complete, and
/// an aborted upload leaves nothing under the key.
public actor S3ObjectUpload: SnapshotSink {
    private let s3: S3
    private let bucket: String
    private let key: String
    private let headers: [(name: String, value: String)]
    private let partSize: Int
    /// The part being filled; it is handed to its upload whole, never copied.
    private var pending: [UInt8] = []
    private var uploadID: String?
    private var partETags: [String] = []
    private var partInFlight: Task<String, Error>?

    /// S3's smallest part: memory holds at most two (one uploading, one filling).
    public static let defaultPartSize = 5 * 1024 * 1024

    public init(s3: S3, bucket: String, key: String, encryption: ServerSideEncryption, partSize: Int = defaultPartSize) {
        self.s3 = s3
        self.bucket = bucket
        self.key = key
        self.partSize = partSize
        headers = [("Content-Type", "application/json")] + encryption.headers
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
        guard let uploadID else {
            return try await s3.putObject(bucket: bucket, key: key, body: pending, headers: headers).versionID
        }
        if !pending.isEmpty {
            try await upload(pending)
            pending = []
        }
        try await awaitPartInFlight()
        return try await s3.completeMultipartUpload(bucket: bucket, key: key, uploadID: uploadID, partETags: partETags).versionID
    }

    public func abort() async {
        partInFlight?.cancel()
        guard let uploadID else { return }
        // The lifecycle rule removes incomplete uploads after a day should this fail too; the
        // backup has already failed loudly, and a second error would only hide the first.
        try? await s3.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
    }

    /// Starts the part's upload once the previous one is done, and returns at once, so reading
    /// goes on while a part uploads.
    private func upload(_ part: [UInt8]) async throws {
        if uploadID == nil { uploadID = try await s3.createMultipartUpload(bucket: bucket, key: key, headers: headers) }
        try await awaitPartInFlight()
        let (s3, bucket, key, uploadID, number) = (self.s3, self.bucket, self.key, self.uploadID!, partETags.count + 1)
        partInFlight = Task { try await s3.uploadPart(bucket: bucket, key: key, uploadID: uploadID, partNumber: number, body: part) }
    }

    private func awaitPartInFlight() async throws {
        guard let part = partInFlight else { return }
        partInFlight = nil
        partETags.append(try await part.value)
    }
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
