#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport
@testable import HTTP

/// The libcurl transport on its own: how each fault is classified, that limits hold, and that one
/// client serves many tasks at once over reused connections.
struct HTTPClientTests {
    private let http = HTTPClient.shared

    private func get(_ server: ScriptedServer, _ path: String = "/", timeouts: HTTPTimeouts = .standard) async throws(TransportError) -> HTTPResponse {
        try await http.send(HTTPRequest(method: "GET", url: server.baseURL + path, timeouts: timeouts))
    }

    @Test func stalledResponseTimesOutAtTheTotalLimit() async throws {
        let server = try ScriptedServer([.stall(seconds: 8)])
        defer { server.stop() }
        let timeouts = HTTPTimeouts(connectMilliseconds: 1_000, totalMilliseconds: 1_000, stallSeconds: nil)

        let (error, seconds) = await Fixture.elapsed { await #expect(throws: TransportError.self) { try await get(server, timeouts: timeouts) } }

        #expect(error?.kind == .timeout)
        #expect(seconds >= 0.9 && seconds < 3)
    }

    @Test func stalledResponseTimesOutAtTheStallLimit() async throws {
        let server = try ScriptedServer([.stall(seconds: 8)])
        defer { server.stop() }
        let timeouts = HTTPTimeouts(connectMilliseconds: 1_000, totalMilliseconds: nil, stallSeconds: 1)

        let (error, seconds) = await Fixture.elapsed { await #expect(throws: TransportError.self) { try await get(server, timeouts: timeouts) } }

        #expect(error?.kind == .timeout)
        #expect(seconds >= 0.9 && seconds < 4)
    }

    @Test func cancelledSendEndsAtOnceAndClosesTheConnection() async throws {
        let server = try ScriptedServer([.stall(seconds: 8)])
        defer { server.stop() }
        let sending = Task { try await get(server) }
        try await Fixture.waitUntil { server.requests.count == 1 }

        let (result, seconds) = await Fixture.elapsed {
            sending.cancel()
            return await sending.result
        }

        let error = #expect(throws: TransportError.self) { try result.get() }
        #expect(error?.kind == .cancelled)
        // Typically a few milliseconds; the bound leaves room for a loaded machine and is still
        // far from the eight-second stall.
        #expect(seconds < 2, "took \(seconds) s")
        try await Fixture.waitUntil { server.connectionsClosedDuringStall == 1 }
    }

    @Test func responseOverTheSizeLimitIsAbandonedAsTooLarge() async throws {
        let server = try ScriptedServer([.respond(200, body: String(repeating: "x", count: 2 * 1024 * 1024))])
        defer { server.stop() }

        let error = await #expect(throws: TransportError.self) {
            try await http.send(HTTPRequest(method: "GET", url: server.baseURL + "/", maxResponseBytes: 1024 * 1024))
        }

        #expect(error?.kind == .tooLarge)
    }

    @Test func responseOfExactlyTheSizeLimitIsWhole() async throws {
        let body = String(repeating: "x", count: 64 * 1024)
        let server = try ScriptedServer([.respond(200, body: body)])
        defer { server.stop() }

        let response = try await http.send(HTTPRequest(method: "GET", url: server.baseURL + "/", maxResponseBytes: 64 * 1024))

        #expect(response.body.count == 64 * 1024)
    }

    @Test func pathIsSentAsIsWithDotSegments() async throws {
        let server = try ScriptedServer([.respond(200), .respond(200)])
        defer { server.stop() }

        _ = try await get(server, "/backups/a/../x.json")
        _ = try await get(server, "/backups/./b/./y.json")

        #expect(server.requests.map(\.target) == ["/backups/a/../x.json", "/backups/./b/./y.json"])
    }

    @Test func schemesOtherThanHTTPAreRefused() async throws {
        let error = await #expect(throws: TransportError.self) {
            try await http.send(HTTPRequest(method: "GET", url: "file:///etc/passwd"))
        }
        #expect(error?.kind == .other)
    }

