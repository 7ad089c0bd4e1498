import JSON

/// Finds where the members of a JSON object and the elements of an array begin and end, without
/// building their values. A 100k-user backup is then read one user at a time instead of as one
/// tree several times the size of the file, and a truncated or mangled file is caught while
/// scanning, before anything has been written.
struct BackupScanner {
    let bytes: [UInt8]

    /// The top-level object's members: key and the byte range of its value.
    func members() throws(BackupReadError) -> [(key: String, range: Range<Int>)] {
        var position = skipWhitespace(0)
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else {
            throw error(at: position, "a backup is a JSON object; this file does not start with '{'")
        }
        var members: [(key: String, range: Range<Int>)] = []
        position = skipWhitespace(position + 1)
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { return try finish(members, after: position + 1) }
        while true {
            let keyRange = try valueRange(from: position, inside: "the backup")
            guard bytes[keyRange.lowerBound] == UInt8(ascii: "\"") else { throw error(at: keyRange.lowerBound, "expected a member name") }
            let key = try parse(keyRange).string ?? ""
            position = skipWhitespace(keyRange.upperBound)
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error(at: position, "expected ':' after \"\(key)\"") }
            let value = try valueRange(from: position + 1, inside: key)
            members.append((key, value))
            position = skipWhitespace(value.upperBound)
            guard position < bytes.count else { throw error(at: position, "the backup ends inside its top-level object") }
            if bytes[position] == UInt8(ascii: ",") { position = skipWhitespace(position + 1); continue }
            if bytes[position] == UInt8(ascii: "}") { return try finish(members, after: position + 1) }
            throw error(at: position, "expected ',' or '}' after \"\(key)\"")
        }
    }

    /// The byte ranges of the elements of the array at `range`.
    func elements(of range: Range<Int>, inside context: String) throws(BackupReadError) -> [Range<Int>] {
        guard bytes[range.lowerBound] == UInt8(ascii: "[") else { throw error(at: range.lowerBound, "\(context) is not an array") }
        var elements: [Range<Int>] = []
        var position = skipWhitespace(range.lowerBound + 1)
        if bytes[position] == UInt8(ascii: "]") { return [] }
        while true {
            let element = try valueRange(from: position, inside: context)
            elements.append(element)
            position = skipWhitespace(element.upperBound)
            if bytes[position] == UInt8(ascii: ",") { position = skipWhitespace(position + 1); continue }
            guard bytes[position] == UInt8(ascii: "]") else { throw error(at: position, "expected ',' or ']' in \"\(context)\"") }
            return elements
        }
    }

    /// The value at `range`, parsed; its errors point into the whole file.
    func parse(_ range: Range<Int>) throws(BackupReadError) -> JSON {
        do {
            return try JSON(parsing: Array(bytes[range]))
        } catch {
            throw BackupReadError(offset: range.lowerBound + error.offset, reason: error.reason)
        }
    }

    private func finish(_ members: [(key: String, range: Range<Int>)], after end: Int) throws(BackupReadError) -> [(key: String, range: Range<Int>)] {
        let rest = skipWhitespace(end)
        guard rest == bytes.count else { throw error(at: rest, "unexpected data after the backup object") }
        return members
    }

    /// Where the value starting at (or after whitespace from) `start` ends: strings are skipped
    /// escape by escape and containers bracket by bracket. Scalars end at the next delimiter;
    /// `parse` checks their spelling.
    private func valueRange(from start: Int, inside context: String) throws(BackupReadError) -> Range<Int> {
        let begin = skipWhitespace(start)
        var position = begin
        var depth = 0
        var inString = false
        while position < bytes.count {
            let byte = bytes[position]
            if inString {
                if byte == UInt8(ascii: "\\") { position += 2; continue }
                if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return begin..<position + 1 }
                }
                position += 1
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == 0 { return try scalar(begin..<position) }
                depth -= 1
                if depth == 0 { return begin..<position + 1 }
            case UInt8(ascii: ","), 0x20, 0x0A, 0x0D, 0x09:
                if depth == 0 { return try scalar(begin..<position) }
            default: break
            }
            position += 1
        }
        if depth == 0 && !inString && position > begin { return try scalar(begin..<position) }
        throw BackupReadError(offset: bytes.count,
                              reason: "the file ends inside \"\(context)\" (\(bytes.count) bytes): truncated, perhaps by an interrupted copy")
    }

    private func scalar(_ range: Range<Int>) throws(BackupReadError) -> Range<Int> {
        guard !range.isEmpty else { throw error(at: range.lowerBound, "expected a value") }
        return range
    }

    private func skipWhitespace(_ start: Int) -> Int {
        var position = start
        while position < bytes.count, Self.isWhitespace(bytes[position]) { position += 1 }
        return position
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    private func error(at offset: Int, _ reason: String) -> BackupReadError {
        BackupReadError(offset: offset, reason: offset >= bytes.count ? "the file ends early: truncated?" : reason)
    }
}
