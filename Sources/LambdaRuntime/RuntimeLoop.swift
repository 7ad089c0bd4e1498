#if canImport(Glibc)
import Glibc
#endif

/// next → handle → response or error, until the Runtime API says stop. Returns the process's
/// exit status: Lambda starts a fresh runtime after an exit.
public enum RuntimeLoop {
    /// How many times in a row `/next` may fail to connect before we give up.
    static let maximumConsecutiveFailures = 3

    public static func run(_ runtime: RuntimeAPIClient, handler: any LambdaHandler,
                           log: @Sendable (String) -> Void = { fputs("\($0)\n", stderr) }) async -> Int32 {
        var failures = 0
        while true {
            let invocation: Invocation
            do {
                invocation = try await runtime.next()
                failures = 0
            } catch .unreachable(let reason) where failures + 1 < maximumConsecutiveFailures {
                failures += 1
                log("Runtime API unreachable (\(reason)); retrying")
                try? await Task.sleep(nanoseconds: UInt64(failures) * 100_000_000)
                continue
            } catch {
                log("stopping: \(error)")
                return 1
            }
            if let traceID = invocation.traceID { setenv("_X_AMZN_TRACE_ID", traceID, 1) } else { unsetenv("_X_AMZN_TRACE_ID") }
            do {
                do {
                    let body = try await handler.handle(invocation)
                    try await runtime.respond(to: invocation.requestID, with: body)
                } catch let failure as InvocationError {
                    try await runtime.fail(invocation.requestID, with: failure)
                }
            } catch {
                log("stopping: \(error)")
                return 1
            }
        }
    }
}
