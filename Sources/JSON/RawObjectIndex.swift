/// Where the parts of a checked object are, found in the same single pass that checks it: its
/// members, the elements of its array members, and the members of those elements that are
/// objects (a page's users). All by byte range; nothing is built but the top-level names.
struct RawObjectIndex: Sendable {
    /// A member of an element: its name as written (the quoted string) and its value.
    struct Member: Sendable {
        let name: Range<Int>
        let value: Range<Int>
    }

    struct Element: Sendable {
        let range: Range<Int>
        /// Its members' places in `elementMembers`; nil if the element is not an object.
        let members: Range<Int>?
    }

    private(set) var members: [(key: String, range: Range<Int>)] = []
    /// Each array member's elements, as places in `elements`.
    private(set) var arrays: [String: Range<Int>] = [:]
    /// Every array's elements, in document order.
    private(set) var elements: [Element] = []
    private(set) var elementMembers: [Member] = []

    /// Fails unless `bytes` is exactly one JSON object, valid throughout.
    init(checking bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
        var parser = Parser(bytes: bytes)
        parser.skipWhitespace()
        guard parser.position < bytes.count, bytes[parser.position] == UInt8(ascii: "{") else {
            throw parser.fail("expected an object")
        }
        try parser.forEachMember(depth: 0) { parser, name throws(JSONParseError) in
            var nameParser = Parser(bytes: bytes, position: name.lowerBound)
            let key = try nameParser.parseString()
            let start = parser.position
            if start < bytes.count, bytes[start] == UInt8(ascii: "[") {
                let first = elements.count
                try parser.forEachElement(depth: 1) { parser throws(JSONParseError) in try record(elementAt: &parser) }
                arrays[key] = first..<elements.count
            } else {
                try parser.skipValue(depth: 1)
            }
            members.append((key, start..<parser.position))
        }
        parser.skipWhitespace()
        if parser.position != bytes.count { throw parser.fail("unexpected data after the value") }
    }

    /// Checks the element at the parser's position and moves past it, noting its members if it
    /// is an object.
    private mutating func record(elementAt parser: inout Parser) throws(JSONParseError) {
        let start = parser.position
        guard start < parser.bytes.count, parser.bytes[start] == UInt8(ascii: "{") else {
            try parser.skipValue(depth: 2)
            elements.append(Element(range: start..<parser.position, members: nil))
            return
        }
        let first = elementMembers.count
        try parser.forEachMember(depth: 2) { parser, name throws(JSONParseError) in
            let value = parser.position
            try parser.skipValue(depth: 3)
            elementMembers.append(Member(name: name, value: value..<parser.position))
        }
        elements.append(Element(range: start..<parser.position, members: first..<elementMembers.count))
    }

    /// The element that starts at `offset`, if one does.
    func element(startingAt offset: Int) -> Element? {
        var low = 0, high = elements.count
        while low < high {
            let middle = (low + high) / 2
            if elements[middle].range.lowerBound < offset { low = middle + 1 } else { high = middle }
        }
        return low < elements.count && elements[low].range.lowerBound == offset ? elements[low] : nil
    }
}
