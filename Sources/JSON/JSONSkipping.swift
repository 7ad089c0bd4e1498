/// The parser's grammar without the values: checks a value as `parseValue` would and moves past
/// it, building nothing. What lets a page of users go into a backup as the bytes Cognito sent.
extension Parser {
    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard depth < maximumDepth else { throw fail("nested too deeply") }
        skipWhitespace()
        guard position < bytes.count else { throw fail("") }
        switch bytes[position] {
        case UInt8(ascii: "{"): _ = try memberRanges(depth: depth)
        case UInt8(ascii: "["): _ = try elementRanges(depth: depth)
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
        position += 1
        var members: [(key: String, range: Range<Int>)] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return members }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            position += 1
            skipWhitespace()
            let start = position
            try skipValue(depth: depth + 1)
            members.append((key, start..<position))
            skipWhitespace()
            guard position < bytes.count else { throw fail("") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "}") { position += 1; return members }
            throw fail("expected ',' or '}'")
        }
    }

    /// The array at `position`: the byte range of each element.
    mutating func elementRanges(depth: Int) throws(JSONParseError) -> [Range<Int>] {
        position += 1
        var elements: [Range<Int>] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return elements }
        while true {
            skipWhitespace()
            let start = position
            try skipValue(depth: depth + 1)
            elements.append(start..<position)
            skipWhitespace()
            guard position < bytes.count else { throw fail("") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return elements }
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
                position += 1
                guard position < bytes.count else { throw fail("") }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    continue
                case UInt8(ascii: "u"): _ = try parseHex4()
                default: throw fail("invalid escape")
                }
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
