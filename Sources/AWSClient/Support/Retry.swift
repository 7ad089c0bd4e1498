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
        let cap = min(maxDelayMilliseconds, baseDelayMilliseconds << min(attempt - 1, 20))
        return random(0...cap)
    }
}
