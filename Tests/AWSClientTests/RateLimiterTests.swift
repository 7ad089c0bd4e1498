@testable import AWSCore
import Foundation
import Testing

/// The token bucket every caller on one Cognito quota shares.
struct RateLimiterTests {
    @Test func acquisitionsRunAtTheConfiguredRate() async throws {
        let limiter = RateLimiter(name: "UserList", ratePerSecond: 40)
        let (_, seconds) = try await Fixture.elapsed {
            for _ in 0..<21 { try await limiter.acquire() }
        }
        // One token is there at the start; the other 20 arrive at 40 a second: 0.5 s. The upper
        // bound leaves room for a loaded 2-core machine running the suite's tests in parallel.
        #expect(seconds >= 0.45)
        #expect(seconds < 5.0)
        #expect(await limiter.granted == 21)
    }

    @Test func concurrentCallersTogetherStayAtTheRate() async throws {
        let limiter = RateLimiter(name: "UserList", ratePerSecond: 40)
        let (_, seconds) = try await Fixture.elapsed {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { for _ in 0..<5 { try await limiter.acquire() } }
                }
                try await group.waitForAll()
            }
        }
        #expect(seconds >= 0.45)
        #expect(seconds < 5.0)
        #expect(await limiter.granted == 20)
    }

    @Test func throttleLowersTheRate() async {
        let limiter = RateLimiter(name: "UserList", ratePerSecond: 20)
        await limiter.recordThrottle()
        let rate = await limiter.rate
        #expect(abs(rate - 14) < 0.001)
    }

    @Test func repeatedThrottlesStopAtATenthOfTheConfiguredRate() async {
        let limiter = RateLimiter(name: "UserList", ratePerSecond: 20)
        for _ in 0..<50 { await limiter.recordThrottle() }
        let rate = await limiter.rate
        #expect(abs(rate - 2) < 0.001)
    }

    @Test func successesClimbBackToTheConfiguredRateAndNoHigher() async {
        let limiter = RateLimiter(name: "UserList", ratePerSecond: 20)
        await limiter.recordThrottle()
        await limiter.recordSuccess()
        let climbing = await limiter.rate
        #expect(climbing > 14 && climbing < 20)
        for _ in 0..<100 { await limiter.recordSuccess() }
        let recovered = await limiter.rate
        #expect(recovered == 20)
    }

    @Test func throttleEmptiesTheBucketSoTheNextCallWaits() async throws {
        let limiter = RateLimiter(name: "UserList", ratePerSecond: 10)
        try await limiter.acquire()
        // The call that gets throttled takes a while to answer.
        try? await Task.sleep(nanoseconds: 200_000_000)
        await limiter.recordThrottle()
        let (_, seconds) = try await Fixture.elapsed { try await limiter.acquire() }
        // Empty bucket, rate now 7/s: about 0.14 s for the next token. The upper bound leaves room
        // for a loaded machine's scheduling (0.64 s was seen with builds running beside it).
        #expect(seconds >= 0.1)
        #expect(seconds < 0.9)
    }

    @Test func cancelledWaiterThrowsPromptlyAndGivesItsTokenBack() async throws {
        // One token every two seconds: waiting for one is far longer than any scheduling delay.
        let limiter = RateLimiter(name: "UserList", ratePerSecond: 0.5)
        let start = ContinuousClock.now
        try await limiter.acquire()
        let waiter = Task { try await limiter.acquire() }
        // The waiter has taken its token and sleeps on it.
        try await Fixture.waitUntil { await limiter.isOwed }

        let (result, seconds) = await Fixture.elapsed {
            waiter.cancel()
            return await waiter.result
        }

        #expect(throws: CancellationError.self) { try result.get() }
        #expect(await limiter.granted == 1, "a call that was never let out is not counted")
        // Its token was due two seconds after the first; it must not wait for it, nor go out unpaced.
        #expect(seconds < 1.0)
        // The next caller gets the slot the cancelled one gave back, two seconds after the first
        // token, not four.
        try await limiter.acquire()
        let next = ContinuousClock.now - start
        #expect(next > .milliseconds(1_700) && next < .milliseconds(3_900))
    }
}
