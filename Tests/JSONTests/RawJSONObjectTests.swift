import Foundation
import JSON
import Testing

struct RawJSONObjectTests {
    /// JSONTestSuite's parsing corpus, beside the repository as `../shared/json-test-suite`.
    static let corpus: [(name: String, bytes: [UInt8])] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.deletingLastPathComponent().appendingPathComponent("shared/json-test-suite/test_parsing")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { ($0, Array(try! Data(contentsOf: folder.appendingPathComponent($0)))) }
    }()

    /// Every case of the corpus as the value of a member, which is where the checker meets values.
    static func wrapped(_ bytes: [UInt8]) -> [UInt8] { Array(#"{"v":"#.utf8) + bytes + Array("}".utf8) }

    @Test func theCorpusIsThere() {
        #expect(Self.corpus.count > 300, "JSONTestSuite's test_parsing not found beside the repository")
    }

    @Test func everyValidDocumentOfTheCorpusIsAccepted() {
        for (name, bytes) in Self.corpus where name.hasPrefix("y_") {
            #expect(throws: Never.self, "\(name)") { _ = try RawJSONObject(validating: Self.wrapped(bytes)) }
        }
    }

    @Test func everyInvalidDocumentOfTheCorpusIsRefused() {
        for (name, bytes) in Self.corpus where name.hasPrefix("n_") {
            #expect(throws: JSONParseError.self, "\(name)") { _ = try RawJSONObject(validating: Self.wrapped(bytes)) }
        }
    }

    @Test func implementationDefinedCasesNeverCrashAndInvalidUTF8IsRefused() {
        for (name, bytes) in Self.corpus where name.hasPrefix("i_") {
            let accepted = (try? RawJSONObject(validating: Self.wrapped(bytes))) != nil
            // Bytes are copied as they came: a string that is not UTF-8 must not get through.
            if name.contains("invalid_utf") || name.contains("UTF-16") || name.contains("utf16") || name.contains("overlong") {
                #expect(!accepted, "\(name)")
            }
        }
    }

    @Test func membersAreFoundByByteRangeAndParsedOnlyWhenAskedFor() throws {
        let page = try RawJSONObject(validating: Array(#" {"Users":[{"Username":"jos\u00e9","Attributes":[{"Name":"x","Value":"}]"}]},{"Username":"b\"o"}],"PaginationToken":"t1"} "#.utf8))
        let users = page.elements(of: "Users")
        #expect(users.map { String(decoding: $0, as: UTF8.self) } == [
            #"{"Username":"jos\u00e9","Attributes":[{"Name":"x","Value":"}]"}]}"#, #"{"Username":"b\"o"}"#,
        ])
        #expect(users.map { page.member("Username", of: $0)?.string } == ["josé", "b\"o"])
        #expect(page.member("Missing", of: users[1]) == nil && page.member("Username", of: users[1])?.string == "b\"o")
        #expect(page["PaginationToken"]?.string == "t1")
        #expect(page["Missing"] == nil && page.elements(of: "PaginationToken").isEmpty)
    }

    @Test func onlyAnElementsOwnMembersAreFoundNotThoseNestedInIt() throws {
        let page = try RawJSONObject(validating: Array(#"{"Users":[{"Attributes":[{"Username":"inner"}],"Username":"outer"},{"Attributes":{"Username":"x"}}]}"#.utf8))
        let users = page.elements(of: "Users")
        #expect(users.map { page.member("Username", of: $0)?.string } == ["outer", nil])
    }

    @Test func elementsThatAreNotObjectsHaveNoMembers() throws {
        let page = try RawJSONObject(validating: Array(#"{"Users":[1,"Username",[{"Username":"a"}],{"Username":"b"}]}"#.utf8))
        let users = page.elements(of: "Users")
        #expect(users.map { String(decoding: $0, as: UTF8.self) } == ["1", #""Username""#, #"[{"Username":"a"}]"#, #"{"Username":"b"}"#])
        #expect(users.map { page.member("Username", of: $0)?.string } == [nil, nil, nil, "b"])
    }

    @Test func eachArrayMemberKeepsItsOwnElements() throws {
        let page = try RawJSONObject(validating: Array(#"{"A":[{"k":"1"}],"B":[],"C":[{"k":"2"},{"k":"3"}]}"#.utf8))
        #expect(page.elements(of: "A").map { page.member("k", of: $0)?.string } == ["1"])
        #expect(page.elements(of: "B").isEmpty)
        #expect(page.elements(of: "C").map { page.member("k", of: $0)?.string } == ["2", "3"])
    }

    /// Pages broken inside a user, where the one pass that checks also notes the user's members.
    @Test(arguments: [
        #"{"Users":[{"Username":"a",}]}"#, #"{"Users":[{"Username" "a"}]}"#, #"{"Users":[{"Username":"a"},]}"#,
        #"{"Users":[{"Username":"a"}"#, #"{"Users":[{"Username":"a\x"}]}"#, #"{"Users":[{"UserCreateDate":1.}]}"#,
        #"{"Users":[{"Username":"a"}]]}"#, #"{"Users":[{1:"a"}]}"#, #"{"Users":[{"Username":"a"} {"Username":"b"}]}"#,
    ])
    func aPageBrokenInsideAUserIsRefused(_ text: String) {
        #expect(throws: JSONParseError.self) { _ = try RawJSONObject(validating: Array(text.utf8)) }
    }

    @Test func aPageWithInvalidUTF8InsideAUserIsRefused() {
        let page = Array(#"{"Users":[{"Username":""#.utf8) + [0xC3, 0x28] + Array(#""}]}"#.utf8)
        #expect(throws: JSONParseError.self) { _ = try RawJSONObject(validating: page) }
    }

    @Test(arguments: [#"[1]"#, #"{"a":1} x"#, #"{"a":"\ud800"#, "{\"a\":\"\u{01}\"}", #"{"a":01}"#])
    func whatIsNotOneValidObjectIsRefused(_ text: String) {
        #expect(throws: JSONParseError.self) { _ = try RawJSONObject(validating: Array(text.utf8)) }
    }
}
