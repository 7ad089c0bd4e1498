#if canImport(Glibc)
import Glibc
#endif

/// The process's standard output and error, written without C's `stdout` and `stderr` globals
/// (shared mutable state Swift 6 cannot prove race-free): one `write(2)` a message, so lines from
/// concurrent tasks do not interleave.
public enum StandardStream: Sendable {
    case output
    case error

    public func write(_ text: String) {
        let descriptor: Int32 = self == .output ? STDOUT_FILENO : STDERR_FILENO
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            // A closed or full stream has nowhere to report its own failure.
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
