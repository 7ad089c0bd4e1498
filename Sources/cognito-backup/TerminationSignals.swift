import Dispatch
import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT and SIGTERM as cancellation. The first cancels the work, which stops where it is,
/// aborts what it started (an upload) and says what it stopped; a second exits at once. Dispatch
/// hands the signals to a queue, so no code of ours runs in a signal handler.
enum TerminationSignals {
    /// Runs `body`; returns its result and the signal that cancelled it, if one did.
    static func cancelling<Result: Sendable>(_ body: @escaping @Sendable () async -> Result) async -> (Result, signal: Int32?) {
        let (signals, delivery) = AsyncStream.makeStream(of: Int32.self)
        let received = SignalCount()
        let sources = [SIGINT, SIGTERM].map { number in
            // Ignored by the process, so that only the source sees it.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                guard received.increment() == 1 else { exitAtOnce(number) }
                delivery.yield(number)
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            delivery.finish()
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        return await withTaskGroup(of: Event<Result>.self) { group in
            group.addTask { .finished(await body()) }
            group.addTask {
                for await number in signals { return .signalled(number) }
                return .noSignal
            }
            var signalled: Int32?
            var result: Result?
            for await event in group {
                switch event {
                case .finished(let finished): result = finished
                case .signalled(let number): signalled = number
                case .noSignal: break
                }
                group.cancelAll()
            }
            // The body's task always reports, and the group ends only after it has.
            return (result!, signalled)
        }
    }

    static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)" }

    /// The second signal: the person wants out now, even if that leaves an upload open.
    private static func exitAtOnce(_ number: Int32) -> Never {
        let message = "cognito-backup: second \(name(number)); exiting without cleaning up (an open multipart upload "
            + "is removed by the bucket's lifecycle rule; a restore resumes from its journal)\n"
        StandardStream.error.write(message)
        _exit(128 + number)
    }

    private enum Event<Result: Sendable>: Sendable {
        case finished(Result)
        case signalled(Int32)
        /// The body finished first.
        case noSignal
    }
}

private final class SignalCount: Sendable {
    private let count = Atomic<Int>(0)
    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
}
