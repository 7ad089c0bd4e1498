#if canImport(Glibc)
import Glibc
#endif

/// A point in time, UTC, to the millisecond: enough for signing, object keys and metadata
/// without bringing in Foundation's calendar machinery.
public struct UTCTime: Sendable, Comparable, Hashable {
    public let millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    public static func now() -> UTCTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UTCTime(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    public var secondsSinceEpoch: Int64 { millisecondsSinceEpoch / 1000 }

    public func adding(milliseconds: Int64) -> UTCTime { UTCTime(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds) }

    public static func < (a: UTCTime, b: UTCTime) -> Bool { a.millisecondsSinceEpoch < b.millisecondsSinceEpoch }

    private var fields: tm {
        var seconds = time_t(secondsSinceEpoch)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    private static func pad(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// `20150830T123600Z`, the form SigV4 signs.
    public var amzDate: String {
        let t = fields
        return "\(Self.pad(t.tm_year + 1900, 4))\(Self.pad(t.tm_mon + 1, 2))\(Self.pad(t.tm_mday, 2))T\(Self.pad(t.tm_hour, 2))\(Self.pad(t.tm_min, 2))\(Self.pad(t.tm_sec, 2))Z"
    }

    /// `2015-08-30T12:36:00.123Z`.
    public var iso8601: String {
        let t = fields
        let ms = Int32(millisecondsSinceEpoch - secondsSinceEpoch * 1000)
        return "\(datePart("-"))T\(Self.pad(t.tm_hour, 2)):\(Self.pad(t.tm_min, 2)):\(Self.pad(t.tm_sec, 2)).\(Self.pad(ms, 3))Z"
    }

    /// Year, month and day joined by `separator`: `2015/08/30` for object keys.
    public func datePart(_ separator: String) -> String {
        let t = fields
        return [Self.pad(t.tm_year + 1900, 4), Self.pad(t.tm_mon + 1, 2), Self.pad(t.tm_mday, 2)].joined(separator: separator)
    }

    /// `123600`.
    public var compactTime: String {
        let t = fields
        return Self.pad(t.tm_hour, 2) + Self.pad(t.tm_min, 2) + Self.pad(t.tm_sec, 2)
    }

    /// Reads `2015-08-30T12:36:00Z`, with optional fractional seconds and `+00:00` offsets.
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ length: Int) -> Int32? {
            guard from + length <= bytes.count else { return nil }
            var value: Int32 = 0
            for b in bytes[from..<from + length] {
                guard (48...57).contains(b) else { return nil }
                value = value * 10 + Int32(b - 48)
            }
            return value
        }
        guard bytes.count >= 19, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        var index = 19
        var milliseconds: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale: Int64 = 100
            while index < bytes.count, (48...57).contains(bytes[index]) {
                milliseconds += Int64(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            guard let h = number(index + 1, 2), let m = number(index + 4, 2) else { return nil }
            offsetSeconds = Int64(h) * 3600 + Int64(m) * 60
            if bytes[index] == UInt8(ascii: "+") { offsetSeconds = -offsetSeconds }
        }
        self.init(millisecondsSinceEpoch: (Int64(timegm(&parts)) + offsetSeconds) * 1000 + milliseconds)
    }
}
