import Backup

/// The CSV file of a Cognito user import job, by AWS's rules ("Importing users into a user pool
/// from a CSV file"): the first line is GetCSVHeader's columns, every one of them, in any order;
/// each user one line with a value (or nothing) for every column; values unquoted, a comma in a
/// value escaped with a backslash; UTF-8 without a byte-order mark. A user the file cannot carry
/// exactly is refused here, with the reason, and goes by AdminCreateUser instead. Pure, so each
/// rule is tested without a pool.
struct ImportCSV: Sendable {
    /// Per job, AWS's limits; beyond them the users go in several jobs.
    static let maxRows = 500_000
    static let maxBytes = 100_000_000
    /// Per line, counted as Cognito's service counts characters (UTF-16 units, the stricter count).
    static let maxRowCharacters = 16_000

    /// GetCSVHeader's `CSVHeader`, in its order.
    let columns: [String]
    /// The target's `AutoVerifiedAttributes` ("email", "phone_number").
    let autoVerified: [String]

    enum Refusal: Error, Hashable, CustomStringConvertible {
        /// Cognito fails the line of a user none of whose auto-verified attributes is verified.
        case noVerifiedAutoVerifiedAttribute
        /// A value Cognito would trim, or that a line of this CSV cannot hold as it is.
        case uncarried(attribute: String)
        /// An attribute the target's header has no column for.
        case notInHeader(attribute: String)
        case rowTooLong

        var description: String {
            switch self {
            case .noVerifiedAutoVerifiedAttribute: return "none of the pool's auto-verified attributes is verified"
            case .uncarried(let attribute): return "a value of \(attribute) the CSV file cannot carry exactly"
            case .notInHeader(let attribute): return "attribute \(attribute) is not in the pool's CSV header"
            case .rowTooLong: return "longer than the \(ImportCSV.maxRowCharacters) characters of a CSV line"
            }
        }
    }

    static let usernameColumn = "cognito:username"
    static let mfaColumn = "cognito:mfa_enabled"
    /// Attributes Cognito sets itself and the file does not carry: a new `sub`, and `identities`
    /// through linking afterwards.
    static let setByCognito: Set<String> = CreateRequest.unwritableAttributes

    var header: [UInt8] { Array((columns.joined(separator: ",") + "\n").utf8) }

    /// The line of `user`, named `username` in the target, with its newline.
    func row(_ user: PoolUser, username: String) -> Result<[UInt8], Refusal> {
        guard autoVerified.contains(where: { name in
            user.attribute("\(name)_verified") == "true" && !(user.attribute(name) ?? "").isEmpty
        }) else { return .failure(.noVerifiedAutoVerifiedAttribute) }
        var values: [String: String] = [:]
        for attribute in user.attributes where !Self.setByCognito.contains(attribute.name) {
            guard columns.contains(attribute.name) else { return .failure(.notInHeader(attribute: attribute.name)) }
            guard let field = Self.field(attribute.value) else { return .failure(.uncarried(attribute: attribute.name)) }
            values[attribute.name] = field
        }
        guard let name = Self.field(username) else { return .failure(.uncarried(attribute: Self.usernameColumn)) }
        values[Self.usernameColumn] = name
        // MFA preferences are set per user after the import, as for a created user.
        values[Self.mfaColumn] = "false"
        let line = columns.map { values[$0] ?? "" }.joined(separator: ",")
        guard line.utf16.count <= Self.maxRowCharacters else { return .failure(.rowTooLong) }
        return .success(Array((line + "\n").utf8))
    }

    /// `value` as a field: commas escaped with a backslash. nil for what the file cannot carry
    /// exactly: an empty value (an empty field is no attribute), white space at either end
    /// (Cognito trims it), a line break or a double quote (the format has no quoting), and a
    /// backslash before a comma or at the end (it would read as an escape).
    static func field(_ value: String) -> String? {
        guard let first = value.unicodeScalars.first, let last = value.unicodeScalars.last,
              !first.properties.isWhitespace, !last.properties.isWhitespace, last != "\\" else { return nil }
        var field = ""
        var previous: Unicode.Scalar?
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\n", "\r", "\"", "\u{FEFF}": return nil
            case "," where previous == "\\": return nil
            case ",": field += "\\,"
            default: field.unicodeScalars.append(scalar)
            }
            previous = scalar
        }
        return field
    }
}

/// Lines gathered for one import job, within its limits.
struct ImportFilePart: Sendable {
    private(set) var bytes: [UInt8]
    private(set) var rows = 0
    /// `SortedHashes.hash` of the key of each user in the file.
    private(set) var keys: [UInt64] = []

    init(header: [UInt8]) { bytes = header }

    var isEmpty: Bool { rows == 0 }

    func fits(_ line: [UInt8]) -> Bool {
        rows < ImportCSV.maxRows && bytes.count + line.count <= ImportCSV.maxBytes
    }

    mutating func append(_ line: [UInt8], key: UserKey) {
        bytes += line
        rows += 1
        keys.append(SortedHashes.hash(key.text))
    }
}
