import JSON

/// One line of the validation checklist: what was compared, and the first differences found.
public struct VerifyCheck: Sendable {
    public let name: String
    /// What was compared, for the passing line: "61 users".
    public let detail: String
    public let differences: [String]

    public var passed: Bool { differences.isEmpty }

    public var json: JSON {
        ["check": .string(name), "passed": .bool(passed), "detail": .string(detail),
         "differences": .array(differences.map(JSON.string))]
    }
}

/// Differences between two JSON values as `path: backup …, pool …` lines, values compared
/// exactly (JSON's `==`). Arrays of strings compare as sets, since Cognito does not promise to
/// keep their order.
enum JSONDifference {
    static func between(_ expected: JSON?, _ actual: JSON?, at path: String) -> [String] {
        switch (expected, actual) {
        case (nil, nil): return []
        case let (.object(a)?, .object(b)?):
            let keys = a.keys + b.keys.filter { a[$0] == nil }
            return keys.flatMap { between(a[$0], b[$0], at: path.isEmpty ? $0 : "\(path).\($0)") }
        case let (.array(a)?, .array(b)?) where a.allSatisfy({ $0.string != nil }) && b.allSatisfy({ $0.string != nil }):
            return Set(a.compactMap { $0.string.map { Array($0.utf8) } }) == Set(b.compactMap { $0.string.map { Array($0.utf8) } })
                ? [] : [line(path, expected, actual)]
        case let (.array(a)?, .array(b)?) where a.count == b.count:
            return zip(a, b).enumerated().flatMap { between($0.element.0, $0.element.1, at: "\(path)[\($0.offset)]") }
        case let (a, b):
            if let a, let b, a == b { return [] }
            if isEmpty(a) && isEmpty(b) { return [] }
            return [line(path, a, b)]
        }
    }

    /// Absent, null, empty list and empty object all say "none".
    static func isEmpty(_ value: JSON?) -> Bool {
        guard let value else { return true }
        return value.isNull || value.array?.isEmpty == true || value.object?.isEmpty == true
    }

    static func line(_ path: String, _ expected: JSON?, _ actual: JSON?) -> String {
        func text(_ value: JSON?) -> String {
            guard let value else { return "absent" }
            let serialized = value.serialized
            return serialized.count > 80 ? String(serialized.prefix(77)) + "..." : serialized
        }
        return "\(path): backup \(text(expected)), pool \(text(actual))"
    }
}
