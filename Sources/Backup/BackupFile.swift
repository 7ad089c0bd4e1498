#if canImport(Glibc)
import Glibc
#endif
import AWSServices

/// A backup's bytes on disk, read as often as a restore needs (a check, then the users) in
/// bounded chunks, never whole into memory: a local file, or an S3 object downloaded into a
/// `ScratchFile`.
public final class BackupFile: Sendable {
    private let descriptor: Int32
    public let name: String
    /// Keeps a download's file open as long as this.
    private let scratch: ScratchFile?

    public init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        name = path
        scratch = nil
    }

    public init(downloaded scratch: ScratchFile) {
        descriptor = scratch.descriptor
        name = scratch.purpose
        self.scratch = scratch
    }

    deinit { if scratch == nil { close(descriptor) } }

    /// A reader from the first byte: each call gives the next chunk of the file, then nil.
    public func chunks() -> () throws(BackupReadError) -> [UInt8]? {
        let read = ScratchFile.chunks(of: descriptor, named: name)
        return { () throws(BackupReadError) -> [UInt8]? in
            do { return try read() } catch { throw BackupReadError(reason: "\(error)") }
        }
    }
}
