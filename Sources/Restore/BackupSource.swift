import AWSClient

/// Where a backup is read from: `s3://bucket/key`, or a path on disk.
public enum BackupSource: Sendable, Equatable, CustomStringConvertible {
    case s3(bucket: String, key: String)
    case file(path: String)

    public init(_ text: String) throws(BackupSourceError) {
        guard text.hasPrefix("s3://") else {
            self = .file(path: text)
            return
        }
        let rest = text.dropFirst("s3://".count)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex, rest.index(after: slash) != rest.endIndex else {
            throw BackupSourceError(source: text, reason: "not s3://bucket/key")
        }
        self = .s3(bucket: String(rest[..<slash]), key: String(rest[rest.index(after: slash)...]))
    }

    public var description: String {
        switch self {
        case let .s3(bucket, key): return "s3://\(bucket)/\(key)"
        case let .file(path): return path
        }
    }

    public func read(s3: S3) async throws -> [UInt8] {
        switch self {
        case let .s3(bucket, key):
            return try await s3.getObject(bucket: bucket, key: key)
        case let .file(path):
            guard let bytes = FileIO.readBytes(path) else { throw BackupSourceError(source: path, reason: "no such readable file") }
            return bytes
        }
    }

    /// Where a restore of this backup keeps its mapping by default: beside a local file, or in
    /// the working directory, named after the object, for one in S3.
    public var defaultMappingPath: String {
        switch self {
        case let .s3(_, key): return Self.stem(of: String(key.split(separator: "/").last ?? "backup")) + ".restore-mapping.json"
        case let .file(path): return Self.stem(of: path) + ".restore-mapping.json"
        }
    }

    /// The key of the mapping's copy next to an S3 source, one per target pool.
    public func mappingKey(targetPoolID: String) -> String? {
        guard case let .s3(_, key) = self else { return nil }
        return Self.stem(of: key) + ".restore-\(targetPoolID).json"
    }

    static func stem(of name: String) -> String { name.hasSuffix(".json") ? String(name.dropLast(".json".count)) : name }
}
