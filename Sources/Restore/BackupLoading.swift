import AWSClient

extension BackupSource {
    /// The backup, read and checked before anything is written: a local file with bounded reads
    /// (never whole in memory), an S3 object against its manifest. `warn` hears what nothing can
    /// vouch for.
    public func backup(s3: S3, versionID: String? = nil, warn: (String) -> Void) async throws -> Backup {
        if case let .file(path) = self {
            guard let file = BackupFile(path: path) else { throw BackupSourceError(source: path, reason: "no such readable file") }
            return try Backup(chunks: { () throws(BackupReadError) -> [UInt8]? in try file.next() })
        }
        // An object is checked against its manifest's SHA-256 before it is parsed.
        let bytes = try await read(s3: s3, versionID: versionID)
        if let warning = try await checkIntegrity(of: bytes, s3: s3, versionID: versionID) { warn(warning) }
        return try Backup(reading: bytes)
    }
}
