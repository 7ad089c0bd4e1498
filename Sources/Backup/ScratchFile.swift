#if canImport(Glibc)
import Glibc
#endif
import Support

/// A file with no name in `TMPDIR` (or /tmp), for what a restore must keep but not hold in
/// memory: a downloaded backup, the users restored so far. Unlinked as soon as it is made, so
/// the system removes it however the process ends. Readers share the descriptor but not an
/// offset (`pread`): each starts at the top, as often as needed.
public final class ScratchFile: Sendable {
    public static let chunkSize = 1 << 20
    public let descriptor: Int32
    /// What it holds, for errors: "the download of s3://…".
    public let purpose: String

    public init(for purpose: String) throws(FileError) {
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(directory)/cognito-backup-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer in
            let descriptor = mkstemp(buffer.baseAddress!)
            // Gone from the directory at once: the file lives as long as the descriptor, even if the process is killed.
            if descriptor >= 0 { unlink(buffer.baseAddress!) }
            return descriptor
        }
        guard descriptor >= 0 else { throw FileError(path: directory, reason: "no temporary file for \(purpose): \(String(cString: strerror(errno)))") }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)  // the credential helpers a restore may start need not see it
        self.descriptor = descriptor
        self.purpose = purpose
    }

    deinit { close(descriptor) }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws(FileError) {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw FileError(path: purpose, reason: "cannot be stored on disk: \(String(cString: strerror(errno)))") }
            written += count
        }
    }

    /// A reader from the first byte (see `ScratchFile.chunks(of:named:)`).
    public func chunks() -> () throws(FileError) -> [UInt8]? { Self.chunks(of: descriptor, named: purpose) }

    /// A reader of the file open as `descriptor` from its first byte: each call gives the next
    /// chunk of up to `chunkSize` bytes, then nil at the end.
    public static func chunks(of descriptor: Int32, named name: String) -> () throws(FileError) -> [UInt8]? {
        var offset = 0
        return { () throws(FileError) -> [UInt8]? in
            var chunk = [UInt8](repeating: 0, count: chunkSize)
            let count = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            guard count >= 0 else { throw FileError(path: name, reason: "cannot be read: \(String(cString: strerror(errno)))") }
            guard count > 0 else { return nil }
            offset += count
            chunk.removeSubrange(count...)
            return chunk
        }
    }
}