    @Test func refusedConnectionIsAConnectError() async throws {
        // A bound socket that never listens holds a port nobody answers on.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) == 0 && getsockname(holder, $0, &length) == 0 }
        }
        try #require(bound)
        let url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/"

        let error = await #expect(throws: TransportError.self) { try await http.send(HTTPRequest(method: "GET", url: url)) }

        #expect(error?.kind == .connect)
    }

    @Test func resetConnectionIsAResetError() async throws {
        let server = try ScriptedServer([.resetConnection])
        defer { server.stop() }

        let error = await #expect(throws: TransportError.self) { try await get(server) }

        #expect(error?.kind == .reset)
    }

    @Test func shortBodyIsATruncatedError() async throws {
        let server = try ScriptedServer([.truncated(status: 200, declaredLength: 1_000, body: Array(repeating: UInt8(ascii: "x"), count: 100))])
        defer { server.stop() }

        let error = await #expect(throws: TransportError.self) { try await get(server) }

        #expect(error?.kind == .truncated)
    }

    @Test func responseHeadersAreLowerCasedAndBodyIsWhole() async throws {
        let body = String(repeating: "0123456789abcdef", count: 20_000)
        let server = try ScriptedServer([.respond(200, headers: [("X-Amz-Request-Id", "4442587FB7D0A2F9"), ("ETag", #""abc""#)], body: body)])
        defer { server.stop() }

        let response = try await get(server, "/pool-backups/key.json?versionId=3HL4kqtJ")

        #expect(response.status == 200)
        #expect(response.header("x-amz-request-id") == "4442587FB7D0A2F9")
        #expect(response.headers.contains { $0.name == "etag" && $0.value == #""abc""# })
        #expect(response.body == Array(body.utf8))
        #expect(server.requests.first?.target == "/pool-backups/key.json?versionId=3HL4kqtJ")
    }

    @Test func concurrentRequestsEachGetTheirOwnResponse() async throws {
        let server = try ScriptedServer(Array(repeating: .echo, count: 32))
        defer { server.stop() }

        let mismatches = try await withThrowingTaskGroup(of: Int?.self) { group in
            for n in 0..<32 {
                group.addTask {
                    // Bodies of different sizes, up to a few hundred kilobytes, so transfers interleave.
                    let body = Array(String(repeating: "request-\(n);", count: 1 + n * n * 40).utf8)
                    let response = try await http.send(HTTPRequest(method: "POST", url: "\(server.baseURL)/echo/\(n)", body: body))
                    let matches = response.status == 200 && response.body == body && response.header("x-echo-target") == "/echo/\(n)"
                    return matches ? nil : n
                }
            }
            return try await group.reduce(into: [Int]()) { if let n = $1 { $0.append(n) } }
        }

        #expect(mismatches.isEmpty)
        #expect(server.requests.count == 32)
    }
}

/// Connection reuse, on a client of its own: curl caps its connection cache at four per transfer in
/// progress and closes the oldest idle one beyond that, so on the shared client the other suites'
/// traffic would close these connections between requests.
@Suite(.serialized)
struct ConnectionReuseTests {
    private static let client = HTTPClient()
    private let http = ConnectionReuseTests.client

    @Test func sequentialRequestsShareOneConnection() async throws {
        let server = try ScriptedServer(Array(repeating: .echo, count: 10))
        defer { server.stop() }

        for n in 0..<10 { _ = try await http.send(HTTPRequest(method: "GET", url: "\(server.baseURL)/\(n)")) }

        #expect(server.requests.count == 10)
        #expect(server.acceptedConnections == 1)
    }

    @Test func concurrentWorkersReuseConnections() async throws {
        let server = try ScriptedServer(Array(repeating: .echo, count: 128))
        defer { server.stop() }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<32 {
                group.addTask {
                    for call in 0..<4 {
                        _ = try await http.send(HTTPRequest(method: "PUT", url: "\(server.baseURL)/\(worker)/\(call)", body: Array("\(worker)-\(call)".utf8)))
                    }
                }
            }
            try await group.waitForAll()
        }

        #expect(server.requests.count == 128)
        #expect(server.acceptedConnections < 128)
    }
}
