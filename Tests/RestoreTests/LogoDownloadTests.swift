import Backup
import HTTP
import TestSupport
import Testing

/// The logo's download against a local server: what is asked for, and each way it can fail.
struct LogoDownloadTests {
    /// Plain HTTP is allowed here only because the test server has no TLS.
    func download(maxBytes: Int = LogoDownload.cognitoLimit, timeouts: HTTPTimeouts = LogoDownload.timeouts) -> LogoDownload {
        LogoDownload(maxBytes: maxBytes, timeouts: timeouts, schemes: ["http"])
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 0x2A, count: 900)

    @Test func imageIsFetchedAskingForOneByteMoreThanTheLimit() async throws {
        let server = try ScriptedServer([.respond(status: 200, headers: [("Content-Type", "image/png")], body: Self.png)])
        defer { server.stop() }

        let image = try await download().image(at: server.baseURL + "/eu-west-1_Rec0rded1/ALL/20241118/assets/images/image.jpg")

        #expect(image == Self.png)
        #expect(server.requests.map(\.method) == ["GET"])
        #expect(server.requests.first?.path == "/eu-west-1_Rec0rded1/ALL/20241118/assets/images/image.jpg")
        #expect(server.requests.first?.header("Range") == "bytes=0-102400")
    }

    @Test func partialContentWithinTheLimitIsTheWholeImage() async throws {
        let server = try ScriptedServer([.respond(status: 206, headers: [("Content-Range", "bytes 0-907/908")], body: Self.png)])
        defer { server.stop() }

        #expect(try await download().image(at: server.baseURL + "/logo.png") == Self.png)
    }

    @Test func imageLargerThanTheLimitIsRefused() async throws {
        // A server that ignores Range sends the whole file.
        let server = try ScriptedServer([.respond(status: 200, headers: [], body: Array(repeating: 0x2A, count: 1_025))])
        defer { server.stop() }

        let error = await #expect(throws: LogoDownloadError.self) { try await download(maxBytes: 1_024).image(at: server.baseURL + "/big.png") }

        #expect(error?.description == "downloading \(server.baseURL)/big.png failed: larger than Cognito's 1 KB limit for a logo")
    }

    @Test func refusedDownloadNamesTheURLAndTheStatus() async throws {
        let server = try ScriptedServer([.respond(403, headers: [("Content-Type", "application/xml")],
                                                  body: "<Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>")])
        defer { server.stop() }

        let error = await #expect(throws: LogoDownloadError.self) { try await download().image(at: server.baseURL + "/gone.png") }

        #expect(error?.description == "downloading \(server.baseURL)/gone.png failed: HTTP 403")
    }

    @Test func stalledServerIsGivenUpOnAtTheTimeout() async throws {
        let server = try ScriptedServer([.stall(seconds: 8)])
        defer { server.stop() }
        let timeouts = HTTPTimeouts(connectMilliseconds: 1_000, totalMilliseconds: 1_000, stallSeconds: nil)

        let error = await #expect(throws: LogoDownloadError.self) { try await download(timeouts: timeouts).image(at: server.baseURL + "/slow.png") }

        guard case .transport(let transport)? = error?.reason else {
            Issue.record("expected a transport error, got \(String(describing: error))")
            return
        }
        #expect(transport.kind == .timeout)
    }

    @Test(arguments: ["http://d111111abcdef8.cloudfront.net/logo.png", "file:///etc/passwd", "d111111abcdef8.cloudfront.net/logo.png"])
    func onlyHTTPSURLsAreFetchedByDefault(url: String) async throws {
        let error = await #expect(throws: LogoDownloadError.self) { try await LogoDownload().image(at: url) }

        guard case .unsupportedScheme? = error?.reason else {
            Issue.record("expected the scheme to be refused, got \(String(describing: error))")
            return
        }
    }
}
