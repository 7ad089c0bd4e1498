@testable import Backup
import JSON
import Signing
import Support
import Testing

struct GzipTests {
    let text: [UInt8] = Array((0..<20_000).map { "{\"Username\":\"user-\($0)\",\"Enabled\":true}," }.joined().utf8)

    func compressed(_ input: [UInt8], pieceSize: Int) -> [UInt8] {
        let compressor = Gzip.Compressor()
        var output: [UInt8] = []
        var offset = 0
        while offset < input.count {
            output += compressor.compress(Array(input[offset..<min(offset + pieceSize, input.count)]))
            offset += pieceSize
        }
        return output + compressor.finish()
    }

    /// `stored` decompressed in pieces of `pieceSize`, and whether its stream ended.
    func decompressed(_ stored: [UInt8], pieceSize: Int) throws -> (text: [UInt8], finished: Bool) {
        let decompressor = Gzip.Decompressor()
        var restored: [UInt8] = []
        var offset = 0
        while offset < stored.count {
            restored += try decompressor.decompress(Array(stored[offset..<min(offset + pieceSize, stored.count)]))
            offset += pieceSize
        }
        return (restored, decompressor.finished)
    }

    @Test(arguments: [1, 7, 4096, 1 << 20])
    func textCompressedAndDecompressedInPiecesOfAnySizeComesBackTheSame(pieceSize: Int) throws {
        let stored = compressed(text, pieceSize: pieceSize)
        #expect(stored.starts(with: Gzip.magic) && stored.count < text.count / 5)
        let restored = try decompressed(stored, pieceSize: pieceSize)
        #expect(restored.text == text && restored.finished)
    }

    @Test func damagedOrExtendedStreamsAreRefusedAndATruncatedOneIsNotFinished() throws {
        var damaged = compressed(text, pieceSize: 4096)
        damaged[damaged.count / 2] ^= 0xFF
        #expect(throws: Gzip.Failure.self) { _ = try Gzip.Decompressor().decompress(damaged) }

        let extended = compressed(text, pieceSize: 4096) + [0x01, 0x02, 0x03, 0x04]
        #expect(throws: Gzip.Failure.self) { _ = try Gzip.Decompressor().decompress(extended) }

        let truncated = Array(compressed(text, pieceSize: 4096).dropLast(100))
        let decompressor = Gzip.Decompressor()
        _ = try decompressor.decompress(truncated)
        #expect(!decompressor.finished)
    }

    @Test func membersOneAfterAnotherDecompressToTheirTextsInOrderWhereverThePiecesEnd() throws {
        let stored = compressed(Array(text[..<30_000]), pieceSize: 4096) + compressed(Array(text[30_000...]), pieceSize: 4096)
        for pieceSize in [1, 333, stored.count] {
            let restored = try decompressed(stored, pieceSize: pieceSize)
            #expect(restored.text == text && restored.finished)
        }
    }

    @Test func aCompressedSnapshotRecordsTheSizeAndDigestOfTheBytesStored() async throws {
        let sink = MemorySink()
        let writer = SnapshotWriter(sink: sink, compression: .gzip, flushSize: 512)
        await writer.beginArray("users")
        for page in 0..<50 { try await writer.elements((0..<20).map { ["Username": .string("u\(page)-\($0)")] }) }
        await writer.end()
        let result = try await writer.finish()

        let stored = await sink.bytes
        #expect(result.size == stored.count && result.sha256 == Crypto.sha256(stored).hexString)
        let decompressor = Gzip.Decompressor()
        let document = try JSON(parsing: try decompressor.decompress(stored))
        #expect(decompressor.finished && document["users"]?.array?.count == 1000)
    }

    @Test func compressedBackupsEndInJSONGz() throws {
        let time = UTCTime(iso8601: "2026-03-04T05:06:07Z")!
        #expect(BackupFormat.objectKey(poolID: "us-east-1_Abc", startedAt: time, compression: .gzip)
            == "cognito-backup/2026/03/04/us-east-1_Abc-050607.json.gz")
        #expect(BackupKey("cognito-backup/2026/03/04/us-east-1_Abc-050607-2.json.gz")?.attempt == 2)
        #expect(BackupKey("cognito-backup/2026/03/04/us-east-1_Abc-050607.json.gz.manifest.json") == nil)
        #expect(throws: ConfigurationError.self) { _ = try BackupCompression(setting: "zstd") }
        #expect(try BackupCompression(setting: "") == .none && BackupCompression(setting: "GZIP") == .gzip)
    }
}
