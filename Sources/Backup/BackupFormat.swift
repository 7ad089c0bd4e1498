import JSON
import Support

/// The backup object's layout. Values are Cognito's JSON as the API returned it; the keys are
/// those of the original Python function, plus what it did not keep.
public enum BackupFormat {
    /// 1 is the original Python function's layout (no version field); 2 adds the components
    /// below it and streams users.
    public static let version = 2

    /// `cognito-backup/YYYY/MM/DD/<pool>-HHMMSS.json`; a second backup of the pool started in the
    /// same second takes `-HHMMSS-2.json`, and so on, never the first one's key.
    public static func objectKey(poolID: String, startedAt time: UTCTime, attempt: Int = 1,
                                 compression: BackupCompression = .none) -> String {
        "\(keyPrefix(poolID: poolID, day: time))\(time.compactTime)\(attempt > 1 ? "-\(attempt)" : "")\(compression.keySuffix)"
    }

    /// What every key of the pool's backups of that day starts with.
    public static func keyPrefix(poolID: String, day: UTCTime) -> String {
        "cognito-backup/\(day.datePart("/"))/\(poolID)-"
    }

    /// The manifest beside an object: its record (size, SHA-256, counts) as plain JSON, so the
    /// object describes itself wherever it is copied, without the metadata table.
    public static func manifestKey(objectKey: String) -> String { objectKey + manifestSuffix }
    public static let manifestSuffix = ".manifest.json"
}

/// One thing the backup could not read because the pool does not have it: recorded in the object
/// so that a restore knows it was absent, not forgotten.
public struct BackupWarning: Sendable, Equatable {
    public let component: String
    public let reason: String

    public var json: JSON { ["component": .string(component), "reason": .string(reason)] }
}

/// How a backup object is stored: the JSON text itself, or gzip of it (`.json.gz`), which hourly
/// backups kept for weeks, and copied to the DR region, make the main running cost. The size and
/// SHA-256 recorded are always of the bytes stored.
public enum BackupCompression: String, Sendable, CaseIterable {
    case none
    case gzip

    public var keySuffix: String { self == .gzip ? ".json.gz" : ".json" }

    var contentType: String { self == .gzip ? "application/gzip" : "application/json" }

    /// `BACKUP_COMPRESSION`'s value: `none` (or empty) or `gzip`.
    public init(setting text: String) throws(ConfigurationError) {
        guard let known = BackupCompression(rawValue: text.isEmpty ? "none" : text.lowercased()) else {
            throw ConfigurationError("BACKUP_COMPRESSION must be none or gzip, not '\(text)'")
        }
        self = known
    }
}
