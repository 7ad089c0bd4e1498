/// A JSON number as sign, significant digits and exponent, with no leading or trailing zeros:
/// two spellings of one value give one `Decimal`. Text that is no number stays itself.
struct JSONDecimal: Equatable {
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
