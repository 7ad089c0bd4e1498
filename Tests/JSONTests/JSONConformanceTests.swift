import JSON
import Testing

/// The parser against JSONTestSuite's parsing corpus (beside the repository): every y_ document
/// read and written again says what it said, every n_ document refused, no i_ document crashing,
/// and the same verdicts from the parser and the page checker.
struct JSONConformanceTests {
    @Test func everyValidDocumentIsReadAndWrittenAgainUnchanged() throws {
        for (name, bytes) in RawJSONObjectTests.corpus where name.hasPrefix("y_") {
            let value = try #require(try? JSON(parsing: bytes), "\(name)")
            #expect(try JSON(parsing: value.serializedBytes) == value, "\(name)")
            #expect(try JSON(parsing: value.serializedBytes).serializedBytes == value.serializedBytes, "\(name)")
        }
    }

    @Test func everyInvalidDocumentIsRefused() {
        for (name, bytes) in RawJSONObjectTests.corpus where name.hasPrefix("n_") {
            #expect(throws: JSONParseError.self, "\(name)") { _ = try JSON(parsing: bytes) }
        }
    }

    @Test func theParserAndThePageCheckerAgreeOnEveryDocument() {
        for (name, bytes) in RawJSONObjectTests.corpus {
            let parsed = (try? JSON(parsing: bytes)) != nil
            let checked = (try? RawJSONObject(validating: RawJSONObjectTests.wrapped(bytes))) != nil
            #expect(parsed == checked, "\(name): parser \(parsed), checker \(checked)")
        }
    }

    @Test func invalidUTF8AndLoneSurrogatesAreRefusedNotRepaired() throws {
        for text in [[0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xC0, 0xAF, 0x22]] as [[UInt8]] {
            #expect(throws: JSONParseError.self) { _ = try JSON(parsing: text) }
        }
        #expect(throws: JSONParseError.self) { _ = try JSON(parsing: #""\ud800""#) }
        #expect(throws: JSONParseError.self) { _ = try JSON(parsing: #""\udc00\ud800""#) }
        #expect(try JSON(parsing: #""\ud83d\ude00""#) == .string("😀"))
    }

    /// RFC 8259 leaves duplicate names to the reader: both are kept, in order, so the document
    /// is written again as it was; a lookup finds the first.
    @Test func duplicateNamesAreKeptInOrderAndTheFirstIsFound() throws {
        let text = #"{"a":1,"b":2,"a":3}"#
        let value = try JSON(parsing: text)
        #expect(value.serialized == text)
        #expect(value["a"] == .number("1"))
    }

    @Test func valuesAreEqualExactly() throws {
        #expect(try JSON(parsing: "1.0") == JSON(parsing: "1") && JSON(parsing: "1e2") == JSON(parsing: "100"))
        #expect(try JSON(parsing: "9007199254740993") != JSON(parsing: "9007199254740992"))
        #expect(JSON.string("Jos\u{E9}") != JSON.string("Jose\u{301}"))
        #expect(try JSON(parsing: #"{"a":1,"b":2}"#) == JSON(parsing: #"{"b":2,"a":1}"#))
        #expect(try JSON(parsing: #"{"a":1,"a":2}"#) != JSON(parsing: #"{"a":2,"a":1}"#))
    }
}
