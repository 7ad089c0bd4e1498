import Support

/// How long each tier's lifecycle rule keeps a backup (`BACKUP_TIER_RETENTION_DAYS`, which the
/// template always sets from HourlyRetentionDays, DailyRetentionDays and MonthlyRetentionMonths),
/// and so when a backup's object is gone: its catalogue row expires then (`expires_at`, the
/// table's TTL attribute), and `status` and `list` stop counting it.
public struct TierRetention: Sendable, Equatable {
    public let days: [BackupTier: Int]

    /// nil when `text` is empty: a CLI backup run without the variable writes no expiry.
    public init?(_ text: String) throws(ConfigurationError) {
        guard !text.isEmpty else { return nil }
        var days: [BackupTier: Int] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=").map { $0.trimmingCharacters(in: " \t") }
            guard parts.count == 2, let tier = BackupTier(rawValue: parts[0]), let count = Int(parts[1]), count > 0 else {
                throw ConfigurationError("BACKUP_TIER_RETENTION_DAYS must be hourly=D,daily=D,monthly=D, not '\(text)'")
            }
            days[tier] = count
        }
        guard days.count == BackupTier.allCases.count else {
            throw ConfigurationError("BACKUP_TIER_RETENTION_DAYS must give days for hourly, daily and monthly, not '\(text)'")
        }
        self.days = days
    }

    /// `BACKUP_TIER_RETENTION_DAYS` of `environment`: what `status` and `list` judge rows written
    /// without an expiry by.
    public init?(environment: [String: String]) throws(ConfigurationError) {
        try self.init(environment["BACKUP_TIER_RETENTION_DAYS"]?.trimmingCharacters(in: " \t\r\n") ?? "")
    }

    /// The days a backup of `tier` is kept; nil (a backup from before tiers, untagged) is kept by
    /// the untagged rule, as long as the longest tier.
    public func days(of tier: BackupTier?) -> Int {
        tier.flatMap { days[$0] } ?? days.values.max() ?? 0
    }

    /// When the lifecycle rule removes a `tier` backup started at `started`, in seconds since
    /// the epoch. S3 adds a Days expiration to the object's creation and rounds the result up to
    /// the next midnight UTC (created 10:30 on the 15th with 3 days: gone from 00:00 on the 19th).
    /// The start stands for the creation: a multipart upload's object is dated when it began, a
    /// single PUT's within seconds of the start.
    public func expiry(of tier: BackupTier?, startedAt started: UTCTime) -> Int64 {
        let due = started.secondsSinceEpoch + Int64(days(of: tier)) * 86_400
        return (due / 86_400 + 1) * 86_400
    }
}
