import AWSServices
import Backup

extension MappingFile {
    /// The largest piece of the mapping held in memory at once: S3's smallest part.
    static let uploadPartBytes = 5 << 20

    /// Copies the mapping file to S3 as it is on disk: one PUT, or for a mapping over one part (a
    /// pool of some 50,000 users) a multipart upload, a part at a time, never whole in memory.
    public func upload(s3: S3, bucket: String, key: String) async throws {
        guard let file = BackupFile(path: path) else { throw MappingFileError(reason: "mapping file \(path) cannot be read") }
        let read = file.chunks()
        func nextPart() throws -> [UInt8] {
            var part: [UInt8] = []
            part.reserveCapacity(Self.uploadPartBytes + ScratchFile.chunkSize)
            while part.count < Self.uploadPartBytes, let chunk = try read() { part += chunk }
            return part
        }
        let headers = [(name: "Content-Type", value: "application/json")]
        var part = try nextPart()
        guard part.count >= Self.uploadPartBytes else {
            _ = try await s3.putObject(bucket: bucket, key: key, body: part, headers: headers)
            return
        }
        let uploadID = try await s3.createMultipartUpload(bucket: bucket, key: key, headers: headers)
        do {
            var parts: [S3.UploadedPart] = []
            repeat {
                parts.append(try await s3.uploadPart(bucket: bucket, key: key, uploadID: uploadID, partNumber: parts.count + 1, body: part))
                part = try nextPart()
            } while !part.isEmpty
            _ = try await s3.completeMultipartUpload(bucket: bucket, key: key, uploadID: uploadID, parts: parts)
        } catch {
            // Parts left behind are billed until aborted; if the abort fails too, that cost is
            // all it leaves, and the upload's own error is the one to report.
            try? await s3.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
            throw error
        }
    }
}
