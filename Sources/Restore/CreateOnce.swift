import AWSCore
import AWSServices
import JSON

/// Creates that must not happen twice. Cognito takes no idempotency token, so a create whose
/// answer was lost (a reset, a timeout, a 5xx after the request went out) may well have been
/// done: sent again blindly it makes a second pool or client, or fails on "already exists".
/// Creates therefore go through a client that never retries by itself; here one is sent again
/// at once only when it certainly was not done (the connection never opened, or Cognito
/// throttled it), and after an ambiguous failure only once `find` has looked for it and not
/// found it. What `find` returns is the resource the lost answer would have named: adopted.
struct CreateOnce: Sendable {
    /// Answers each call once, never retrying on its own.
    let cognito: any CognitoAPI
    var maxAttempts = 6
    var baseDelayMilliseconds = 200

    enum FailureKind: Equatable {
        /// Nothing was done: safe to send again.
        case notDone
        /// The request may have been carried out: look before sending again.
        case maybeDone
        /// Cognito refused it for what it says; sending it again cannot help.
        case refused
    }

    static func kind(of error: AWSError) -> FailureKind {
        if error.code == "Transport.connect" || error.isThrottling { return .notDone }
        return error.isRetryable ? .maybeDone : .refused
    }

    func create<Found>(_ operation: String, _ input: JSON, step: String, poolID: String?,
                       answered: (JSON) throws(RestoreFailure) -> Found,
                       find: () async throws(RestoreFailure) -> Found?) async throws(RestoreFailure) -> Found {
        var attempt = 1
        while true {
            let failure: RestoreFailure
            do {
                return try answered(try await cognito.call(operation, input, step: step, poolID: poolID))
            } catch {
                failure = error
            }
            guard let error = failure.awsError else { throw failure }
            let kind = Self.kind(of: error)
            if kind == .maybeDone, let found = try await find() { return found }
            guard kind != .refused, attempt < maxAttempts else { throw failure }
            do {
                let cap = baseDelayMilliseconds << min(attempt - 1, 10)
                try await Task.sleep(nanoseconds: UInt64(Int.random(in: 0...cap)) * 1_000_000)
            } catch {
                throw RestoreFailure(step: step, poolID: poolID, underlying: error)
            }
            attempt += 1
        }
    }

    /// For creates whose answer carries nothing the restore needs.
    func create(_ operation: String, _ input: JSON, step: String, poolID: String?,
                exists: () async throws(RestoreFailure) -> Bool) async throws(RestoreFailure) {
        try await create(operation, input, step: step, poolID: poolID, answered: { _ in () },
                         find: { () async throws(RestoreFailure) -> Void? in try await exists() ? () : nil })
    }
}
