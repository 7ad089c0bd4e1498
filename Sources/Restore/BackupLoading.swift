import AWSServices
import Backup

extension BackupSource {
    /// The backup, read and checked before anything is written, never whole in memory: a local
    /// file as it is, an S3 object downloaded to a temporary file and checked against its
    /// manifest (see `file(s3:versionID:warn:)`). Either may be gzip (`.json.gz`); it is
    /// decompressed a piece at a time. `warn` hears what nothing can vouch for.
    public func backup(s3: S3, versionID: String? = nil, warn: (String) -> Void) async throws -> BackupContents {
        try BackupContents(file: try await file(s3: s3, versionID: versionID, warn: warn))
    }
}

/// A backup's JSON text from the pieces it was stored in: as they are, or decompressed when they
/// start as gzip does.
final class JSONText {
    static let pieceSize = 1024 * 1024
    private let read: () throws(BackupReadError) -> [UInt8]?
    private var decompressor: Gzip.Decompressor?
    private var started = false

    init(_ read: @escaping () throws(BackupReadError) -> [UInt8]?) { self.read = read }

    func next() throws(BackupReadError) -> [UInt8]? {
        while true {
            guard let piece = try read() else {
                if let decompressor, !decompressor.finished { throw BackupReadError(reason: "the compressed backup ends before its end") }
                return nil
            }
            if !started {
                started = true
                if piece.starts(with: Gzip.magic) { decompressor = Gzip.Decompressor() }
            }
            guard let decompressor else { return piece }
            let text: [UInt8]
            do { text = try decompressor.decompress(piece) } catch { throw BackupReadError(reason: "\(error)") }
            if !text.isEmpty { return text }
        }
    }
}
