import AWSServices
import Backup
import JSON

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

    /// Checks the backup's bytes, known by their size and SHA-256 (in hex), against the manifest
    /// written beside the object, before anything is restored or compared. Throws on a mismatch;
    /// returns a warning when nothing can vouch for the bytes (a local file, a backup older than
    /// manifests, another version).
    func checkIntegrity(size: Int, sha256: String, s3: S3, versionID: String? = nil) async throws -> String? {
        guard case let .s3(bucket, key) = self else { return nil }
        let manifestBytes: [UInt8]
        do { manifestBytes = try await s3.getObject(bucket: bucket, key: BackupFormat.manifestKey(objectKey: key)) } catch {
            guard error.httpStatus == 404 else { throw error }
            return "no manifest beside \(self): its size and SHA-256 cannot be checked"
        }
        let manifest = BackupRecord(plain: try JSON(parsing: manifestBytes))
        if let versionID, manifest.s3VersionID != versionID {
            return "the manifest describes version \(manifest.s3VersionID ?? "(none)"), not \(versionID): its size and SHA-256 cannot be checked"
        }
        guard size == manifest.sizeBytes, sha256 == manifest.sha256 else {
            throw BackupIntegrityError(source: description, expectedSize: manifest.sizeBytes, expectedSHA256: manifest.sha256,
                                       actualSize: size, actualSHA256: sha256)
        }
        return nil
    }

    /// Where a restore of this backup keeps its mapping by default: beside a local file, or in
    /// the working directory, named after the object, for one in S3. A selected restore has its
    /// own (`<stem>.<selection>-restore-mapping.json`, `RestoreSelection.mappingName`), so it never stands for the whole restore's.
    public func defaultMappingPath(for selection: RestoreSelection = .whole) -> String {
        let name: String
        switch self {
        case let .s3(_, key): name = Self.stem(of: String(key.split(separator: "/").last ?? "backup"))
        case let .file(path): name = Self.stem(of: path)
        }
        return name + (selection.mappingName.map { ".\($0)-" } ?? ".") + "restore-mapping.json"
    }

    /// The key of the mapping's copy next to an S3 source, one per target pool (and selection).
    public func mappingKey(targetPoolID: String, selection: RestoreSelection = .whole) -> String? {
        guard case let .s3(_, key) = self else { return nil }
        return Self.stem(of: key) + (selection.mappingName.map { ".\($0)-" } ?? ".") + "restore-\(targetPoolID).json"
    }

    static func stem(of name: String) -> String {
        for suffix in [".json.gz", ".json"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
        return name
    }
}

/// The backup's bytes are not the ones its manifest describes: changed or damaged since it was
/// written. Nothing was restored or compared.
public struct BackupIntegrityError: Error, CustomStringConvertible, Sendable {
    public let source: String
    public let expectedSize: Int
    public let expectedSHA256: String
    public let actualSize: Int
    public let actualSHA256: String

    public var description: String {
        "\(source) does not match its manifest: \(actualSize) bytes with SHA-256 \(actualSHA256), "
            + "expected \(expectedSize) bytes with SHA-256 \(expectedSHA256); nothing was written"
    }
}
