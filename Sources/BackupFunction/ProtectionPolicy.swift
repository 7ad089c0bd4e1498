import Support

/// What "protected" means for a pool, as an auditor's controls put it: a recovery point younger
/// than the RPO, and, where restore testing is on, a passed drill younger than its limit.
public struct ProtectionPolicy: Sendable, Equatable {
    /// The newest backup may be this old.
    public let rpoSeconds: Int
    /// The newest drill may be this old; nil when drills are not judged (they are not on).
    public let drillMaxAgeSeconds: Int?

    public init(rpoSeconds: Int, drillMaxAgeSeconds: Int?) {
        self.rpoSeconds = rpoSeconds
        self.drillMaxAgeSeconds = drillMaxAgeSeconds
    }

    /// `BACKUP_RPO_MINUTES`, else twice `BACKUP_SCHEDULE`'s period (one missed run is tolerated,
    /// two are not), else twice the hourly default; `BACKUP_DRILL_MAX_AGE_DAYS` when set.
    public init(environment: [String: String]) throws(ConfigurationError) {
        let rpo = try Self.wholeNumber("BACKUP_RPO_MINUTES", environment)
        if let rpo {
            rpoSeconds = rpo * 60
        } else {
            let schedule = environment["BACKUP_SCHEDULE"]?.trimmingCharacters(in: " \t\r\n") ?? ""
            rpoSeconds = 2 * (schedule.isEmpty ? ScheduleExpression.hourly : try ScheduleExpression(parsing: schedule)).periodSeconds
        }
        drillMaxAgeSeconds = try Self.wholeNumber("BACKUP_DRILL_MAX_AGE_DAYS", environment).map { $0 * 86_400 }
    }

    private static func wholeNumber(_ name: String, _ environment: [String: String]) throws(ConfigurationError) -> Int? {
        let text = environment[name]?.trimmingCharacters(in: " \t\r\n") ?? ""
        guard !text.isEmpty else { return nil }
        guard let value = Int(text), value > 0 else { throw ConfigurationError("\(name) must be a positive whole number, not '\(text)'") }
        return value
    }

    /// `90s`, `30m`, `2h`, `7d`, or a bare number of seconds: how `--max-age` and
    /// `--drill-max-age` are written.
    public static func seconds(parsing text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let last = text.last else { return nil }
        let (digits, unit) = units[last].map { (text.dropLast(), $0) } ?? (Substring(text), 1)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits), value > 0 else { return nil }
        return value * unit
    }

    /// `2d3h`, `3h12m`, `2h1s`, `45s`: an age as a person reads it, in its two largest units
    /// that are not zero (so an age just past a limit never reads as the limit).
    public static func age(_ seconds: Int) -> String {
        let parts = [(seconds / 86_400, "d"), (seconds % 86_400 / 3_600, "h"), (seconds % 3_600 / 60, "m"), (seconds % 60, "s")]
        let shown = parts.filter { $0.0 > 0 }.prefix(2)
        return shown.isEmpty ? "0s" : shown.map { "\($0.0)\($0.1)" }.joined()
    }
}
