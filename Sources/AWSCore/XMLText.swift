/// Just enough XML for S3's small, flat responses: the text of named elements.
public enum XMLText {
    public static func values(of element: String, in xml: String) -> [String] {
        var results: [String] = []
        var rest = Substring(xml)
        let open = "<\(element)>", close = "</\(element)>"
        while let start = rest.firstRange(of: open), let end = rest[start.upperBound...].firstRange(of: close) {
            results.append(unescape(rest[start.upperBound..<end.lowerBound]))
            rest = rest[end.upperBound...]
        }
        return results
    }

    public static func value(of element: String, in xml: String) -> String? { values(of: element, in: xml).first }

    /// XML's five predefined entities: one table for both directions.
    static let entities: [(character: Character, name: Substring)] = [
        ("&", "amp"), ("<", "lt"), (">", "gt"), ("\"", "quot"), ("'", "apos"),
    ]

    public static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            if let entity = entities.first(where: { $0.character == c }) { out += "&\(entity.name);" } else { out.append(c) }
        }
        return out
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var out = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else {
                // A bare ampersand with no entity after it is kept as it is.
                rest = rest[amp...]
                break
            }
            let entity = rest[rest.index(after: amp)..<semi]
            if let known = entities.first(where: { $0.name == entity }) {
                out.append(known.character)
            } else {
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
