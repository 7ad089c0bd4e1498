@testable import Signing
import Testing

/// HMAC-SHA256 against RFC 4231's test cases.
struct CryptoTests {
    @Test func hmacMatchesRFC4231ForAShortKey() {
        #expect(Crypto.hmacSHA256(key: Array("Jefe".utf8), Array("what do ya want for nothing?".utf8)).hexString
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func hmacMatchesRFC4231ForAKeyLongerThanABlock() {
        let key = [UInt8](repeating: 0xAA, count: 131)
        #expect(Crypto.hmacSHA256(key: key, Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)).hexString
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }
}
