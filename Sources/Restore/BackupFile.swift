#if canImport(Glibc)
import Glibc
#endif

/// A backup file read in bounded chunks, so that memory does not grow with the file.
final class BackupFile {
    static let chunkSize = 1 << 20
    private let file: UnsafeMutablePointer<FILE>
    private let path: String

    init?(path: String) {
        guard let file = fopen(path, "rb") else { return nil }
        self.file = file
        self.path = path
    }

    deinit { fclose(file) }

    /// The next chunk, or nil at the end of the file.
    func next() throws(BackupReadError) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        let count = fread(&chunk, 1, chunk.count, file)
        if count == 0 {
            guard ferror(file) == 0 else { throw BackupReadError(reason: "\(path) cannot be read: \(String(cString: strerror(errno)))") }
            return nil
        }
        chunk.removeSubrange(count...)
        return chunk
    }
}
