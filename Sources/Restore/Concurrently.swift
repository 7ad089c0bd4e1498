/// Runs `body` for every item, at most `limit` at a time. Requests wait for their quota's tokens
/// inside `body`, so `limit` only needs to cover the service's latency at that rate.
func forEachConcurrently<Item: Sendable>(_ items: [Item], limit: Int,
                                         _ body: @escaping @Sendable (Item) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        while next < min(limit, items.count) {
            let item = items[next]
            group.addTask { try await body(item) }
            next += 1
        }
        while try await group.next() != nil {
            guard next < items.count else { continue }
            let item = items[next]
            group.addTask { try await body(item) }
            next += 1
        }
    }
}

/// Runs `body` for every element of `stream` as it arrives, at most `limit` at a time, until the
/// stream finishes.
func forEachConcurrently<Item: Sendable>(_ stream: AsyncStream<Item>, limit: Int,
                                         _ body: @escaping @Sendable (Item) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var running = 0
        for await item in stream {
            if running == limit {
                try await group.next()
                running -= 1
            }
            group.addTask { try await body(item) }
            running += 1
        }
        try await group.waitForAll()
    }
}
