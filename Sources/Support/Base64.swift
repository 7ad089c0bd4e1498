/// RFC 4648 base64 with padding: how Cognito's JSON protocol carries a blob such as
/// SetUICustomization's `ImageFile`, and how S3 takes a part's SHA-256. Encoding only: nothing we
/// read is a blob we must look inside.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var encoded: [UInt8] = []
        encoded.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let group = UInt32(bytes[index]) << 16
                | (remaining > 1 ? UInt32(bytes[index + 1]) << 8 : 0)
                | (remaining > 2 ? UInt32(bytes[index + 2]) : 0)
            encoded.append(alphabet[Int(group >> 18 & 0x3F)])
            encoded.append(alphabet[Int(group >> 12 & 0x3F)])
            encoded.append(remaining > 1 ? alphabet[Int(group >> 6 & 0x3F)] : UInt8(ascii: "="))
            encoded.append(remaining > 2 ? alphabet[Int(group & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: encoded, as: UTF8.self)
    }
}
