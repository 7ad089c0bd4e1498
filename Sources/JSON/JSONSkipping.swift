/// The parser's grammar without the values: checks a value as `parseValue` would and moves past
/// it, building nothing. What lets a page of users go into a backup as the bytes Cognito sent.
extension Parser {
    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard depth < maximumDepth else { throw fail("nested too deeply") }
        skipWhitespace()
        guard position < bytes.count else { throw fail("") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try forEachMember(depth: depth) { parser, _ throws(JSONParseError) in try parser.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): try forEachElement(depth: depth) { parser throws(JSONParseError) in try parser.skipValue(depth: depth + 1) }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectWord("true")
        case UInt8(ascii: "f"): try expectWord("false")
        case UInt8(ascii: "n"): try expectWord("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw fail("unexpected character")
        }
    }

    /// Checks the object at `position` and moves past it. `value` gets each member's name (the
    /// quoted string, as written, by byte range) with the parser at the member's value, and must
    /// move past that value: a caller that wants more than the grammar reads it there, in the
    /// same pass.
    mutating func forEachMember(depth: Int, _ value: (inout Parser, Range<Int>) throws(JSONParseError) -> Void) throws(JSONParseError) {
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
            try value(&self, name)
            skipWhitespace()
            guard position < bytes.count else { throw fail("") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    /// Checks the array at `position` and moves past it; `element` gets the parser at each
    /// element and must move past it.
    mutating func forEachElement(depth: Int, _ element: (inout Parser) throws(JSONParseError) -> Void) throws(JSONParseError) {
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return }
        while true {
            skipWhitespace()
            try element(&self)
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
            // Most of a page is printable ASCII: one comparison a byte until something else.
            var next = position
            while next < bytes.count, case let byte = bytes[next], byte >= 0x20, byte < 0x80,
                  byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") { next += 1 }
            position = next
            guard position < bytes.count else { break }
            switch bytes[position] {
            case UInt8(ascii: "\""):
                position += 1
                return
            case UInt8(ascii: "\\"):
                // Read as the parser reads it (surrogates paired): what is stored must read back.
                _ = try parseEscape()
            case 0..<0x20:
                throw fail("control character in string")
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
