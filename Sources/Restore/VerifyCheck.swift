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

    /// A difference of one value: `path: backup …, pool …`, long values cut short.
    static func line(_ path: String, _ expected: JSON?, _ actual: JSON?) -> String {
        func text(_ value: JSON?) -> String {
            guard let value else { return "absent" }
            let serialized = value.serialized
            return serialized.count > 80 ? String(serialized.prefix(77)) + "..." : serialized
        }
        return "\(path): backup \(text(expected)), pool \(text(actual))"
    }
}
