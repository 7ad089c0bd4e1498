import Support

/// Object Lock per retention tier (`BACKUP_OBJECT_LOCK_MODE`, `BACKUP_TIER_RETENTION_DAYS`): the
/// bucket's default retention is one length for every object, the shortest tier's; each object
/// and its manifest are locked instead until their own tier's lifecycle rule removes them.
public struct TierLock: Sendable, Equatable {
    public let mode: String
    public let days: [BackupTier: Int]

    /// nil when the mode is empty: the bucket has no Object Lock, or its default is enough.
    public init?(mode: String, retention: TierRetention?) throws(ConfigurationError) {
        guard !mode.isEmpty else { return nil }
        guard ["GOVERNANCE", "COMPLIANCE"].contains(mode) else {
            throw ConfigurationError("BACKUP_OBJECT_LOCK_MODE must be GOVERNANCE, COMPLIANCE or empty, not '\(mode)'")
        }
        guard let retention else {
            throw ConfigurationError("BACKUP_TIER_RETENTION_DAYS must give days for hourly, daily and monthly with BACKUP_OBJECT_LOCK_MODE")
        }
        self.mode = mode
        days = retention.days
    }

    /// The retain-until date of a `tier` backup started at `started`, to the second (ISO 8601, as
    /// the SDKs send it), rounded up so the lock never ends before the tier's days.
    public func retainUntil(_ tier: BackupTier, startedAt started: UTCTime) -> String {
        let until = started.adding(milliseconds: Int64(days[tier] ?? 0) * 86_400_000 + 999).iso8601
        return String(until.prefix(19)) + "Z"
    }
}
