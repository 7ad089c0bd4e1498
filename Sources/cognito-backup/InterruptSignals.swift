import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A command stopped by SIGINT or SIGTERM, after it saved what it must.
struct Interrupted: Error {
    let signal: Int32

    var name: String { signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "signal \(signal)" }
    /// The shell's convention: 128 + the signal's number.
    var exitCode: Int32 { 128 + signal }
}

/// Runs `body` in a task that SIGINT and SIGTERM cancel instead of killing the process, so
/// that it stops between two calls and can save its state; throws `Interrupted` if one came.
func cancellingOnInterrupt<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let received = ReceivedSignal()
    let task = Task { try await body() }
    let signals = [SIGINT, SIGTERM]
    let sources = signals.map { number in
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            received.signal.withLock { first in first = first ?? number }
            task.cancel()
        }
        source.resume()
        return source
    }
    defer {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
    do {
        let value = try await task.value
        if let number = received.signal.withLock({ $0 }) { throw Interrupted(signal: number) }
        return value
    } catch {
        if let number = received.signal.withLock({ $0 }) { throw Interrupted(signal: number) }
        throw error
    }
}

/// The first signal that came, told from the handler's queue to the waiting task.
private final class ReceivedSignal: Sendable {
    let signal = Mutex<Int32?>(nil)
}
