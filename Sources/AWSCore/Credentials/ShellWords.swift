/// A command line split into words the way a POSIX shell would, without running a shell: so
/// `credential_process = "/opt/my tool" --profile 'a b'` runs exactly what it says and nothing
/// in it (`;`, `$()`, redirections) is interpreted.
enum ShellWords {
    /// nil when a quote is left open.
    static func split(_ text: String) -> [String]? {
        var words: [String] = []
        var word = ""
        var inWord = false
        var characters = text.makeIterator()
        while let c = characters.next() {
            switch c {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "'":
                inWord = true
                guard let end = read(&characters, until: "'", escapes: []) else { return nil }
                word += end
            case "\"":
                inWord = true
                // Inside double quotes a backslash escapes only these, as in sh.
                guard let end = read(&characters, until: "\"", escapes: ["\"", "\\", "$", "`"]) else { return nil }
                word += end
            case "\\":
                inWord = true
                if let next = characters.next() { word.append(next) }
            default:
                inWord = true
                word.append(c)
            }
        }
        if inWord { words.append(word) }
        return words
    }

    private static func read(_ characters: inout String.Iterator, until close: Character, escapes: Set<Character>) -> String? {
        var text = ""
        while let c = characters.next() {
            if c == close { return text }
            if c == "\\", !escapes.isEmpty, let next = characters.next() {
                if !escapes.contains(next) { text.append(c) }
                text.append(next)
                continue
            }
            text.append(c)
        }
        return nil
    }
}
