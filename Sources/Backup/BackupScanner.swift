import JSON

/// Reads a backup (or a restore mapping) front to back in bounded chunks, as its reader pulls:
/// the top-level members one by one, and the items of the large ones (users, group memberships)
/// one at a time, each handed out and let go. A backup is never in memory whole, nor its users,
/// so a truncated, mangled or enormous file is caught while scanning, with flat memory, before
/// anything has been written.
public struct BackupScanner {
    /// The next chunk of the file, or nil at its end.
    private let read: () throws(BackupReadError) -> [UInt8]?
    private var chunk: [UInt8] = []
    private var index = 0
    /// Offset in the file of `chunk`'s first byte.
    private var chunkStart = 0
    private var ended = false
    /// For each container entered and not yet left: whether its first item is still to come.
    private var firstInContainer: [Bool] = []

    /// The most a member read whole may take (all but `users` and `group_memberships`), and one user (50 custom attributes of 2,048 characters fit): what keeps a file of
    /// garbage from growing one value without end.
    public static let maximumMemberBytes = 128 * 1024 * 1024
    public static let maximumUserBytes = 1024 * 1024
    /// Bytes JSON allows outside strings: whitespace, brackets, separators, and those of numbers,
    /// `true`, `false` and `null`. Anything else (a run of zeros, binary data) is refused at once.
    private static let structural: [Bool] = {
        var allowed = [Bool](repeating: false, count: 256)
        for byte in Array(" \t\r\n{}[],:\"0123456789+-.eEtruefalsn".utf8) { allowed[Int(byte)] = true }
        return allowed
    }()

    public init(read: @escaping () throws(BackupReadError) -> [UInt8]?) { self.read = read }

    /// Reads up to the first item of the member `key` (an object or array, as `opening` says),
    /// passing over every member before it (a first pass checked them); false if the backup has
    /// no such member. `nextName` or `nextElement` then read it.
    public mutating func seek(to key: String, opening: UInt8) throws(BackupReadError) -> Bool {
        try open()
        while let name = try nextName(in: "the backup") {
            if name == key, try enter(opening) { return true }
            try value(inside: name, limit: Self.maximumMemberBytes, keeping: false)
        }
        return false
    }

    /// The next element of the array entered last, with its offset; nil after its last.
    public mutating func nextElement(of key: String, limit: Int = maximumUserBytes) throws(BackupReadError) -> (bytes: [UInt8], offset: Int)? {
        guard try hasNextElement(in: key) else { return nil }
        let offset = position
        return (try value(inside: key, limit: limit), offset)
    }

    /// Enters the top-level object.
    public mutating func open() throws(BackupReadError) {
        try skipWhitespace()
        guard try peek() == UInt8(ascii: "{") else { throw error("a backup is a JSON object; this file does not start with '{'") }
        advance()
        firstInContainer.append(true)
    }

    /// After the top-level object: nothing but whitespace.
    public mutating func close() throws(BackupReadError) {
        try skipWhitespace()
        guard try peek() == nil else { throw error("unexpected data after the backup object") }
    }

    /// Enters the object or array (`opening` is `{` or `[`) that starts here; false, reading
    /// nothing, when the value is something else.
    public mutating func enter(_ opening: UInt8) throws(BackupReadError) -> Bool {
        guard try peek() == opening else { return false }
        advance()
        firstInContainer.append(true)
        return true
    }

    /// In an object: the next member's name, read up to its value; nil after the closing '}'.
    public mutating func nextName(in context: String) throws(BackupReadError) -> String? {
        guard try nextItem(closedBy: UInt8(ascii: "}"), in: context) else { return nil }
        guard try peek() == UInt8(ascii: "\"") else { throw error("expected a member name in \"\(context)\"") }
        let keyOffset = position
        let key = try Self.parse(try value(inside: context, limit: Self.maximumMemberBytes), at: keyOffset).string ?? ""
        try skipWhitespace()
        guard try peek() == UInt8(ascii: ":") else { throw error("expected ':' after \"\(key)\"") }
        advance()
        try skipWhitespace()
        return key
    }

