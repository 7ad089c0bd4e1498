/// A backup's JSON text from the pieces it was stored in: as they are, or decompressed when they
/// start as gzip does.
public final class JSONText {
    public static let pieceSize = 1024 * 1024
    private let read: () throws(BackupReadError) -> [UInt8]?
    private var decompressor: Gzip.Decompressor?
    private var started = false

    public init(_ read: @escaping () throws(BackupReadError) -> [UInt8]?) { self.read = read }

    public func next() throws(BackupReadError) -> [UInt8]? {
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
