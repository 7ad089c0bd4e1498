#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and writes with plain POSIX calls.
public enum FileIO {
    public static func readBytes(_ path: String) -> [UInt8]? {
        try? bytes(at: path)
    }

    public static func readText(_ path: String) -> String? {
        readBytes(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// As `readText`, saying why a file cannot be read (the OS's reason, e.g. "No such file or directory").
    public static func text(at path: String) throws(FileError) -> String {
        String(decoding: try bytes(at: path), as: UTF8.self)
    }

    /// The whole file, or the OS's reason it cannot be read.
    public static func bytes(at path: String) throws(FileError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            guard n == chunk.count else { break }
        }
        guard ferror(file) == 0 else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
        return bytes
    }

    /// Writes through a temporary file and a rename, so readers never see half a file. `mode` is
    /// the new file's permissions before the umask: 0o600 for one only its owner may read.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o666) throws(FileError) {
        do { try writeAtomically(to: path, mode: mode) { write in try write(bytes) } } catch let error as FileError { throw error } catch {
            throw FileError(path: path, reason: "\(error)")
        }
    }

    /// As `writeAtomically(_:to:mode:)`, for a file too big to hold: `produce` hands its pieces,
    /// in order, to the writer it is given. An error from `produce` leaves the old file as it was.
    public static func writeAtomically(to path: String, mode: mode_t = 0o666,
                                       _ produce: (_ write: ([UInt8]) throws(FileError) -> Void) throws -> Void) throws {
        let temporary = "\(path).tmp-\(getpid())"
        // A leftover of a killed run with the same pid would keep its own mode: start afresh.
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0, let file = fdopen(descriptor, "wb") else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { close(descriptor) }
            throw FileError(path: path, reason: reason)
        }
        do {
            try produce { (bytes) throws(FileError) in
                guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw FileError(path: path, reason: String(cString: strerror(errno))) }
            }
        } catch {
            fclose(file)
            unlink(temporary)
            throw error
        }
        let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
        fclose(file)
        guard flushed, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw FileError(path: path, reason: reason)
        }
    }
}

public struct FileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { "\(path): \(reason)" }
}
