import JSON

/// Equality for verify, stricter than `JSON ==`: strings by their bytes (Swift's String equality
/// takes the NFC and NFD spellings of a name for one) and numbers by their exact decimal value
/// (`Double` takes 9007199254740993 for 9007199254740992). `1.0` and `1` are still one value.
enum ExactJSON {
    static func equal(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return Decimal(x) == Decimal(y)
        case let (.string(x), .string(y)): return Array(x.utf8) == Array(y.utf8)
        case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && x.members.allSatisfy { member in
                y.members.contains { Array($0.key.utf8) == Array(member.key.utf8) && equal($0.value, member.value) }
            }
        default: return false
        }
    }

    /// A JSON number as sign, significant digits and exponent, with no leading or trailing zeros:
    /// two spellings of one value give one `Decimal`. Text that is no number stays itself.
    struct Decimal: Equatable {
        let negative: Bool
        let digits: [UInt8]
        let exponent: Int
        let unparsed: String?

        init(_ text: String) {
            let bytes = Array(text.utf8)
            var index = 0
            let negative = bytes.first == UInt8(ascii: "-")
            if negative { index += 1 }
            var digits: [UInt8] = []
            var exponent = 0
            var seenPoint = false
            var valid = index < bytes.count
            while index < bytes.count, bytes[index] != UInt8(ascii: "e"), bytes[index] != UInt8(ascii: "E") {
                let byte = bytes[index]
                if byte == UInt8(ascii: ".") && !seenPoint {
                    seenPoint = true
                } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                    digits.append(byte)
                    if seenPoint { exponent -= 1 }
                } else {
                    valid = false
                }
                index += 1
            }
            if index < bytes.count {
                if let value = Int(String(decoding: bytes[(index + 1)...], as: UTF8.self)) { exponent += value } else { valid = false }
            }
            while digits.first == UInt8(ascii: "0") { digits.removeFirst() }
            while digits.last == UInt8(ascii: "0") {
                digits.removeLast()
                exponent += 1
            }
            self.negative = negative && !digits.isEmpty
            self.digits = digits
            self.exponent = digits.isEmpty ? 0 : exponent
            unparsed = valid ? nil : text
        }
    }
}
