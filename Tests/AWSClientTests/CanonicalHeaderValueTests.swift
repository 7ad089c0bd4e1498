@testable import Signing
import Testing

struct CanonicalHeaderValueTests {
    @Test(arguments: [
        ("a", "a"), ("a b", "a b"), ("", ""), (" a", "a"), ("a ", "a"), ("a  b", "a b"), ("a\tb", "a b"),
        ("a\n b", "a b"), ("  ", ""), ("application/x-amz-json-1.1", "application/x-amz-json-1.1"),
    ])
    func whiteSpaceIsTrimmedAndEachRunFoldedToOneSpace(_ value: String, _ canonical: String) {
        #expect(SigV4Signer.canonicalHeaderValue(value) == canonical)
    }
}
