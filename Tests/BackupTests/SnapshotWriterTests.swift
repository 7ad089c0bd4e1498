@testable import Backup
import JSON
import Signing
import Support
import Testing

struct SnapshotWriterTests {
    @Test func streamedArraysAndObjectsMakeOneValidDocumentWithItsDigest() async throws {
        let sink = MemorySink()
        let writer = SnapshotWriter(sink: sink, flushSize: 64)
        try await writer.member("format_version", 2)
        await writer.beginArray("users")
        for page in 0..<5 { try await writer.elements((0..<7).map { ["Username": .string("u\(page)-\($0)"), "x": "ü\n\"q\""] }) }
        await writer.end()
        await writer.beginObject("group_memberships")
        try await writer.member("admins", ["a", "b"])
        try await writer.member("empty", [])
        await writer.end()
        await writer.beginArray("nothing")
        await writer.end()
        let result = try await writer.finish()

        let bytes = await sink.bytes
        let document = try JSON(parsing: bytes)
        #expect(document["users"]?.array?.count == 35)
        #expect(document["group_memberships"] == ["admins": ["a", "b"], "empty": []])
        #expect(document["nothing"] == [])
        #expect(result.size == bytes.count)
        #expect(result.sha256 == Crypto.sha256(bytes).hexString)
        #expect(result.versionID == "v1")
        #expect(await sink.writes > 1)
    }

    @Test func objectKeyFollowsTheDatedLayout() {
        let time = UTCTime(iso8601: "2026-03-04T05:06:07Z")!
        #expect(BackupFormat.objectKey(poolID: "us-east-1_Abc", startedAt: time) == "cognito-backup/2026/03/04/us-east-1_Abc-050607.json")
    }

    @Test func aFailedSinkWriteFailsEveryLaterWrite() async throws {
        let writer = SnapshotWriter(sink: FailingSink(), flushSize: 1)
        await #expect(throws: SinkFailure.self) { try await writer.member("a", 1) }
        await #expect(throws: SinkFailure.self) { try await writer.member("b", 2) }
    }
}

struct SinkFailure: Error {}

struct FailingSink: SnapshotSink {
    func write(_ bytes: [UInt8]) async throws { throw SinkFailure() }
    func finish() async throws -> String? { throw SinkFailure() }
    func abort() async -> UploadLeftOpen? { nil }
}
