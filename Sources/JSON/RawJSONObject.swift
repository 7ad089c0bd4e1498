/// A JSON object kept as the bytes it arrived in: checked whole in one pass, which also notes
/// where its members, its arrays' elements and their members are; a value is parsed only when
/// asked for. A page of 60 users goes into a backup as Cognito sent it, without being built into
/// values and written out again.
public struct RawJSONObject: Sendable {
    public let bytes: [UInt8]
    private let index: RawObjectIndex

    /// Fails unless `bytes` is exactly one JSON object, valid throughout.
    public init(validating bytes: [UInt8]) throws(JSONParseError) {
        let indexed: Result<RawObjectIndex, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try RawObjectIndex(checking: buffer) }
        }
        self.bytes = bytes
        index = try indexed.get()
    }

    /// The member's value, parsed; nil if there is no such member.
    public subscript(key: String) -> JSON? {
        guard let range = index.members.first(where: { $0.key == key })?.range else { return nil }
        return parse(range)
    }

    /// The bytes of each element of an array member; empty if the member is missing or not an array.
    public func elements(of key: String) -> [ArraySlice<UInt8>] {
        guard let places = index.arrays[key] else { return [] }
        return index.elements[places].map { bytes[$0.range] }
    }

    /// The member `key` of the object that `element` (an element of this object's arrays) is,
    /// parsed; nil if it has none, or is not an object.
    public func member(_ key: String, of element: ArraySlice<UInt8>) -> JSON? {
        guard let members = index.element(startingAt: element.startIndex)?.members else { return nil }
        return index.elementMembers[members].first { named($0.name, key) }.flatMap { parse($0.value) }
    }

    /// Whether the quoted name at `name` is `key`. Names are compared as written: AWS writes its
    /// member names without escapes.
    private func named(_ name: Range<Int>, _ key: String) -> Bool {
        var key = key
        return key.withUTF8 { key in
            key.count == name.count - 2 && bytes.withUnsafeBufferPointer { $0[name.lowerBound + 1..<name.upperBound - 1].elementsEqual(key) }
        }
    }

    private func parse(_ range: Range<Int>) -> JSON? {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer, position: range.lowerBound)
            // A value of a checked document is itself valid.
            return try? parser.parseValue(depth: 0)
        }
    }
}
