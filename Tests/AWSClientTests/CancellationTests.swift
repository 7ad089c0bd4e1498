@testable import AWSCore
@testable import AWSServices
@testable import Support
import Synchronization
import TestSupport
import Testing

/// A cancelled task stops: it starts no more work, sends no more requests, and says it was
/// cancelled rather than failing some other way.
struct CancellationTests {
    @Test func cancelledCallSendsNothingAndThrowsCancelled() async throws {
        let server = try ScriptedServer([.listUsersPage])
        defer { server.stop() }
        let cognito = Cognito(aws: try Fixture.client(server), quotas: Fixture.unthrottledQuotas, retry: Fixture.fastRetry(maxAttempts: 3))

        let call = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await cognito.call("ListUsers", Fixture.listUsersInput())
        }

        let error = await #expect(throws: AWSError.self) { try await call.value }
        #expect(error?.isCancellation == true)
        #expect(error?.operation == "ListUsers")
        #expect(server.requests.isEmpty)
    }

    @Test func callCancelledMidRequestIsNotRetried() async throws {
        let server = try ScriptedServer([.stall(seconds: 5)], whenExhausted: .listUsersPage)
        defer { server.stop() }
        let cognito = Cognito(aws: try Fixture.client(server), quotas: Fixture.unthrottledQuotas, retry: Fixture.fastRetry(maxAttempts: 3))
        let call = Task { try await cognito.call("ListUsers", Fixture.listUsersInput()) }
        try await Fixture.waitUntil { server.requests.count == 1 }

        call.cancel()

        let error = await #expect(throws: AWSError.self) { try await call.value }
        #expect(error?.code == "Cancelled")
        #expect(error?.isRetryable == false)
        // A retry would have gone out within the fast policy's 50 ms.
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(server.requests.count == 1)
    }

    @Test func cancelledConcurrentMapStartsNothingMore() async throws {
        let started = Atomic<Int>(0)
        let work = Task {
            // Work that ignores cancellation and finishes normally: the map itself has to stop.
            try await concurrentMap(Array(0..<100), limit: 2) { item in
                started.add(1, ordering: .relaxed)
                // Long, so no slot frees before the cancel however loaded the machine.
                try? await Task.sleep(nanoseconds: 2_000_000_000)
                return item
            }
        }
        try await Fixture.waitUntil { started.load(ordering: .relaxed) >= 2 }

        work.cancel()

        await #expect(throws: CancellationError.self) { try await work.value }
        #expect(started.load(ordering: .relaxed) == 2)
    }

    @Test func cancelledStreamForEachStartsNothingMore() async throws {
        let started = Atomic<Int>(0)
        let (stream, feed) = AsyncStream<Int>.makeStream()
        for item in 0..<100 { feed.yield(item) }
        feed.finish()
        let work = Task {
            try await forEachConcurrently(stream, limit: 2) { _ in
                started.add(1, ordering: .relaxed)
                // Long, so no slot frees before the cancel however loaded the machine.
                try? await Task.sleep(nanoseconds: 2_000_000_000)
            }
        }
        try await Fixture.waitUntil { started.load(ordering: .relaxed) >= 2 }

        work.cancel()

        await #expect(throws: CancellationError.self) { try await work.value }
        #expect(started.load(ordering: .relaxed) == 2)
    }
}
