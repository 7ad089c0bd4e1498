/// The parser's grammar without the values: checks a value as `parseValue` would and moves past
/// it, building nothing. What lets a page of users go into a backup as the bytes Cognito sent.
extension Parser {
    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard depth < maximumDepth else { throw fail("nested too deeply") }
        skipWhitespace()
        guard position < bytes.count else { throw fail("") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try forEachMember(depth: depth) { _, _ in }
        case UInt8(ascii: "["): try forEachElement(depth: depth) { _ in }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectWord("true")
        case UInt8(ascii: "f"): try expectWord("false")
        case UInt8(ascii: "n"): try expectWord("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    /// The object at `position`: each member's name and the byte range of its value.
    mutating func memberRanges(depth: Int) throws(JSONParseError) -> [(key: String, range: Range<Int>)] {
        var members: [(key: String, range: Range<Int>)] = []
        let bytes = bytes
        try forEachMember(depth: depth) { name, value throws(JSONParseError) in
            var key = Parser(bytes: bytes, position: name.lowerBound)
            members.append((try key.parseString(), value))
        }
        return members
    }

    /// The byte ranges of the values of the members named `keys` in the object at `position`,
    /// which is checked whole on the way; nil for a missing one.
    mutating func rangesOfMembers(_ keys: [String], depth: Int) throws(JSONParseError) -> [Range<Int>?] {
        let wanted = keys.map { Array("\"\($0)\"".utf8) }
        let bytes = bytes
        var found = [Range<Int>?](repeating: nil, count: keys.count)
        try forEachMember(depth: depth) { name, value in
            // Names are compared as written: AWS writes its member names without escapes.
            for (index, key) in wanted.enumerated() where found[index] == nil && key.count == name.count {
                if key.withUnsafeBufferPointer({ $0.elementsEqual(bytes[name]) }) { found[index] = value }
            }
        }
        return found
    }

    /// The array at `position`: the byte range of each element.
    mutating func elementRanges(depth: Int) throws(JSONParseError) -> [Range<Int>] {
        var elements: [Range<Int>] = []
        try forEachElement(depth: depth) { elements.append($0) }
        return elements
    }

    /// Checks the object at `position` and moves past it, handing each member's name (the quoted
    /// string, as written) and value, by byte range; nothing is built.
    mutating func forEachMember(depth: Int, _ body: (Range<Int>, Range<Int>) throws(JSONParseError) -> Void) throws(JSONParseError) {
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let nameStart = position
            try skipString()
            let name = nameStart..<position
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            position += 1
            skipWhitespace()
            let start = position
            try skipValue(depth: depth + 1)
            try body(name, start..<position)
            skipWhitespace()
            guard position < bytes.count else { throw fail("") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    /// Checks the array at `position` and moves past it, handing each element's byte range.
    mutating func forEachElement(depth: Int, _ body: (Range<Int>) throws(JSONParseError) -> Void) throws(JSONParseError) {
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return }
        while true {
            skipWhitespace()
            let start = position
            try skipValue(depth: depth + 1)
            try body(start..<position)
            skipWhitespace()
            guard position < bytes.count else { throw fail("") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return }
            throw fail("expected ',' or ']'")
        }
    }

    /// A string, checked: escapes, no control characters, and well-formed UTF-8 (the bytes are
    /// copied as they are, so nothing downstream may have to repair them).
    mutating func skipString() throws(JSONParseError) {
        position += 1
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return
            case UInt8(ascii: "\\"):
                // Read as the parser reads it (surrogates paired): what is stored must read back.
                _ = try parseEscape()
            case 0..<0x20:
                throw fail("control character in string")
            case 0x20..<0x80:
                position += 1
            default:
                try skipUTF8Sequence()
            }
        }
        throw fail("")
    }

    /// One multi-byte UTF-8 sequence, as RFC 3629 allows it: no overlong forms, no surrogates,
    /// nothing past U+10FFFF.
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[position]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw fail("invalid UTF-8")
        }
        guard position + length <= bytes.count else { throw fail("invalid UTF-8") }
        guard (low...high).contains(bytes[position + 1]) else { throw fail("invalid UTF-8") }
        for offset in 2..<max(2, length) where !(0x80...0xBF).contains(bytes[position + offset]) { throw fail("invalid UTF-8") }
        position += length
    }
}
