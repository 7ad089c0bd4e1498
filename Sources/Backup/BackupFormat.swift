import AWSClient
import JSON

/// The backup object's layout. Values are Cognito's JSON as the API returned it; the keys are
/// those of the original Python function, plus what it did not keep.
public enum BackupFormat {
    /// 1 is the original Python function's layout (no version field); 2 adds the components
    /// below it and streams users.
    public static let version = 2

    /// `cognito-backup/YYYY/MM/DD/<pool>-HHMMSS.json`; a second backup of the pool started in the
    /// same second takes `-HHMMSS-2.json`, and so on, never the first one's key.
    public static func objectKey(poolID: String, startedAt time: UTCTime, attempt: Int = 1) -> String {
        "\(keyPrefix(poolID: poolID, day: time))\(time.compactTime)\(attempt > 1 ? "-\(attempt)" : "").json"
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
