import AWSServices
import Signing
import JSON

/// A backup between two invocations, saved beside the object it is writing, at
/// `<key>.checkpoint.json`: the multipart upload's parts, the bytes not yet a part, the object's
/// running size, SHA-256 state and open containers, and how far the pool was read. The next
/// invocation reads it, goes on, and deletes it once the object is complete or abandoned.
///
/// The object is one JSON line, then the raw bytes it counts: the upload's tail (up to a part,
/// 5 MiB, which would cost a third more as base64), then the packed username hashes.
struct BackupCheckpoint: Sendable {
    let poolID: String
    let key: String
    let identity: UploadIdentity
    let requestID: String?
    let compression: BackupCompression
    let upload: S3ObjectUpload.Suspended
    let writer: SnapshotWriter.Suspended
    let progress: SnapshotProgress

    /// Changes whenever a field changes meaning: a build never resumes another's checkpoint.
    static let format = 1
    static let suffix = ".checkpoint.json"
    static func key(objectKey: String) -> String { objectKey + suffix }

    var bytes: [UInt8] {
        let header: JSON = [
            "format": .number(Self.format), "pool_id": .string(poolID), "key": .string(key),
            "backup_id": .string(identity.backupID), "started": .string(identity.started),
            "tier": identity.tier.map { .string($0.rawValue) } ?? .null,
            "lock": identity.lock.map { ["mode": .string($0.mode), "retain_until": .string($0.retainUntil)] } ?? .null,
            "request_id": requestID.map(JSON.string) ?? .null, "compression": .string(compression.rawValue),
            "upload": [
                "upload_id": upload.uploadID.map(JSON.string) ?? .null, "tail_bytes": .number(upload.tail.count),
                "parts": .array(upload.parts.map { ["etag": .string($0.eTag), "sha256": .string($0.sha256)] }),
            ],
            "writer": [
                "size": .number(writer.size), "sha256_state": .string(writer.digestState.hexString),
                "open": .array(writer.openContainers.map { [.string(String(UnicodeScalar($0.closer))), .bool($0.hasElement)] }),
            ],
            "progress": progress.json,
        ]
        return header.serializedBytes + [UInt8(ascii: "\n")] + upload.tail + progress.hashBytes
    }

    init(poolID: String, key: String, identity: UploadIdentity, requestID: String?, compression: BackupCompression,
         upload: S3ObjectUpload.Suspended, writer: SnapshotWriter.Suspended, progress: SnapshotProgress) {
        self.poolID = poolID
        self.key = key
        self.identity = identity
        self.requestID = requestID
        self.compression = compression
        self.upload = upload
        self.writer = writer
        self.progress = progress
    }

    init(bytes: [UInt8]) throws(CheckpointDamaged) {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")), let header = try? JSON(parsing: Array(bytes[..<newline])) else {
            throw CheckpointDamaged(reason: "it does not begin with a JSON line")
        }
        guard header["format"]?.int == Self.format else {
            throw CheckpointDamaged(reason: "it is of format \(header["format"]?.int.map(String.init) ?? "?"), this build reads \(Self.format)")
        }
        guard let poolID = header["pool_id"]?.string, let key = header["key"]?.string, let backupID = header["backup_id"]?.string,
              let started = header["started"]?.string,
              let compression = header["compression"]?.string.flatMap(BackupCompression.init(rawValue:)),
              let upload = header["upload"], let tailCount = upload["tail_bytes"]?.int, let parts = upload["parts"]?.array,
              let writer = header["writer"], let size = writer["size"]?.int, let state = writer["sha256_state"]?.string.flatMap(Self.bytes(hex:)),
              let open = writer["open"]?.array, let progress = header["progress"], bytes.count - newline - 1 >= tailCount else {
            throw CheckpointDamaged(reason: "its header lacks a member")
        }
        let tailStart = newline + 1
        self.poolID = poolID
        self.key = key
        identity = UploadIdentity(backupID: backupID, poolID: poolID, started: started,
                                  tier: header["tier"]?.string.flatMap(BackupTier.init(rawValue:)),
                                  lock: header["lock"]?["mode"]?.string.flatMap { mode in
                                      header["lock"]?["retain_until"]?.string.map { (mode, $0) }
                                  })
        requestID = header["request_id"]?.string
        self.compression = compression
        self.upload = S3ObjectUpload.Suspended(
            uploadID: upload["upload_id"]?.string,
            parts: parts.map { S3.UploadedPart(eTag: $0["etag"]?.string ?? "", sha256: $0["sha256"]?.string ?? "") },
            tail: Array(bytes[tailStart..<tailStart + tailCount]))
        self.writer = SnapshotWriter.Suspended(size: size, digestState: state, openContainers: try open.map { container throws(CheckpointDamaged) in
            guard let closer = container.array?.first?.string?.utf8.first, let hasElement = container.array?.last?.bool else {
                throw CheckpointDamaged(reason: "its open containers are unreadable")
            }
            return (closer, hasElement)
        })
        self.progress = try SnapshotProgress(json: progress, hashBytes: bytes[(tailStart + tailCount)...])
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count.isMultiple(of: 2) else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }
}

/// A continuation named a checkpoint that is not in the bucket: the backup finished or was
/// abandoned by an earlier delivery of the same continuation, or someone removed it.
public struct CheckpointMissing: Error, CustomStringConvertible, Sendable {
    public let key: String
    public var description: String { "the backup's checkpoint \(key) is not in the bucket; the backup cannot go on" }
}
