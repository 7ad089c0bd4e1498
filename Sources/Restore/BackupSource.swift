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
    /// manifests, a version no manifest version describes).
    func checkIntegrity(size: Int, sha256: String, s3: S3, versionID: String? = nil) async throws -> String? {
        guard case let .s3(bucket, key) = self else { return nil }
        let manifestKey = BackupFormat.manifestKey(objectKey: key)
        let current = try await currentManifest(bucket: bucket, key: manifestKey, s3: s3)
        let describing: BackupRecord?
        if let versionID, current?.s3VersionID != versionID {
            describing = try await manifestVersion(describing: versionID, bucket: bucket, key: manifestKey, s3: s3)
        } else {
            describing = current
        }
        guard let manifest = describing else {
            guard let current else { return "no manifest beside \(self): its size and SHA-256 cannot be checked" }
            return "the manifest describes version \(current.s3VersionID ?? "(none)"), not \(versionID ?? ""): its size and SHA-256 cannot be checked"
        }
        guard size == manifest.sizeBytes, sha256 == manifest.sha256 else {
            throw BackupIntegrityError(source: description, expectedSize: manifest.sizeBytes, expectedSHA256: manifest.sha256,
                                       actualSize: size, actualSHA256: sha256)
        }
        return nil
    }

    /// The manifest's current version; nil when there is none: a backup older than manifests, or
    /// a delete marker hides it (a version behind it may still describe the object).
    private func currentManifest(bucket: String, key: String, s3: S3) async throws -> BackupRecord? {
        let bytes: [UInt8]
        do { bytes = try await s3.getObject(bucket: bucket, key: key) } catch {
            guard error.httpStatus == 404 else { throw error }
            return nil
        }
        return BackupRecord(plain: try JSON(parsing: bytes))
    }

    /// The manifest version that describes the object's `versionID`: the current manifest
    /// describes the current object, and once a tier's lifecycle rule has put delete markers on
    /// both keys, a held backup's manifest is a version behind one. nil when none does, or the
    /// versions cannot be listed (no s3:ListBucketVersions: the check is then only skipped).
    private func manifestVersion(describing versionID: String, bucket: String, key: String, s3: S3) async throws -> BackupRecord? {
        let versions: [String]
        do { versions = try await s3.versionIDs(bucket: bucket, key: key) } catch {
            guard error.httpStatus == 403 else { throw error }
            return nil
        }
        for version in versions {
            let manifest = BackupRecord(plain: try JSON(parsing: try await s3.getObject(bucket: bucket, key: key, versionID: version)))
            if manifest.s3VersionID == versionID { return manifest }
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
