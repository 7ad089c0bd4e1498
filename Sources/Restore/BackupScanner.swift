import JSON

/// Reads a backup front to back in bounded chunks: the top-level members one by one, and the
/// `users` array one user at a time, each handed out and let go. A backup is never in memory
/// whole, nor its users, so a truncated, mangled or enormous file is caught while scanning, with
/// flat memory, before anything has been written.
struct BackupScanner {
    /// The next chunk of the file, or nil at its end.
    private let read: () throws(BackupReadError) -> [UInt8]?
    private var chunk: [UInt8] = []
    private var index = 0
    /// Offset in the file of `chunk`'s first byte.
    private var chunkStart = 0
    private var ended = false
    /// For each container entered and not yet left: whether its first item is still to come.
    private var firstInContainer: [Bool] = []

    /// The most a member other than `users` may take (group memberships of a pool of millions
    /// fit), and one user (50 custom attributes of 2,048 characters fit): what keeps a file of
    /// garbage from growing one value without end.
    static let maximumMemberBytes = 128 * 1024 * 1024
    static let maximumUserBytes = 1024 * 1024
    /// Bytes JSON allows outside strings: whitespace, brackets, separators, and those of numbers,
    /// `true`, `false` and `null`. Anything else (a run of zeros, binary data) is refused at once.
    private static let structural: [Bool] = {
        var allowed = [Bool](repeating: false, count: 256)
        for byte in Array(" \t\r\n{}[],:\"0123456789+-.eEtruefalsn".utf8) { allowed[Int(byte)] = true }
        return allowed
    }()

    init(read: @escaping () throws(BackupReadError) -> [UInt8]?) { self.read = read }

    /// Scans the whole backup: every member but `arrayKey` is handed to `member` with its bytes;
    /// the elements of `arrayKey` (an array) go to `element`, one at a time, with their offsets.
    /// Returns whether the backup has that array.
    mutating func scan(streaming arrayKey: String, member: (String, [UInt8], Int) throws(BackupReadError) -> Void,
                       element: ([UInt8], Int) throws(BackupReadError) -> Void) throws(BackupReadError) -> Bool {
        var streamed = false
        try open()
        while let key = try nextName(in: "the backup") {
            if key == arrayKey, try enter(UInt8(ascii: "[")) {
                while try hasNextElement(in: key) {
                    let offset = position
                    try element(try value(inside: key, limit: Self.maximumUserBytes), offset)
                }
                streamed = true
            } else {
                let offset = position
                try member(key, try value(inside: key, limit: Self.maximumMemberBytes), offset)
            }
        }
        try close()
        return streamed
    }

    /// Reads up to the `arrayKey` array's first element, handing every member before it to
    /// `member`; false if the backup has no such array. `nextElement` then reads it.
    mutating func seek(toArray arrayKey: String, member: (String, [UInt8], Int) throws(BackupReadError) -> Void) throws(BackupReadError) -> Bool {
        try open()
        while let key = try nextName(in: "the backup") {
            if key == arrayKey, try enter(UInt8(ascii: "[")) { return true }
            let offset = position
            try member(key, try value(inside: key, limit: Self.maximumMemberBytes), offset)
        }
        return false
    }

    /// The next element of the array `seek` found, with its offset; nil after its last.
    mutating func nextElement(of key: String, limit: Int = maximumUserBytes) throws(BackupReadError) -> (bytes: [UInt8], offset: Int)? {
        guard try hasNextElement(in: key) else { return nil }
        let offset = position
        return (try value(inside: key, limit: limit), offset)
    }

    /// Enters the top-level object.
    mutating func open() throws(BackupReadError) {
        try skipWhitespace()
        guard try peek() == UInt8(ascii: "{") else { throw error("a backup is a JSON object; this file does not start with '{'") }
        advance()
        firstInContainer.append(true)
    }

    /// After the top-level object: nothing but whitespace.
    mutating func close() throws(BackupReadError) {
        try skipWhitespace()
        guard try peek() == nil else { throw error("unexpected data after the backup object") }
    }

    /// Enters the object or array (`opening` is `{` or `[`) that starts here; false, reading
    /// nothing, when the value is something else.
    mutating func enter(_ opening: UInt8) throws(BackupReadError) -> Bool {
        guard try peek() == opening else { return false }
        advance()
        firstInContainer.append(true)
        return true
    }

    /// In an object: the next member's name, read up to its value; nil after the closing '}'.
    mutating func nextName(in context: String) throws(BackupReadError) -> String? {
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
    /// checks their spelling.
    mutating func value(inside context: String, limit: Int) throws(BackupReadError) -> [UInt8] {
        var bytes: [UInt8] = []
        var depth = 0
        var inString = false
        while let byte = try peek() {
            if inString {
                if byte == UInt8(ascii: "\\") {
                    bytes.append(byte)
                    advance()
                    guard let escaped = try peek() else { break }
                    bytes.append(escaped)
                    advance()
                    continue
                }
                if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { bytes.append(byte); advance(); return bytes }
                }
                guard byte >= 0x20 else { throw error("a control character inside a string in \"\(context)\"") }
            } else {
                guard Self.structural[Int(byte)] else { throw error("byte 0x\(String(byte, radix: 16)) in \"\(context)\" is not JSON") }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return try scalar(bytes) }
                    depth -= 1
                    if depth == 0 { bytes.append(byte); advance(); return bytes }
                case UInt8(ascii: ","), 0x20, 0x0A, 0x0D, 0x09:
                    if depth == 0 { return try scalar(bytes) }
                default: break
                }
            }
            bytes.append(byte)
            advance()
            guard bytes.count <= limit else {
                throw BackupReadError(offset: position, reason: "a value in \"\(context)\" is over \(limit >> 20) MiB: not a backup")
            }
        }
        if depth == 0 && !inString && !bytes.isEmpty { return bytes }
        throw BackupReadError(offset: position,
                              reason: "the file ends inside \"\(context)\" (\(position) bytes): truncated, perhaps by an interrupted copy")
    }

    /// `bytes`, found at `offset`, parsed; its errors point into the whole file.
    static func parse(_ bytes: [UInt8], at offset: Int) throws(BackupReadError) -> JSON {
        do {
            return try JSON(parsing: bytes)
        } catch {
            throw BackupReadError(offset: offset + error.offset, reason: error.reason)
        }
    }

    private func scalar(_ bytes: [UInt8]) throws(BackupReadError) -> [UInt8] {
        guard !bytes.isEmpty else { throw error("expected a value") }
        return bytes
    }

    /// Where in the file the next byte is.
    var position: Int { chunkStart + index }

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
