/// A JSON object kept as the bytes it arrived in: checked whole once, its members found by byte
/// range, a value parsed only when asked for. A page of 60 users goes into a backup as Cognito
/// sent it, without being built into values and written out again.
public struct RawJSONObject: Sendable {
    public let bytes: [UInt8]
    private let members: [(key: String, range: Range<Int>)]

    /// Fails unless `bytes` is exactly one JSON object, valid throughout.
    public init(validating bytes: [UInt8]) throws(JSONParseError) {
        let scanned: Result<[(key: String, range: Range<Int>)], JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            return Result { () throws(JSONParseError) in
                parser.skipWhitespace()
                guard parser.position < buffer.count, buffer[parser.position] == UInt8(ascii: "{") else {
                    throw parser.fail("expected an object")
                }
                let members = try parser.memberRanges(depth: 0)
                parser.skipWhitespace()
                if parser.position != buffer.count { throw parser.fail("unexpected data after the value") }
                return members
            }
        }
        self.bytes = bytes
        members = try scanned.get()
    }

    /// The member's value, parsed; nil if there is no such member.
    public subscript(key: String) -> JSON? {
        guard let range = members.first(where: { $0.key == key })?.range else { return nil }
        return Self.parse(bytes, range)
    }

    /// The bytes of each element of an array member; empty if the member is missing or not an array.
    public func elements(of key: String) -> [ArraySlice<UInt8>] {
        guard let range = members.first(where: { $0.key == key })?.range, bytes[range.lowerBound] == UInt8(ascii: "[") else { return [] }
        return bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer, position: range.lowerBound)
            // Checked when the object was: cannot fail.
            return ((try? parser.elementRanges(depth: 1)) ?? []).map { bytes[$0] }
        }
    }

    /// A member of the object that `element` (an element of this object's arrays) holds, parsed.
    public func member(_ key: String, of element: ArraySlice<UInt8>) -> JSON? {
        guard element.first == UInt8(ascii: "{") else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer, position: element.startIndex)
            guard let range = (try? parser.memberRanges(depth: 1))?.first(where: { $0.key == key })?.range else { return nil }
            return Self.parse(bytes, range)
        }
    }

    private static func parse(_ bytes: [UInt8], _ range: Range<Int>) -> JSON? {
        // A slice of a checked document is itself a valid value.
        try? JSON(parsing: Array(bytes[range]))
    }
}
