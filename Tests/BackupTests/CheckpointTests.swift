import AWSServices
import Signing
@testable import Backup
import JSON
import Testing

struct CheckpointTests {
    func write(_ pages: Range<Int>, to writer: SnapshotWriter) async throws {
        for page in pages { try await writer.elements((0..<20).map { ["Username": .string("u\(page)-\($0)"), "x": "ü\n"] }) }
    }

    /// The object written in two processes, the second from what the first suspended, is the one
    /// written in one; compressed, it is two gzip members that read back as that one text.
    @Test(arguments: BackupCompression.allCases)
    func aWriterResumedFromItsSuspensionWritesTheSameDocumentWithTheDigestOfItsBytes(compression: BackupCompression) async throws {
        let whole = MemorySink()
        let once = SnapshotWriter(sink: whole, flushSize: 512)
        try await once.member("format_version", 2)
        await once.beginArray("users")
        try await write(0..<40, to: once)
        await once.end()
        _ = try await once.finish()

        let sink = MemorySink()
        let first = SnapshotWriter(sink: sink, compression: compression, flushSize: 512)
        try await first.member("format_version", 2)
        await first.beginArray("users")
        try await write(0..<17, to: first)
        let suspended = try await first.suspend()
        let second = try SnapshotWriter(resuming: suspended, sink: sink, compression: compression, flushSize: 512)
        try await write(17..<40, to: second)
        await second.end()
        let result = try await second.finish()

        let stored = await sink.bytes
        #expect(result.size == stored.count && result.sha256 == Crypto.sha256(stored).hexString)
        let text = compression == .gzip ? try Gzip.Decompressor().decompress(stored) : stored
        #expect(text == (await whole.bytes))
    }

    /// A group paused part-way stays open in the object, and the next invocation goes on from
    /// the token of its last written page; a group read behind it is dropped and read again.
    @Test func aGroupLeftOpenAtAPauseGoesOnFromItsLastWrittenPage() async throws {
        func names(_ page: Int) -> [String] { (0..<20).map { "big-\(page)-\($0)" } }
        let sink = MemorySink()
        let first = SnapshotWriter(sink: sink, flushSize: 256)
        await first.beginObject("group_memberships")
        let section = GroupMembershipSection(writer: first, keepsWrittenNames: true, maximumBufferedNames: 50)
        for page in 0..<10 { try await section.page("big", names(page), next: "t\(page + 1)") }
        try await section.page("small", ["s-1"], next: nil)
        try await section.finish("small")
        let open = try #require(try await section.close(paused: true))
        #expect(open == OpenMembershipGroup(name: "big", next: "t10", written: (0..<10).flatMap(names).map(UserReadPositions.hash)))
        #expect(await section.written.isEmpty)

        let second = try SnapshotWriter(resuming: try await first.suspend(), sink: sink, flushSize: 256)
        let resumed = GroupMembershipSection(writer: second, memberships: await section.memberships, resuming: open)
        for page in 10..<15 { try await resumed.page("big", names(page), next: page < 14 ? "t\(page + 1)" : nil) }
        try await resumed.finish("big")
        try await resumed.page("small", ["s-1"], next: nil)
        try await resumed.finish("small")
        #expect(try await resumed.close() == nil)
        await second.end()
        _ = try await second.finish()

        let document = try JSON(parsing: await sink.bytes)
        #expect(document["group_memberships"]?["big"]?.array == (0..<15).flatMap(names).map(JSON.string))
        #expect(document["group_memberships"]?["small"]?.array == ["s-1"])
        let (memberships, written) = (await resumed.memberships, await resumed.written)
        #expect(memberships == 15 * 20 + 1 && written == ["big", "small"])
    }

    /// The pause can come before the open group's first page of this invocation: closing then
    /// hands the same group on, and does not wait for it.
    @Test func anOpenGroupNotReadBeforeThePauseIsHandedOnAsItCame() async throws {
        let writer = SnapshotWriter(sink: MemorySink())
        let open = OpenMembershipGroup(name: "big", next: "t3", written: [1, 2])
        let section = GroupMembershipSection(writer: writer, memberships: 2, resuming: open)
        #expect(try await section.close(paused: true) == open)
    }

    /// A reader waiting for room behind a group whose reader was stopped (the deadline's
    /// cancellation) ends with the cancellation instead of waiting for ever.
    @Test func aReaderWaitingBehindAStoppedGroupEndsWhenCancelled() async throws {
        let section = GroupMembershipSection(writer: SnapshotWriter(sink: MemorySink()), maximumBufferedNames: 5)
        try await section.page("stopped", ["a"], next: "t1")
        let waiting = Task { try await section.page("behind", (0..<10).map { "b\($0)" }) }
        try await Task.sleep(nanoseconds: 50_000_000)
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        await #expect(throws: CancellationError.self) { _ = try await section.close() }
    }

    @Test func aCheckpointReadsBackAsWrittenWithItsTailAndTheStreamsHashes() throws {
        var progress = SnapshotProgress(configuration: PoolReader.Configuration(
            members: [("app_clients", [["ClientId": "c"]])], groups: [["GroupName": "g1"], ["GroupName": "g2"]],
            warnings: [BackupWarning(component: "terms", reason: "absent")], estimatedUsers: 9), readMFA: false)
        progress.users.streams = ["0": .done, "1": .at(token: "t1"), "2": .notStarted, "3": .at(token: "t3")]
        progress.users.handedOut = ["1": [1, .max], "3": [UserReadPositions.hash("José")]]
        progress.groupsDone = ["g1"]
        progress.openGroup = OpenMembershipGroup(name: "g2", next: "n", written: [7, 8])
        progress.lateUsers = ["late": ["Username": "late"]]
        let checkpoint = BackupCheckpoint(
            poolID: "us-east-1_A1", key: "cognito-backup/2026/11/30/us-east-1_A1-010203.json",
            identity: UploadIdentity(backupID: "b", poolID: "us-east-1_A1", started: "2026-11-30T01:02:03.000Z", tier: .daily), requestID: "r",
            compression: .gzip,
            upload: S3ObjectUpload.Suspended(uploadID: "u", parts: [S3.UploadedPart(eTag: "\"e\"", sha256: "s")], tail: [0, 10, 255, 10]),
            writer: SnapshotWriter.Suspended(size: 42, digestState: SHA256Hasher().state, openContainers: [(125, true), (93, false)]),
            progress: progress)

        let read = try BackupCheckpoint(bytes: checkpoint.bytes)
        #expect(read.upload.tail == [0, 10, 255, 10] && read.upload.uploadID == "u" && read.upload.parts.map(\.eTag) == ["\"e\""])
        #expect(read.progress.users == progress.users && read.progress.groupsLeft == ["g2"] && read.progress.counts["app_clients"] == 1)
        #expect(read.progress.openGroup == progress.openGroup)
        #expect(read.progress.lateUsers == progress.lateUsers && read.progress.warnings == progress.warnings)
        #expect(read.writer.size == 42 && read.writer.openContainers.map(\.closer) == [125, 93] && read.compression == .gzip)
        #expect(read.identity.tier == .daily)
    }

    @Test func aCheckpointOfAnotherFormatIsRefused() {
        #expect(throws: CheckpointDamaged.self) { try BackupCheckpoint(bytes: Array("{\"format\":0}\n".utf8)) }
    }
}
