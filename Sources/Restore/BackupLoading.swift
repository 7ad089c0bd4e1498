import AWSServices
import Backup

extension BackupSource {
    /// The backup, read and checked before anything is written: a local file with bounded reads
    /// (never whole in memory), an S3 object against its manifest. Either may be gzip
    /// (`.json.gz`); it is decompressed a piece at a time. `warn` hears what nothing can vouch for.
    public func backup(s3: S3, versionID: String? = nil, warn: (String) -> Void) async throws -> BackupContents {
        if case let .file(path) = self {
            guard let file = BackupFile(path: path) else { throw BackupSourceError(source: path, reason: "no such readable file") }
            let text = JSONText { () throws(BackupReadError) -> [UInt8]? in try file.next() }
            return try BackupContents(chunks: { () throws(BackupReadError) -> [UInt8]? in try text.next() })
        }
        // An object is checked against its manifest's SHA-256, of the bytes stored, before it is parsed.
        let bytes = try await read(s3: s3, versionID: versionID)
        if let warning = try await checkIntegrity(of: bytes, s3: s3, versionID: versionID) { warn(warning) }
        var offset = 0
        let text = JSONText { () throws(BackupReadError) -> [UInt8]? in
            guard offset < bytes.count else { return nil }
            defer { offset += JSONText.pieceSize }
            return Array(bytes[offset..<min(offset + JSONText.pieceSize, bytes.count)])
        }
        return try BackupContents(chunks: { () throws(BackupReadError) -> [UInt8]? in try text.next() })
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
