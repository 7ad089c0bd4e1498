#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and writes with plain POSIX calls.
public enum FileIO {
    public static func readBytes(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if n < chunk.count { return ferror(file) == 0 ? bytes : nil }
        }
    }

    public static func readText(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Writes through a temporary file and a rename, so readers never see half a file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(FileError) {
        let temporary = "\(path).tmp-\(getpid())"
        guard let file = fopen(temporary, "wb") else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
        let written = fwrite(bytes, 1, bytes.count, file)
        let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
        fclose(file)
        guard written == bytes.count, flushed, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw FileError(path: path, reason: reason)
        }
    }
}

public struct FileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}
