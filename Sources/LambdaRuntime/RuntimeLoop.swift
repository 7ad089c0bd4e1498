import Support
#if canImport(Glibc)
import Glibc
#endif

/// next → handle → response or error, until the Runtime API says stop or the task is cancelled
/// (a shutdown). Returns the process's exit status: Lambda starts a fresh runtime after an exit.
public enum RuntimeLoop {
    /// How many times in a row `/next` may fail to connect before we give up.
    static let maximumConsecutiveFailures = 3

    public static func run(_ runtime: RuntimeAPIClient, handler: any LambdaHandler,
                           log: @Sendable (String) -> Void = { StandardStream.error.write("\($0)\n") }) async -> Int32 {
        var failures = 0
        while !Task.isCancelled {
            let invocation: Invocation
            do {
                invocation = try await runtime.next()
                failures = 0
            } catch .unreachable(let reason) where failures + 1 < maximumConsecutiveFailures {
                failures += 1
                log("Runtime API unreachable (\(reason)); retrying")
                do { try await Task.sleep(nanoseconds: UInt64(failures) * 100_000_000) } catch { break }
                continue
            } catch {
                log("stopping: \(error)")
                return 1
            }
            if let traceID = invocation.traceID { setenv("_X_AMZN_TRACE_ID", traceID, 1) } else { unsetenv("_X_AMZN_TRACE_ID") }
            let answer: Result<[UInt8], InvocationError>
            do { answer = .success(try await handler.handle(invocation)) } catch { answer = .failure(error) }
            switch await post(answer, for: invocation.requestID, to: runtime) {
            case .success:
                continue
            case .failure(.unexpected(let status, let path)):
                // The Runtime API refused this one answer; the runtime itself is fine.
                log("the Runtime API answered HTTP \(status) to \(path); serving the next event")
            case .failure(let error):
                log("stopping: \(error)")
                return 1
            }
        }
        log("stopping: the runtime is shutting down")
        return 1
    }

    /// Posts the answer from a task of its own: a shutdown cancels the work, but the invocation's
    /// answer (saying the work was stopped) is still due.
    static func post(_ answer: Result<[UInt8], InvocationError>, for requestID: String,
                     to runtime: RuntimeAPIClient) async -> Result<Void, RuntimeAPIClient.Failure> {
        await Task { () async -> Result<Void, RuntimeAPIClient.Failure> in
            do throws(RuntimeAPIClient.Failure) {
                switch answer {
                case .success(let body): try await runtime.respond(to: requestID, with: body)
                case .failure(let error): try await runtime.fail(requestID, with: error)
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }.value
    }
}
