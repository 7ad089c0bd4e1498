#if canImport(Glibc)
import Glibc
#endif

/// A command stopped by SIGINT or SIGTERM, after it saved what it must.
struct Interrupted: Error {
    let signal: Int32

    var name: String { TerminationSignals.name(signal) }
    /// The shell's convention: 128 + the signal's number.
    var exitCode: Int32 { 128 + signal }
}

/// Runs `body` under `TerminationSignals`, so that SIGINT and SIGTERM cancel it instead of
/// killing the process and it can save its state; throws `Interrupted` if one came.
func cancellingOnInterrupt<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let (outcome, signal) = await TerminationSignals.cancelling { () async -> Result<T, any Error> in
        do { return .success(try await body()) } catch { return .failure(error) }
    }
    if let signal { throw Interrupted(signal: signal) }
    return try outcome.get()
}
