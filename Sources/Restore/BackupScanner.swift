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
        try skipWhitespace()
        guard try peek() == UInt8(ascii: "{") else { throw error("a backup is a JSON object; this file does not start with '{'") }
        advance()
        try skipWhitespace()
        if try peek() == UInt8(ascii: "}") { advance() } else {
            while true {
                guard try peek() == UInt8(ascii: "\"") else { throw error("expected a member name") }
                let keyOffset = position
                let key = try Self.parse(try value(inside: "the backup", limit: Self.maximumMemberBytes), at: keyOffset).string ?? ""
                try skipWhitespace()
                guard try peek() == UInt8(ascii: ":") else { throw error("expected ':' after \"\(key)\"") }
                advance()
                try skipWhitespace()
                if key == arrayKey, try peek() == UInt8(ascii: "[") {
                    try elements(of: key, element)
                    streamed = true
                } else {
                    let offset = position
                    try member(key, try value(inside: key, limit: Self.maximumMemberBytes), offset)
                }
                try skipWhitespace()
                if try peek() == UInt8(ascii: ",") { advance(); try skipWhitespace(); continue }
                guard try peek() == UInt8(ascii: "}") else { throw error("expected ',' or '}' after \"\(key)\"") }
                advance()
                break
            }
        }
        try skipWhitespace()
        guard try peek() == nil else { throw error("unexpected data after the backup object") }
        return streamed
    }

    private mutating func elements(of key: String, _ element: ([UInt8], Int) throws(BackupReadError) -> Void) throws(BackupReadError) {
        advance()
        try skipWhitespace()
        if try peek() == UInt8(ascii: "]") { advance(); return }
        while true {
            let offset = position
            try element(try value(inside: key, limit: Self.maximumUserBytes), offset)
            try skipWhitespace()
            if try peek() == UInt8(ascii: ",") { advance(); try skipWhitespace(); continue }
            guard try peek() == UInt8(ascii: "]") else { throw error("expected ',' or ']' in \"\(key)\"") }
            advance()
            return
        }
    }

    /// The bytes of the value that starts here: strings are skipped escape by escape and
    /// containers bracket by bracket; scalars end at the next delimiter, and `JSON(parsing:)`
    /// checks their spelling.
    private mutating func value(inside context: String, limit: Int) throws(BackupReadError) -> [UInt8] {
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
