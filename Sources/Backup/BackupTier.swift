import Support

/// Which retention a backup is kept for, as a backup plan's rules keep it: the pool's first backup
/// of a UTC month is `monthly`, else its first of a UTC day is `daily`, else `hourly`. Carried by
/// the object and its manifest as the S3 tag `cognito-backup:tier`, so lifecycle rules by tag
/// expire each tier on its own clock, on the primary bucket and on the replicas alike.
public enum BackupTier: String, Sendable, CaseIterable {
    case monthly
    case daily
    case hourly

    public static let tagKey = "cognito-backup:tier"

    /// The tier of a backup started at `started`, after the pool's newest catalogued backup
    /// (`previous`, its `backup_date`; nil for the first).
    public init(startedAt started: UTCTime, previous: String?) {
        guard let previous, let earlier = UTCTime(iso8601: previous), earlier < started else {
            self = previous == nil ? .monthly : .hourly
            return
        }
        let (now, then) = (started.iso8601, earlier.iso8601)
        if now.prefix(7) != then.prefix(7) {
            self = .monthly
        } else if now.prefix(10) != then.prefix(10) {
            self = .daily
        } else {
            self = .hourly
        }
    }

    /// `x-amz-tagging`'s value: URL-encoded `key=value`.
    var tagging: String { "cognito-backup%3Atier=\(rawValue)" }
}
