import Support

/// The EventBridge schedule that starts the function (`BACKUP_SCHEDULE`, the template's
/// `BackupSchedule`), reduced to what the quota plan needs: how long one run has before the next.
public struct ScheduleExpression: Sendable, Equatable {
    public let text: String
    /// The shortest time between two runs. A cron that skips days is still counted as running
    /// every day: the plan must hold on the busiest day.
    public let periodSeconds: Int

    /// The template's default.
    public static let hourly = ScheduleExpression(text: "rate(1 hour)", periodSeconds: 3_600)

    init(text: String, periodSeconds: Int) {
        self.text = text
        self.periodSeconds = periodSeconds
    }

    /// `rate(5 minutes)`, `rate(1 day)` or `cron(0 */6 * * ? *)`, as EventBridge spells them.
    public init(parsing text: String) throws(ConfigurationError) {
        let trimmed = text.trimmingCharacters(in: " \t\r\n")
        func refuse(_ why: String) -> ConfigurationError {
            ConfigurationError("BACKUP_SCHEDULE '\(text)' is not an EventBridge schedule: \(why)")
        }
        guard trimmed.hasSuffix(")"), let open = trimmed.firstIndex(of: "(") else {
            throw refuse("expected rate(…) or cron(…)")
        }
        let kind = trimmed[..<open]
        let inside = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        switch kind {
        case "rate": periodSeconds = try Self.rateSeconds(inside).get(or: refuse)
        case "cron": periodSeconds = try Self.cronSeconds(inside).get(or: refuse)
        default: throw refuse("expected rate(…) or cron(…)")
        }
        self.text = trimmed
    }

    /// `1 minute`, `5 minutes`, `1 hour`, `2 days`: EventBridge wants the singular for 1 only.
    static func rateSeconds(_ text: String) -> Parsed {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let value = Int(parts[0]), value > 0 else { return .refused("a rate is a positive whole number and a unit") }
        let units = [("minute", 60), ("hour", 3_600), ("day", 86_400)]
        let singular = value == 1 ? String(parts[1]) : String(parts[1].dropLast())
        guard let unit = units.first(where: { $0.0 == singular }), value == 1 || parts[1].hasSuffix("s") else {
            return .refused(value == 1 ? "the unit is minute, hour or day" : "the unit is minutes, hours or days")
        }
        return .seconds(value * unit.1)
    }

    /// `Minutes Hours Day-of-month Month Day-of-week Year`: the minutes and hours fields decide
    /// the times of day it runs; the shortest gap between them, across midnight too, is the period.
    static func cronSeconds(_ text: String) -> Parsed {
        let fields = text.split(separator: " ").map(String.init)
        guard fields.count == 6 else { return .refused("a cron expression has six fields") }
        guard let minutes = CronField.values(fields[0], in: 0...59), let hours = CronField.values(fields[1], in: 0...23) else {
            return .refused("the minutes (0-59) and hours (0-23) fields take *, numbers, ranges, lists and /steps")
        }
        let times = hours.flatMap { hour in minutes.map { hour * 60 + $0 } }.sorted()
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 } + [times[0] + 1_440 - times[times.count - 1]]
        return .seconds(gaps.min()! * 60)
    }

    enum Parsed {
        case seconds(Int)
        case refused(String)

        func get(or refuse: (String) -> ConfigurationError) throws(ConfigurationError) -> Int {
            switch self {
            case .seconds(let seconds): return seconds
            case .refused(let why): throw refuse(why)
            }
        }
    }
}

/// One cron field's values: `*`, `7`, `1-5`, `*/15`, `10-50/20`, and lists of those.
enum CronField {
    static func values(_ field: String, in range: ClosedRange<Int>) -> [Int]? {
        var values: Set<Int> = []
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { return nil }
            let step = stepParts.count == 2 ? Int(stepParts[1]) : 1
            guard let step, step > 0 else { return nil }
            let span: ClosedRange<Int>
            if stepParts[0] == "*" {
                span = range
            } else {
                let bounds = stepParts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard (1...2).contains(bounds.count), let low = bounds[0], let high = bounds.count == 2 ? bounds[1] : (stepParts.count == 2 ? range.upperBound : low),
                      range.contains(low), range.contains(high), low <= high else { return nil }
                span = low...high
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values.sorted()
    }
}
