#if canImport(Glibc)
import Glibc
#endif
import JSON
@testable import LambdaRuntime
import Synchronization
import Testing
import TestSupport

/// The loop against a scripted Runtime API: what it asks for, what it posts, when it stops.
struct RuntimeLoopTests {
    static func event(_ id: String, body: String) -> ScriptedServer.Behaviour {
        .respond(200, headers: [
            ("Lambda-Runtime-Aws-Request-Id", id), ("Lambda-Runtime-Deadline-Ms", "4102444800000"),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:cognito-backup"),
            ("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"),
        ], body: body)
    }

    struct Echo: LambdaHandler {
        func handle(_ invocation: Invocation) async throws(InvocationError) -> [UInt8] {
            if invocation.body == Array("fail".utf8) { throw InvocationError(type: "BackupFailed", message: "pool x failed") }
            if invocation.body == Array("trace".utf8) { return Array((getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) } ?? "unset").utf8) }
            return Array("echo:".utf8) + invocation.body
        }
    }

    static let accepted = ScriptedServer.Behaviour.respond(202, body: #"{"status":"OK"}"#)
    static let broken = ScriptedServer.Behaviour.respond(500, body: #"{"errorType":"Runtime.Unknown"}"#)

    /// Runs the loop against `script` until it stops; its exit status and every request it made.
    static func runLoop(_ script: [ScriptedServer.Behaviour], log: @escaping @Sendable (String) -> Void = { _ in }) async throws
        -> (status: Int32, requests: [ScriptedServer.Request]) {
        let server = try ScriptedServer(script)
        defer { server.stop() }
        let status = await RuntimeLoop.run(RuntimeAPIClient(address: "127.0.0.1:\(server.port)"), handler: Echo(), log: log)
        return (status, server.requests)
    }

    @Test func eachInvocationSetsItsTraceIDForTheHandler() async throws {
        let (_, requests) = try await Self.runLoop([Self.event("r1", body: "trace"), .respond(202), .respond(500)])

        #expect(String(decoding: requests[1].body, as: UTF8.self) == "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0")
    }

    @Test func postsEachAnswerToItsRequestAndStopsWhenTheRuntimeAPIFails() async throws {
        let (status, requests) = try await Self.runLoop([
            Self.event("r1", body: "hello"), Self.accepted, Self.event("r2", body: "fail"), Self.accepted, Self.broken,
        ])

        #expect(status == 1)
        #expect(requests.map { "\($0.method) \($0.target)" } == [
            "GET /2018-06-01/runtime/invocation/next", "POST /2018-06-01/runtime/invocation/r1/response",
            "GET /2018-06-01/runtime/invocation/next", "POST /2018-06-01/runtime/invocation/r2/error",
            "GET /2018-06-01/runtime/invocation/next",
        ])
        #expect(requests[1].body == Array("echo:hello".utf8))
        let error = try JSON(parsing: requests[3].body)
        #expect(error == ["errorMessage": "pool x failed", "errorType": "BackupFailed", "stackTrace": []])
        #expect(requests[3].headers.contains { $0.name.lowercased() == "lambda-runtime-function-error-type" && $0.value == "BackupFailed" })
    }

    @Test func anAnswerLostToAResetConnectionIsPostedAgain() async throws {
        let (status, requests) = try await Self.runLoop([Self.event("r1", body: "hello"), .resetConnection, Self.accepted, Self.broken])

        #expect(status == 1)
        #expect(requests.map { "\($0.method) \($0.target)" } == [
            "GET /2018-06-01/runtime/invocation/next", "POST /2018-06-01/runtime/invocation/r1/response",
            "POST /2018-06-01/runtime/invocation/r1/response", "GET /2018-06-01/runtime/invocation/next",
        ])
        #expect(requests[2].body == Array("echo:hello".utf8))
    }

    @Test func anAnswerTheRuntimeAPIRefusesIsLoggedAndTheNextEventServed() async throws {
        let lines = Lines()

        let (_, requests) = try await Self.runLoop([
            Self.event("r1", body: "hello"),
            .respond(403, body: #"{"errorType":"InvalidStateTransition","errorMessage":"already answered"}"#),
            Self.event("r2", body: "again"), Self.accepted, Self.broken,
        ], log: lines.append)

        #expect(requests.map(\.target).last == "/2018-06-01/runtime/invocation/next")
        #expect(requests.filter { $0.method == "POST" }.map(\.target) == [
            "/2018-06-01/runtime/invocation/r1/response", "/2018-06-01/runtime/invocation/r2/response",
        ])
        #expect(lines.all.first == "the Runtime API answered HTTP 403 to /invocation/r1/response; serving the next event")
    }

    @Test func anAnswerThatCannotBeDeliveredEndsTheProcessAfterBoundedRetries() async throws {
        let (status, requests) = try await Self.runLoop([Self.event("r1", body: "hello")] + Array(repeating: .resetConnection, count: 4))

        #expect(status == 1)
        #expect(requests.filter { $0.method == "POST" }.count == RuntimeAPIClient.postAttempts)
        #expect(requests.count == 1 + RuntimeAPIClient.postAttempts)
    }

    @Test func anUnreachableRuntimeAPIEndsTheProcessAfterBoundedRetries() async throws {
        let server = try ScriptedServer([])
        let address = "127.0.0.1:\(server.port)"
        server.stop()
        let started = ContinuousClock.now

        let status = await RuntimeLoop.run(RuntimeAPIClient(address: address), handler: Echo(), log: { _ in })

        #expect(status == 1)
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func initErrorsAreReportedWithTheirType() async throws {
        let server = try ScriptedServer([.respond(202, body: #"{"status":"OK"}"#)])
        defer { server.stop() }

        try await RuntimeAPIClient(address: "127.0.0.1:\(server.port)")
            .failInitialization(with: InvocationError(type: "InvalidConfiguration", message: "BACKUP_BUCKET is not set"))

        let request = try #require(server.requests.first)
        #expect(request.target == "/2018-06-01/runtime/init/error")
        #expect(try JSON(parsing: request.body)["errorMessage"] == "BACKUP_BUCKET is not set")
    }
}

/// Collects log lines from the loop's log closure, which may run on any thread.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    @Sendable func append(_ line: String) { lines.withLock { $0.append(line) } }
}
