import JSON
import Testing

struct JSONTests {
    @Test func numbersAndKeyOrderSurviveARoundTrip() throws {
        let text = #"{"z":1.700000000123E9,"a":[1,-0.5,12345678901234567890],"m":{"b":true,"a":null}}"#
        #expect(try JSON(parsing: text).serialized == text)
    }

    @Test func escapesAndUnicodeAreDecodedAndReEncoded() throws {
        let value = try JSON(parsing: #"{"s":"tab\tquote\"slash\/ \u00fc \ud83d\ude00 ☃"}"#)
        #expect(value["s"]?.string == "tab\tquote\"slash/ ü 😀 ☃")
        #expect(try JSON(parsing: value.serialized) == value)
    }

    @Test func controlCharactersAreEscapedOnOutput() {
        #expect(JSON.string("a\u{01}b\nc").serialized == #""a\u0001b\nc""#)
    }

    @Test(arguments: [#"{"a":1"#, #"{"a":"#, #"[1,2"#, #""abc"#, #"{"a":tru"#, ""])
    func truncatedInputIsAnError(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON(parsing: text) }
    }

    @Test(arguments: [#"{"a":1,}"#, "[01x]", #"{"a" 1}"#, "nul", "1 2", #"{"a":"\x"}"#])
    func malformedInputIsAnError(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON(parsing: text) }
    }

    @Test func deepNestingIsRefusedInsteadOfExhaustingTheStack() {
        #expect(throws: JSONParseError.self) { try JSON(parsing: String(repeating: "[", count: 100_000)) }
    }

    @Test func objectEqualityIgnoresMemberOrderAndNumberSpelling() throws {
        #expect(try JSON(parsing: #"{"a":1,"b":2.0}"#) == JSON(parsing: #"{"b":2,"a":1.0}"#))
        #expect(try JSON(parsing: #"{"a":1}"#) != JSON(parsing: #"{"a":1,"b":2}"#))
    }

    @Test func subscriptAssignmentAddsReplacesAndRemovesMembers() {
        var object: JSONObject = ["a": 1]
        object["b"] = "x"
        object["a"] = 2
        object["b"] = nil
        #expect(JSON.object(object).serialized == #"{"a":2}"#)
    }
}
