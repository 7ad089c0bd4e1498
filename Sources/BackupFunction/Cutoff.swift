import AWSCore
import Support

/// Work that must stop at a point in time: the body runs in a child task that is cancelled at
/// the cutoff, so it can abort what it started and still be reported on before Lambda's deadline.
enum Cutoff {
    /// The body's result, and whether the cutoff cancelled it (it may have finished regardless).
    /// Cancelling the caller's task cancels the body too.
    static func run<Success: Sendable, Failure: Error>(
        until cutoff: UTCTime, _ body: @escaping @Sendable () async throws(Failure) -> Success
    ) async -> (result: Result<Success, Failure>, cutOff: Bool) {
        await withTaskGroup(of: Event<Success, Failure>.self) { group in
            @Sendable func outcome() async -> Event<Success, Failure> {
                do throws(Failure) { return .finished(.success(try await body())) } catch { return .finished(.failure(error)) }
            }
            // The cutoff is also every call's deadline: throttled calls stop waiting by then.
            group.addTask { await withCallDeadline(cutoff, outcome) }
            group.addTask {
                let wait = max(0, cutoff.millisecondsSinceEpoch - UTCTime.now().millisecondsSinceEpoch)
                do { try await Task.sleep(nanoseconds: UInt64(wait) * 1_000_000) } catch { return .timerCancelled }
                return .cutoffReached
            }
            var result: Result<Success, Failure>?
            var cutOff = false
            for await event in group {
                switch event {
                case .finished(let finished): result = finished
                case .cutoffReached: cutOff = true
                case .timerCancelled: break
                }
                group.cancelAll()
            }
            // The body's task always reports, and the group ends only after it has.
            return (result!, cutOff)
        }
    }

    private enum Event<Success: Sendable, Failure: Error>: Sendable {
        case finished(Result<Success, Failure>)
        case cutoffReached
        /// The body finished first, or the caller was cancelled.
        case timerCancelled
    }
}
