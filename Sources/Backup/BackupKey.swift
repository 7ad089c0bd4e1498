/// A backup object's key read back: `cognito-backup/YYYY/MM/DD/<pool>-HHMMSS[-N].json[.gz]` names
/// the pool and when its backup started, so a bucket describes its backups without the table.
public struct BackupKey: Sendable, Equatable {
    public let key: String
    public let poolID: String
    /// `YYYY-MM-DDTHH:MM:SSZ`: the backup's start, to the second.
    public let startedAt: String
    /// 2 for `-HHMMSS-2.json`, the second backup of the pool started in that second.
    public let attempt: Int

    /// nil for any other key under the prefix: manifests, restore mappings, stray objects.
    public init?(_ key: String) {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "cognito-backup", Self.isDigits(parts[1], count: 4), Self.isDigits(parts[2], count: 2),
              Self.isDigits(parts[3], count: 2),
              let suffix = BackupCompression.allCases.map(\.keySuffix).first(where: { parts[4].hasSuffix($0) }) else { return nil }
        // Manifests (`.json.manifest.json`) and mapping copies (`.restore-<pool>.json`) have a dot in the stem.
        let stem = parts[4].dropLast(suffix.count)
        guard !stem.contains(".") else { return nil }
        var pieces = stem.split(separator: "-", omittingEmptySubsequences: false)
        var attempt = 1
        if let last = pieces.last, !Self.isDigits(last, count: 6), Self.isDigits(last, count: last.count), let number = Int(last), number > 1 {
            attempt = number
            pieces.removeLast()
        }
        guard pieces.count >= 2, let time = pieces.last, Self.isDigits(time, count: 6) else { return nil }
        let pool = pieces.dropLast().joined(separator: "-")
        guard !pool.isEmpty else { return nil }
        let clock = [time.prefix(2), time.dropFirst(2).prefix(2), time.suffix(2)].joined(separator: ":")
        self.key = key
        poolID = pool
        startedAt = "\(parts[1])-\(parts[2])-\(parts[3])T\(clock)Z"
        self.attempt = attempt
    }

    /// Newest first: later start, then the later of two backups started in the same second; two
    /// pools' backups of the same second by key, so that the order is the same on every run.
    public static func newestFirst(_ a: BackupKey, _ b: BackupKey) -> Bool {
        if a.startedAt != b.startedAt { return a.startedAt > b.startedAt }
        return a.attempt != b.attempt ? a.attempt > b.attempt : a.key > b.key
    }

    private static func isDigits(_ text: Substring, count: Int) -> Bool {
        !text.isEmpty && text.count == count && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
