/// A backup that cannot be restored from: unreadable, truncated, or of a format this build does
/// not know. Always raised before anything is written.
public struct BackupReadError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Where in the file the problem is, when it is a place rather than a missing part.
    public let offset: Int?
    public let reason: String

    public init(offset: Int? = nil, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        if let offset { return "unreadable backup (byte \(offset)): \(reason)" }
        return "unusable backup: \(reason)"
    }
}
