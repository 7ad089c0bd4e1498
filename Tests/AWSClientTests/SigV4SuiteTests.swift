@testable import Signing
@testable import Support
import Foundation
import JSON
import Testing

/// The official SigV4 test suite (awslabs/aws-c-auth), copied into Resources with its licence:
/// each case must match the canonical request, string to sign and signature byte for byte.
struct SigV4SuiteTests {
    static let suiteDirectory = Bundle.module.url(forResource: "Resources", withExtension: nil)!.path + "/sigv4-test-suite/v4"
    static let caseNames: [String] = (try? FileManager.default.contentsOfDirectory(atPath: suiteDirectory))?.sorted() ?? []

    @Test func suiteHasAllThirtyEightCases() {
        #expect(Self.caseNames.count == 38)
    }

    @Test(arguments: caseNames)
    func headerSigningMatchesVector(_ name: String) throws {
        let vector = try SuiteCase(directory: "\(Self.suiteDirectory)/\(name)")
        let signer = vector.signer
        var request = vector.request
        request.headers += signer.addedHeaders(for: request, at: vector.time)
        let canonical = signer.canonicalRequest(request)
        #expect(canonical.text == vector.expected("header-canonical-request.txt"))
        let stringToSign = signer.stringToSign(canonicalRequest: canonical.text, at: vector.time)
        #expect(stringToSign == vector.expected("header-string-to-sign.txt"))
        #expect(signer.signature(stringToSign: stringToSign, at: vector.time) == vector.expected("header-signature.txt"))

        let authorization = signer.signingHeaders(for: vector.request, at: vector.time).first { $0.name == "Authorization" }?.value
        #expect(vector.expected("header-signed-request.txt").contains("Authorization:\(authorization ?? "missing")"))
    }
}

/// One folder of the suite: context.json plus the raw request.txt.
struct SuiteCase {
    let directory: String
    let signer: SigV4Signer
    let request: SignableRequest
    let time: UTCTime

    init(directory: String) throws {
        self.directory = directory
        let context = try JSON(parsing: try String(contentsOfFile: "\(directory)/context.json", encoding: .utf8))
        let credentials = Credentials(accessKeyID: context["credentials"]!["access_key_id"]!.string!,
                                      secretAccessKey: context["credentials"]!["secret_access_key"]!.string!,
                                      sessionToken: context["credentials"]!["token"]?.string)
        signer = SigV4Signer(credentials: credentials, region: context["region"]!.string!, service: context["service"]!.string!,
                             normalizesPath: context["normalize"]!.bool!, sendsPayloadHash: context["sign_body"]!.bool!,
                             signsSessionToken: !(context["omit_session_token"]?.bool ?? false))
        time = UTCTime(iso8601: context["timestamp"]!.string!)!
        request = try Self.parseRequest(String(contentsOfFile: "\(directory)/request.txt", encoding: .utf8))
    }

    func expected(_ file: String) -> String {
        (try? String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)) ?? "<missing \(file)>"
    }

    static func percentDecoded(_ text: Substring) -> String { String(text).removingPercentEncoding ?? String(text) }

    /// The raw HTTP/1.1 text: request line, headers (a line starting with white space continues
    /// the previous one), a blank line, the body.
    static func parseRequest(_ text: String) throws -> SignableRequest {
        var lines = text.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let method = String(requestLine[..<requestLine.firstIndex(of: " ")!])
        let target = String(requestLine[requestLine.index(after: requestLine.firstIndex(of: " ")!)..<requestLine.lastIndex(of: " ")!])
        var headers: [(name: String, value: String)] = []
        while let line = lines.first, !line.isEmpty {
            lines.removeFirst()
            if line.first == " " || line.first == "\t" {
                headers[headers.count - 1].value += " " + line
            } else {
                let colon = line.firstIndex(of: ":")!
                headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        let body = lines.isEmpty ? "" : lines.dropFirst().joined(separator: "\n")
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let query = parts.count > 1 ? parts[1].split(separator: "&").map { pair -> (name: String, value: String) in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.percentDecoded(kv[0]), kv.count > 1 ? Self.percentDecoded(kv[1]) : "")
        } : []
        return SignableRequest(method: method, path: Self.percentDecoded(parts[0]), query: query, headers: headers,
                               payload: .init(body: Array(body.utf8)))
    }
}
