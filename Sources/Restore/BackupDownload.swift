import AWSCore
import AWSServices
import Backup
import Signing

extension BackupSource {
    /// The largest piece of an S3 backup held in memory at once: a few copies of it are alive
    /// while it is read, hashed and stored (a 400 MB backup takes 200 GETs).
    static let downloadPieceBytes = 2 << 20

    /// The backup as a file on disk: a local file as it is; an S3 object downloaded (see
    /// `download`) and checked against its manifest before a byte of it is read. `warn` hears
    /// what nothing can vouch for. `s3` is made only for an S3 backup: a local file needs no
    /// credentials or region.
    func file(s3 makeS3: () throws -> S3, versionID: String?, warn: (String) -> Void) async throws -> BackupFile {
        guard case let .s3(bucket, key) = self else {
            guard case let .file(path) = self, let local = BackupFile(path: path) else {
                throw BackupSourceError(source: description, reason: "no such readable file")
            }
            return local
        }
        let s3 = try makeS3()
        let downloaded = try await download(s3: s3, bucket: bucket, key: key, versionID: versionID)
        if let warning = try await checkIntegrity(size: downloaded.size, sha256: downloaded.sha256, s3: s3, versionID: versionID) {
            warn(warning)
        }
        return downloaded.file
    }

    /// The S3 object `bucket/key` downloaded a piece at a time (ranged GETs of the one object, by
    /// ETag) into an anonymous temporary file, hashed on the way; not checked against anything.
    func download(s3: S3, bucket: String, key: String, versionID: String?) async throws -> DownloadedBackup {
        let file = try ScratchFile(for: "the download of \(self)")
        let hasher = SHA256Hasher()
        var size = 0, total = 1
        var eTag: String?
        while size < total {
            try Task.checkCancellation()
            guard let piece = try await piece(s3: s3, bucket: bucket, key: key, versionID: versionID, from: size, ifMatch: eTag) else { break }
            guard !piece.body.isEmpty || piece.totalSize == size else {
                throw BackupReadError(offset: size, reason: "S3 sent no bytes of \(self) from here on, of \(piece.totalSize)")
            }
            hasher.update(piece.body)
            try file.write(piece.body)
            size += piece.body.count
            total = piece.totalSize
            eTag = eTag ?? piece.eTag
        }
        return DownloadedBackup(file: BackupFile(downloaded: file), size: size, sha256: hasher.finalize().hexString)
    }

    /// The piece from `offset`; nil for an empty object, which has no byte 0 to ask for.
    private func piece(s3: S3, bucket: String, key: String, versionID: String?, from offset: Int,
                       ifMatch eTag: String?) async throws(AWSError) -> S3.ObjectPiece? {
        do {
            return try await s3.getObject(bucket: bucket, key: key, versionID: versionID,
                                          range: offset...(offset + Self.downloadPieceBytes - 1), ifMatch: eTag)
        } catch {
            guard error.httpStatus == 416, offset == 0 else { throw error }
            return nil
        }
    }
}

/// A backup downloaded to disk, with what the download measured of its bytes: what a manifest or
/// a catalog row is checked against.
struct DownloadedBackup {
    let file: BackupFile
    let size: Int
    /// In hex.
    let sha256: String
}
