#if canImport(Glibc)
import Glibc
#endif

/// A token bucket shared by every caller that draws on one quota (say Cognito's UserList category),
/// so together they run at the quota instead of bouncing off it. A throttling reply lowers the rate;
/// it climbs back to the configured rate as calls succeed.
public actor RateLimiter {
    public nonisolated let name: String
    public nonisolated let configuredRate: Double
    private(set) public var rate: Double
    private var tokens: Double
    private var lastRefill: Double
    private let burst: Double
    /// Calls let out so far, retries included: what the quota counted of this process's callers.
    private(set) public var granted = 0

    /// `burst` tokens are available at once; Cognito's quotas allow about one second's worth.
    public init(name: String, ratePerSecond: Double, burst: Double? = nil) {
        self.name = name
        configuredRate = ratePerSecond
        rate = ratePerSecond
        self.burst = max(1, burst ?? ratePerSecond)
        tokens = 1
        lastRefill = Self.monotonicSeconds()
    }

    /// Waits until a call may go out. Each caller takes its token at once, going into debt if the
    /// bucket is empty, and sleeps exactly until that debt is paid: one wake-up per call, in
    /// arrival order, however many callers wait (a retry loop would wake them all per token).
    /// A cancelled caller throws at once instead of going out unpaced.
    public func acquire() async throws(CancellationError) {
        if Task.isCancelled { throw CancellationError() }
        refill()
        tokens -= 1
        granted += 1
        guard tokens < 0 else { return }
        do { try await Task.sleep(nanoseconds: UInt64(-tokens / rate * 1_000_000_000)) } catch {
            // Its call will not be made: the token goes back, so later callers are not paced for it.
            refill()
            tokens = min(burst, tokens + 1)
            granted -= 1
            throw CancellationError()
        }
    }

    /// Whether a caller has taken a token the bucket does not have yet, and sleeps on it.
    var isOwed: Bool { tokens < 0 }

    public func recordThrottle() {
        // Settle the time that passed during the throttled call first, or it would be credited
        // afterwards and the next call would go out at once.
        refill()
        rate = max(configuredRate * 0.1, rate * 0.7)
        tokens = min(tokens, 0)
    }

    public func recordSuccess() {
        refill()
        rate = min(configuredRate, rate + configuredRate * 0.02)
    }

    private func refill() {
        let now = Self.monotonicSeconds()
        tokens = min(burst, tokens + (now - lastRefill) * rate)
        lastRefill = now
    }

    static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
