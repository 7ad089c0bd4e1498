@testable import Backup
import JSON
import Support
import Testing

/// A sink as slow as an S3 in a SlowDown storm, which counts what it has taken.
actor SlowSink: SnapshotSink {
    private(set) var bytes: [UInt8] = []

    func write(_ chunk: [UInt8]) async throws {
        try await Task.sleep(nanoseconds: 20_000_000)
        bytes += chunk
    }

    func finish() async throws -> String? { nil }
    func abort() async -> UploadLeftOpen? { nil }
}

/// The largest value recorded.
actor Peak {
    private(set) var value = 0
    func record(_ candidate: Int) { value = max(value, candidate) }
}

struct BackpressureTests {
    @Test func sixteenReadersFacingASlowSinkHoldBoundedBytesNotThePool() async throws {
        let sink = SlowSink()
        let flushSize = 64 * 1024
        let writer = SnapshotWriter(sink: sink, flushSize: flushSize)
        let page: [JSON] = (0..<10).map { ["Username": .string("user-\($0)"), "blob": .string(String(repeating: "x", count: 200))] }
        let pageBytes = JSON.array(page).serializedBytes.count
        let handed = Counter()
        let peakAhead = Peak()
        await writer.beginArray("users")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    for _ in 0..<100 {
                        try await writer.elements(page)
                        let total = handed.add(pageBytes)
                        let taken = await sink.bytes.count
                        await peakAhead.record(total - taken)
                    }
                }
            }
            try await group.waitForAll()
        }
        await writer.end()
        _ = try await writer.finish()

        // 16 × 100 pages (about 3.7 MB) went through; what waited for the sink at any time was the
        // queue (its bound and one piece more), the piece the sink was taking and the buffer being
        // filled, each up to a flush's size and a page from every reader.
        let bound = 2 * flushSize + 3 * (flushSize + 16 * pageBytes)
        #expect(await peakAhead.value <= bound)
        #expect(handed.value > 8 * bound)
        let document = try JSON(parsing: await sink.bytes)
        #expect(document["users"]?.array?.count == 16 * 100 * 10)
    }

    @Test func groupsReadConcurrentlyPageByPageLandWholeAndInOrder() async throws {
        let sink = MemorySink()
        let writer = SnapshotWriter(sink: sink, flushSize: 256)
        await writer.beginObject("group_memberships")
        let section = GroupMembershipSection(writer: writer, maximumBufferedNames: 50)
        let groups = ["huge": 40, "small-1": 2, "small-2": 3, "empty": 0, "medium": 9]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, pages) in groups {
                group.addTask {
                    for number in 0..<pages {
                        try await section.page(name, (0..<20).map { "\(name)-\(number)-\($0)" })
                        await Task.yield()
                    }
                    try await section.finish(name)
                }
            }
            try await group.waitForAll()
        }
        #expect(try await section.close() == nil)
        await writer.end()
        _ = try await writer.finish()

        let document = try JSON(parsing: await sink.bytes)
        for (name, pages) in groups {
            let expected = (0..<pages).flatMap { number in (0..<20).map { JSON.string("\(name)-\(number)-\($0)") } }
            #expect(document["group_memberships"]?[name]?.array == expected, "\(name)")
        }
        #expect(await section.memberships == groups.values.reduce(0, +) * 20)
    }
}
