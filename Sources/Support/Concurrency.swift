/// Bounded concurrency for the many small calls a pool needs. Requests wait for their quota's
/// tokens inside `transform`, so `limit` only needs to cover the service's latency at that rate.

/// Runs `transform` over `items` with at most `limit` at a time, keeping the input order.
public func concurrentMap<Item: Sendable, Result: Sendable>(
    _ items: [Item], limit: Int, _ transform: @escaping @Sendable (Item) async throws -> Result
) async throws -> [Result] {
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var results = [Result?](repeating: nil, count: items.count)
        var next = 0
        func startNext() {
            let index = next
            group.addTask { (index, try await transform(items[index])) }
            next += 1
        }
        // Once the task is cancelled nothing new starts; throwing cancels the running ones.
        while next < min(limit, items.count) {
            try Task.checkCancellation()
            startNext()
        }
        while let (index, result) = try await group.next() {
            results[index] = result
            try Task.checkCancellation()
            if next < items.count { startNext() }
        }
        return results.map { $0! }
    }
}

/// Runs `body` for every item, at most `limit` at a time.
public func forEachConcurrently<Item: Sendable>(_ items: [Item], limit: Int,
                                                _ body: @escaping @Sendable (Item) async throws -> Void) async throws {
    _ = try await concurrentMap(items, limit: limit, body)
}

/// Runs `body` for every element of `stream` as it arrives, at most `limit` at a time, until the
/// stream finishes.
public func forEachConcurrently<Item: Sendable>(_ stream: AsyncStream<Item>, limit: Int,
                                                _ body: @escaping @Sendable (Item) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var running = 0
        for await item in stream {
            if running == limit {
                try await group.next()
                running -= 1
            }
            try Task.checkCancellation()
            group.addTask { try await body(item) }
            running += 1
        }
        // A cancelled task's stream ends early; that is no reason to report success.
        try Task.checkCancellation()
        try await group.waitForAll()
    }
}
