import Support
import Testing

struct Base64Tests {
    /// RFC 4648, section 10.
    @Test(arguments: [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                      ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")])
    func encodesTheRFC4648TestVectors(input: String, expected: String) {
        #expect(Base64.encode(Array(input.utf8)) == expected)
    }

    @Test func highBitsUseTheLastTwoLettersOfTheAlphabet() {
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
        #expect(Base64.encode([0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF]) == "AAAA////")
    }

    @Test func everyByteValueRoundsTheLengthUpToWholeGroupsOfFour() {
        let bytes = (0...255).map(UInt8.init)
        let encoded = Base64.encode(bytes)
        #expect(encoded.count == 344)
        #expect(encoded.hasPrefix("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"))
        #expect(encoded.hasSuffix("+/w=="))
    }
}
