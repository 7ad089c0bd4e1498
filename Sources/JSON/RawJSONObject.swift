/// A JSON object kept as the bytes it arrived in: checked whole once, its members found by byte
/// range, a value parsed only when asked for. A page of 60 users goes into a backup as Cognito
/// sent it, without being built into values and written out again.
public struct RawJSONObject: Sendable {
    public let bytes: [UInt8]
    private let members: [(key: String, range: Range<Int>)]
    /// The element ranges of array members, found while checking.
    private let arrays: [String: [Range<Int>]]

    /// Fails unless `bytes` is exactly one JSON object, valid throughout.
    public init(validating bytes: [UInt8]) throws(JSONParseError) {
        typealias Scan = (members: [(key: String, range: Range<Int>)], arrays: [String: [Range<Int>]])
        let scanned: Result<Scan, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            return Result { () throws(JSONParseError) -> Scan in
                parser.skipWhitespace()
                guard parser.position < buffer.count, buffer[parser.position] == UInt8(ascii: "{") else {
                    throw parser.fail("expected an object")
                }
                let members = try parser.memberRanges(depth: 0)
                parser.skipWhitespace()
                if parser.position != buffer.count { throw parser.fail("unexpected data after the value") }
                var arrays: [String: [Range<Int>]] = [:]
                for member in members where buffer[member.range.lowerBound] == UInt8(ascii: "[") {
                    var elements = Parser(bytes: buffer, position: member.range.lowerBound)
                    arrays[member.key] = try elements.elementRanges(depth: 1)
                }
                return (members, arrays)
            }
        }
        self.bytes = bytes
        (members, arrays) = try scanned.get()
    }

    /// The member's value, parsed; nil if there is no such member.
    public subscript(key: String) -> JSON? {
        guard let range = members.first(where: { $0.key == key })?.range else { return nil }
        return Self.parse(bytes, range)
    }

    /// The bytes of each element of an array member; empty if the member is missing or not an array.
    public func elements(of key: String) -> [ArraySlice<UInt8>] { (arrays[key] ?? []).map { bytes[$0] } }

    /// Members of the object that `element` (an element of this object's arrays) holds, parsed,
    /// in the order of `keys`; nil for a missing one.
    public func members(_ keys: [String], of element: ArraySlice<UInt8>) -> [JSON?] {
        guard element.first == UInt8(ascii: "{") else { return keys.map { _ in nil } }
        let ranges = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer, position: element.startIndex)
            return try? parser.rangesOfMembers(keys, depth: 1)
        }
        return (ranges ?? keys.map { _ in nil }).map { $0.flatMap { Self.parse(bytes, $0) } }
    }

    private static func parse(_ bytes: [UInt8], _ range: Range<Int>) -> JSON? {
        // A slice of a checked document is itself a valid value.
        try? JSON(parsing: Array(bytes[range]))
    }
}
