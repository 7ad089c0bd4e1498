/// A JSON value that keeps what an API sent: numbers as their original text and object members in
/// their original order, so a document read and written again says exactly what it said before.
public enum JSON: Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

/// Object members in document order. Lookups are linear: AWS objects have a handful of keys.
public struct JSONObject: Sendable {
    public var members: [(key: String, value: JSON)]

    public init(_ members: [(key: String, value: JSON)] = []) { self.members = members }

    public subscript(key: String) -> JSON? {
        get { members.first { $0.key == key }?.value }
        set {
            let index = members.firstIndex { $0.key == key }
            switch (index, newValue) {
            case let (i?, value?): members[i].value = value
            case let (i?, nil): members.remove(at: i)
            case let (nil, value?): members.append((key, value))
            case (nil, nil): break
            }
        }
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
}

extension JSON {
    public subscript(key: String) -> JSON? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }

    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var array: [JSON]? { if case .array(let a) = self { return a } else { return nil } }
    public var object: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var int: Int? {
        guard case .number(let text) = self else { return nil }
        return Int(text) ?? Double(text).flatMap { $0.rounded() == $0 ? Int(exactly: $0) : nil }
    }

    public static func number(_ value: Int) -> JSON { .number(String(value)) }
    public static func number(_ value: Double) -> JSON {
        value.rounded() == value && abs(value) < 1e15 ? .number(String(Int(value))) : .number(String(value))
    }
    public static func object(_ members: [(String, JSON)]) -> JSON {
        .object(JSONObject(members.map { (key: $0.0, value: $0.1) }))
    }
}

extension JSON: Equatable {
    /// Exact, as a document read and written again must be: strings by their bytes (Swift's
    /// String equality takes the NFC and NFD spellings of a name for one), numbers by their exact
    /// decimal value (`1.0` is `1`, but `9007199254740993` is not `9007199254740992`), objects by
    /// their members in any order (two members of one name matched in their order).
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.number(a), .number(b)): return a == b || JSONDecimal(a) == JSONDecimal(b)
        case let (.string(a), .string(b)): return a.utf8.elementsEqual(b.utf8)
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            guard a.members.count == b.members.count else { return false }
            var valuesByName: [[UInt8]: ArraySlice<JSON>] = [:]
            for member in b.members { valuesByName[Array(member.key.utf8), default: []].append(member.value) }
            for member in a.members {
                let name = Array(member.key.utf8)
                guard let next = valuesByName[name]?.first, next == member.value else { return false }
                valuesByName[name]?.removeFirst()
            }
            return true
        default: return false
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(String(value)) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSON)...) { self.init(elements.map { (key: $0.0, value: $0.1) }) }
}
