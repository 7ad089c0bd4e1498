import AWSClient
import JSON

/// The backup object's layout. Values are Cognito's JSON as the API returned it; the keys are
/// those of the original Python function, plus what it did not keep.
public enum BackupFormat {
    /// 1 is the original Python function's layout (no version field); 2 adds the components
    /// below it and streams users.
    public static let version = 2

    public static func objectKey(poolID: String, startedAt time: UTCTime) -> String {
        "cognito-backup/\(time.datePart("/"))/\(poolID)-\(time.compactTime).json"
    }
}

/// One thing the backup could not read because the pool does not have it: recorded in the object
/// so that a restore knows it was absent, not forgotten.
public struct BackupWarning: Sendable, Equatable {
    public let component: String
    public let reason: String

    public var json: JSON { ["component": .string(component), "reason": .string(reason)] }
}
