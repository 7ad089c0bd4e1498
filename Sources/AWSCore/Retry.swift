import Support

/// The SDKs' standard retry mode: a bounded number of attempts, each retry after a random delay
/// between zero and an exponentially growing cap ("full jitter").
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelayMilliseconds: Int
    public var maxDelayMilliseconds: Int

    public init(maxAttempts: Int = 3, baseDelayMilliseconds: Int = 1_000, maxDelayMilliseconds: Int = 20_000) {
        self.maxAttempts = maxAttempts
        self.baseDelayMilliseconds = baseDelayMilliseconds
        self.maxDelayMilliseconds = maxDelayMilliseconds
    }

    public static let standard = RetryPolicy()

    /// How long to wait before attempt `attempt + 1` (attempts count from 1); nil to stop.
    public func delayMilliseconds(after error: AWSError, attempt: Int,
                                  random: (ClosedRange<Int>) -> Int = { Int.random(in: $0) }) -> Int? {
        guard error.isRetryable, attempt < maxAttempts else { return nil }
        return backoffMilliseconds(attempt: attempt, random: random)
    }

    func backoffMilliseconds(attempt: Int, random: (ClosedRange<Int>) -> Int) -> Int {
        random(0...min(maxDelayMilliseconds, baseDelayMilliseconds << min(attempt - 1, 20)))
    }
}

/// The retries of one call. Throttling is a slowdown, not a failure: under a deadline it is
/// waited out, with the usual backoff, until the deadline; server faults and broken connections
/// still get `maxAttempts`. Without a deadline every retryable error counts against `maxAttempts`.
struct RetrySchedule {
    let policy: RetryPolicy
    let deadline: UTCTime?
    /// Attempts made so far.
    private(set) var attempts = 1
    private var faults = 0

    init(policy: RetryPolicy, deadline: UTCTime?) {
        self.policy = policy
        self.deadline = deadline
    }

    /// How long to wait before the next attempt, after `error` ended this one; throws the error
    /// that ends the call instead.
    mutating func delayMilliseconds(after error: AWSError, now: UTCTime = .now(),
                                    random: (ClosedRange<Int>) -> Int = { Int.random(in: $0) }) throws(AWSError) -> Int {
        guard error.isRetryable else { throw error }
        defer { attempts += 1 }
        if error.isThrottling, let deadline {
            let remaining = deadline.millisecondsSinceEpoch - now.millisecondsSinceEpoch
            guard remaining > 0 else { throw error.throttledPast(deadline, attempts: attempts) }
            // One last attempt right at the deadline rather than none after the last full backoff.
            return min(Int(remaining), policy.backoffMilliseconds(attempt: attempts, random: random))
        }
        if !error.isThrottling { faults += 1 }
        guard (deadline == nil ? attempts : faults) < policy.maxAttempts else { throw error }
        return policy.backoffMilliseconds(attempt: attempts, random: random)
    }
}

extension AWSError {
    static let throttledUntilDeadlineCode = "ThrottledUntilDeadline"

    /// The call was still throttled when its deadline came; names the throttling code AWS gave last.
    func throttledPast(_ deadline: UTCTime, attempts: Int) -> AWSError {
        AWSError(service: service, operation: operation, httpStatus: nil, code: Self.throttledUntilDeadlineCode,
                 message: "still throttled (\(code)\(message.isEmpty ? "" : ": \(message)")) after \(attempts) attempts "
                     + "when the deadline for waiting out throttling (\(deadline.iso8601)) passed",
                 requestID: requestID)
    }
}