    /// In an array: whether another element follows (read up to it); false after the closing ']'.
    private mutating func hasNextElement(in context: String) throws(BackupReadError) -> Bool {
        try nextItem(closedBy: UInt8(ascii: "]"), in: context)
    }

    /// Past the separator before the next item of the innermost container, or past its end.
    private mutating func nextItem(closedBy closing: UInt8, in context: String) throws(BackupReadError) -> Bool {
        try skipWhitespace()
        let first = firstInContainer[firstInContainer.count - 1]
        if try peek() == closing {
            advance()
            firstInContainer.removeLast()
            return false
        }
        if !first {
            guard try peek() == UInt8(ascii: ",") else {
                throw error("expected ',' or '\(Character(Unicode.Scalar(closing)))' in \"\(context)\"")
            }
            advance()
            try skipWhitespace()
        }
        firstInContainer[firstInContainer.count - 1] = false
        return true
    }

    /// The bytes of the value that starts here: strings are skipped escape by escape and
    /// containers bracket by bracket; scalars end at the next delimiter, and `JSON(parsing:)`
    /// checks their spelling. Without `keeping`, the value is only passed over (one a first
    /// pass checked, however large), and nothing is returned.
    @discardableResult
    public mutating func value(inside context: String, limit: Int, keeping: Bool = true) throws(BackupReadError) -> [UInt8] {
        var bytes: [UInt8] = []
        var length = 0
        var depth = 0
        var inString = false
        func take(_ byte: UInt8) {
            if keeping { bytes.append(byte) }
            length += 1
        }
        while let byte = try peek() {
            if inString {
                if byte == UInt8(ascii: "\\") {
                    take(byte)
                    advance()
                    guard let escaped = try peek() else { break }
                    take(escaped)
                    advance()
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { take(byte); advance(); return bytes }
                }
                guard byte >= 0x20 else { throw error("a control character inside a string in \"\(context)\"") }
            } else {
                guard Self.structural[Int(byte)] else { throw error("byte 0x\(String(byte, radix: 16)) in \"\(context)\" is not JSON") }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return try scalar(bytes, length: length) }
                    depth -= 1
                    if depth == 0 { take(byte); advance(); return bytes }
                case UInt8(ascii: ","), 0x20, 0x0A, 0x0D, 0x09:
                    if depth == 0 { return try scalar(bytes, length: length) }
                default: break
                }
            }
            take(byte)
            advance()
            guard !keeping || length <= limit else {
                throw BackupReadError(offset: position, reason: "a value in \"\(context)\" is over \(limit >> 20) MiB: not a backup")
            }
        }
        if depth == 0 && !inString && length > 0 { return bytes }
        throw BackupReadError(offset: position,
                              reason: "the file ends inside \"\(context)\" (\(position) bytes): truncated, perhaps by an interrupted copy")
    }

    /// `bytes`, found at `offset`, parsed; its errors point into the whole file.
    public static func parse(_ bytes: [UInt8], at offset: Int) throws(BackupReadError) -> JSON {
        do {
            return try JSON(parsing: bytes)
        } catch {
            throw BackupReadError(offset: offset + error.offset, reason: error.reason)
        }
    }

    private func scalar(_ bytes: [UInt8], length: Int) throws(BackupReadError) -> [UInt8] {
        guard length > 0 else { throw error("expected a value") }
        return bytes
    }

    /// Where in the file the next byte is.
    public var position: Int { chunkStart + index }

    private mutating func peek() throws(BackupReadError) -> UInt8? {
        while index == chunk.count {
            guard !ended, let next = try read() else {
                ended = true
                return nil
            }
            chunkStart += chunk.count
            chunk = next
            index = 0
        }
        return chunk[index]
    }

    private mutating func advance() { index += 1 }

    private mutating func skipWhitespace() throws(BackupReadError) {
        while let byte = try peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { advance() }
    }

    /// Called right after `peek`, so the end of the file is known.
    private func error(_ reason: String) -> BackupReadError {
        BackupReadError(offset: position, reason: ended && index == chunk.count ? "the file ends early: truncated?" : reason)
    }
}
