import HTTP
import JSON
import Support

/// The Lambda Runtime API (2018-06-01) on the address Lambda gives in `AWS_LAMBDA_RUNTIME_API`.
public struct RuntimeAPIClient: Sendable {
    let base: String
    let http: HTTPClient

    public init(address: String, http: HTTPClient = .shared) {
        base = "http://\(address)/2018-06-01/runtime"
        self.http = http
    }

    public enum Failure: Error, CustomStringConvertible {
        /// The Runtime API answered 500: the runtime is in a state it cannot continue from.
        case runtimeAPIBroken(Int)
        case unreachable(String)
        /// A 4xx: the Runtime API refused this request (an unknown or already answered request
        /// id, an answer too large), which says nothing about the next event.
        case unexpected(Int, String)

        public var description: String {
            switch self {
            case .runtimeAPIBroken(let status): return "the Runtime API answered HTTP \(status)"
            case .unreachable(let reason): return "the Runtime API is unreachable: \(reason)"
            case .unexpected(let status, let path): return "the Runtime API answered HTTP \(status) to \(path)"
            }
        }
    }

    /// Waits, with no time limit, for the next event.
    public func next() async throws(Failure) -> Invocation {
        let response = try await send(HTTPRequest(method: "GET", url: "\(base)/invocation/next", timeouts: .longPoll, bypassProxy: true))
        guard response.status == 200, let requestID = response.header("lambda-runtime-aws-request-id") else {
            throw .unexpected(response.status, "/invocation/next")
        }
        let deadline = Int64(response.header("lambda-runtime-deadline-ms") ?? "").map(UTCTime.init(millisecondsSinceEpoch:))
            ?? UTCTime.now().adding(milliseconds: 900_000)
        return Invocation(requestID: requestID, deadline: deadline,
                          traceID: response.header("lambda-runtime-trace-id"), body: response.body)
    }

    public func respond(to requestID: String, with body: [UInt8]) async throws(Failure) {
        try await post("/invocation/\(requestID)/response", body: body, errorType: nil)
    }

    public func fail(_ requestID: String, with error: InvocationError) async throws(Failure) {
        try await post("/invocation/\(requestID)/error", body: Self.errorDocument(error), errorType: error.type)
    }

    /// Reports configuration that cannot work, once, before the first event.
    public func failInitialization(with error: InvocationError) async throws(Failure) {
        try await post("/init/error", body: Self.errorDocument(error), errorType: error.type)
    }

    static func errorDocument(_ error: InvocationError) -> [UInt8] {
        (["errorMessage": .string(error.message), "errorType": .string(error.type), "stackTrace": []] as JSON).serializedBytes
    }

    /// How many times a post is tried. The Runtime API is on loopback, so failing to reach it is
    /// either brief (a reset connection, a listener restarting) or for good; an answer lost to a
    /// brief failure would make Lambda retry an event whose backup was already taken.
    static let postAttempts = 4

    /// Posts `body`, again after a connection failure. A retry may meet a 4xx because the lost
    /// attempt did arrive; the caller hears of it as `.unexpected`.
    private func post(_ path: String, body: [UInt8], errorType: String?) async throws(Failure) {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if let errorType { headers.append(("Lambda-Runtime-Function-Error-Type", errorType)) }
        let request = HTTPRequest(method: "POST", url: base + path, headers: headers, body: body,
                                  timeouts: HTTPTimeouts(connectMilliseconds: 3_000, totalMilliseconds: 30_000, stallSeconds: nil),
                                  bypassProxy: true)
        var attempt = 1
        while true {
            let response: HTTPResponse
            do { response = try await send(request) } catch .unreachable(let reason) where attempt < Self.postAttempts {
                do { try await Task.sleep(nanoseconds: UInt64(50_000_000 << attempt)) } catch { throw .unreachable(reason) }
                attempt += 1
                continue
            }
            guard (200..<300).contains(response.status) else { throw .unexpected(response.status, path) }
            return
        }
    }

    private func send(_ request: HTTPRequest) async throws(Failure) -> HTTPResponse {
        let response: HTTPResponse
        do { response = try await http.send(request) } catch { throw .unreachable(error.description) }
        if response.status >= 500 { throw .runtimeAPIBroken(response.status) }
        return response
    }
}
