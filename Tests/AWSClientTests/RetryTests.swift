@testable import AWSCore
@testable import Support
import Testing

/// Which failures are worth another attempt, and how long to wait before it.
struct RetryTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let code: String
        let status: Int?
        var testDescription: String { "\(code) (\(status.map { "HTTP \($0)" } ?? "no response"))" }
    }

    private static func error(_ c: Case) -> AWSError {
        AWSError(service: "cognito-idp", operation: "ListUsers", httpStatus: c.status, code: c.code, message: "", requestID: nil)
    }

    static let throttles = [
        Case(code: "TooManyRequestsException", status: 400),
        Case(code: "ThrottlingException", status: 400),
        Case(code: "ProvisionedThroughputExceededException", status: 400),
        Case(code: "SlowDown", status: 503),
        Case(code: "RequestLimitExceeded", status: 503),
        Case(code: "HTTP429", status: 429),
    ]

    static let transient = [
        Case(code: "InternalErrorException", status: 500),
        Case(code: "HTTP502", status: 502),
        Case(code: "ServiceUnavailableException", status: 503),
        Case(code: "HTTP504", status: 504),
        Case(code: "Transport.connect", status: nil),
        Case(code: "Transport.reset", status: nil),
        Case(code: "Transport.timeout", status: nil),
        Case(code: "Transport.truncated", status: nil),
        Case(code: "CredentialsUnavailable", status: nil),
    ]

    static let final = [
        Case(code: "Transport.tls", status: nil),
        Case(code: "InvalidParameterException", status: 400),
        Case(code: "AccessDeniedException", status: 400),
        Case(code: "ResourceNotFoundException", status: 400),
        Case(code: "MissingCredentials", status: nil),
        Case(code: "Cancelled", status: nil),
        Case(code: "ThrottledUntilDeadline", status: nil),
    ]

    @Test(arguments: throttles)
    func throttlingIsRetryableThrottling(_ c: Case) {
        #expect(Self.error(c).isThrottling)
        #expect(Self.error(c).isRetryable)
    }

    @Test(arguments: transient)
    func serverFaultsAndBrokenConnectionsAreRetryableButNotThrottling(_ c: Case) {
        #expect(Self.error(c).isRetryable)
        #expect(!Self.error(c).isThrottling)
    }

    @Test(arguments: final)
    func refusalsAndTLSFailuresAreNotRetryable(_ c: Case) {
        #expect(!Self.error(c).isRetryable)
        #expect(!Self.error(c).isThrottling)
    }

    private static let throttled = error(Case(code: "TooManyRequestsException", status: 400))

    @Test func delayCapDoublesPerAttemptUpToTheMaximum() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelayMilliseconds: 100, maxDelayMilliseconds: 1_000)
        var ranges: [ClosedRange<Int>] = []
        for attempt in 1...6 {
            _ = policy.delayMilliseconds(after: Self.throttled, attempt: attempt) { range in
                ranges.append(range)
                return range.upperBound
            }
        }
        #expect(ranges == [0...100, 0...200, 0...400, 0...800, 0...1_000, 0...1_000])
    }

    @Test func jitteredDelaysStayWithinTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelayMilliseconds: 50, maxDelayMilliseconds: 20_000)
        let delays = (0..<500).compactMap { _ in policy.delayMilliseconds(after: Self.throttled, attempt: 3) }
        #expect(delays.count == 500)
        #expect(delays.allSatisfy { (0...200).contains($0) })
        // Full jitter spreads the retries out; 500 draws that never leave a quarter of the
        // range would mean it does not.
        #expect(delays.contains { $0 < 50 } && delays.contains { $0 > 150 })
    }

    @Test func stopsAfterMaxAttempts() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelayMilliseconds: 10, maxDelayMilliseconds: 100)
        #expect(policy.delayMilliseconds(after: Self.throttled, attempt: 2) != nil)
        #expect(policy.delayMilliseconds(after: Self.throttled, attempt: 3) == nil)
    }

    @Test func nonRetryableErrorGetsNoDelay() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelayMilliseconds: 10, maxDelayMilliseconds: 100)
        let refused = Self.error(Case(code: "InvalidParameterException", status: 400))
        #expect(policy.delayMilliseconds(after: refused, attempt: 1) == nil)
    }

    private static let unavailable = error(Case(code: "ServiceUnavailableException", status: 503))
    private static let start = UTCTime(iso8601: "2025-06-02T10:00:00Z")!

    @Test func throttlingUnderADeadlineOutlastsTheAttemptBudget() throws {
        var schedule = RetrySchedule(policy: RetryPolicy(maxAttempts: 3, baseDelayMilliseconds: 100, maxDelayMilliseconds: 1_000),
                                     deadline: Self.start.adding(milliseconds: 60_000))
        for _ in 1...20 {
            #expect(try schedule.delayMilliseconds(after: Self.throttled, now: Self.start) { $0.upperBound } <= 1_000)
        }
        #expect(schedule.attempts == 21)
    }

    @Test func faultsUnderADeadlineKeepTheirAttemptBudgetDespiteThrottling() throws {
        var schedule = RetrySchedule(policy: RetryPolicy(maxAttempts: 3, baseDelayMilliseconds: 10, maxDelayMilliseconds: 100),
                                     deadline: Self.start.adding(milliseconds: 60_000))
        _ = try schedule.delayMilliseconds(after: Self.unavailable, now: Self.start)
        for _ in 1...5 { _ = try schedule.delayMilliseconds(after: Self.throttled, now: Self.start) }
        _ = try schedule.delayMilliseconds(after: Self.unavailable, now: Self.start)
        let error = #expect(throws: AWSError.self) { try schedule.delayMilliseconds(after: Self.unavailable, now: Self.start) }
        #expect(error?.code == "ServiceUnavailableException")
    }

    @Test func lastBackoffBeforeTheDeadlineEndsAtTheDeadline() throws {
        var schedule = RetrySchedule(policy: RetryPolicy(maxAttempts: 3, baseDelayMilliseconds: 20_000, maxDelayMilliseconds: 20_000),
                                     deadline: Self.start.adding(milliseconds: 1_500))
        #expect(try schedule.delayMilliseconds(after: Self.throttled, now: Self.start) { $0.upperBound } == 1_500)
    }

    @Test func throttledPastTheDeadlineIsAnErrorNamingThrottlingAndTheDeadline() throws {
        var schedule = RetrySchedule(policy: .standard, deadline: Self.start)
        let throttled = AWSError(service: "cognito-idp", operation: "ListUsers", httpStatus: 400, code: "TooManyRequestsException",
                                 message: "Rate exceeded", requestID: "a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b")

        let error = #expect(throws: AWSError.self) { try schedule.delayMilliseconds(after: throttled, now: Self.start.adding(milliseconds: 1)) }

        #expect(error?.code == "ThrottledUntilDeadline")
        #expect(error?.operation == "ListUsers")
        #expect(error?.requestID == "a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b")
        #expect(error?.message.contains("TooManyRequestsException: Rate exceeded") == true)
        #expect(error?.message.contains("2025-06-02T10:00:00.000Z") == true)
        #expect(error?.isRetryable == false)
    }

    @Test func withoutADeadlineThrottlingCountsAgainstTheAttempts() throws {
        var schedule = RetrySchedule(policy: RetryPolicy(maxAttempts: 3, baseDelayMilliseconds: 10, maxDelayMilliseconds: 100), deadline: nil)
        _ = try schedule.delayMilliseconds(after: Self.throttled)
        _ = try schedule.delayMilliseconds(after: Self.throttled)
        let error = #expect(throws: AWSError.self) { try schedule.delayMilliseconds(after: Self.throttled) }
        #expect(error?.code == "TooManyRequestsException")
    }
}
