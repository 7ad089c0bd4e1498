import Signing
import Testing

struct SHA256StateTests {
    /// FIPS 180-2's two-block example, cut at every offset: the digest is the same whether or not
    /// the state went through bytes in between, as it does between two Lambda invocations.
    @Test func testADigestSavedAndRestoredAtAnyOffsetIsTheDigestOfTheWhole() throws {
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        for cut in 0...message.count {
            let first = SHA256Hasher()
            first.update(message[..<cut])
            let resumed = try #require(SHA256Hasher(state: first.state))
            resumed.update(message[cut...])
            #expect(resumed.finalize().hexString == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        }
    }

    @Test func testAStateOfAnotherSizeIsRefused() {
        #expect(SHA256Hasher(state: Array(SHA256Hasher().state.dropLast())) == nil)
    }
}
