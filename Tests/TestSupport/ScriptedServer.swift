#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 that answers from a script, for testing clients against
/// the faults real services and networks produce. Each request it reads takes the next
/// behaviour in the script; it records every request and counts accepted connections, so tests
/// can check what was sent and whether connections were reused.
///
/// Plain POSIX sockets: an accept thread, and a thread per connection that serves requests on it
/// until the client closes it, a behaviour ends it, or `stop()`. Request bodies are read by
/// `Content-Length`. Everything is bounded: `stop()` (or deinit) closes every socket and waits for
/// the threads, an idle connection is dropped after `idleSeconds`, a stall never outlives `stop()`.
public final class ScriptedServer: Sendable {
    public enum Behaviour: Sendable {
        /// A complete response. `Content-Length` is added unless `headers` has one; a HEAD request
        /// gets the headers only.
        case respond(status: Int, headers: [(name: String, value: String)], body: [UInt8])
        /// Read the request, then close with SO_LINGER 0 so the client sees a TCP reset.
        case resetConnection
        /// Read the request, send nothing, hold the socket for this long, then close it.
        case stall(seconds: Double)
        /// Declare `declaredLength` bytes, send only `body`, then close.
        case truncated(status: Int, declaredLength: Int, body: [UInt8])
        /// 200 with the request's own body, and its target in `X-Echo-Target`: lets concurrent
        /// callers check each got the answer to its own request.
        case echo
        /// Whatever `choose` makes of the request: a server that checks what it is sent.
        case decide(@Sendable (Request) -> Behaviour)

        public static func respond(_ status: Int, headers: [(name: String, value: String)] = [], body: String = "") -> Behaviour {
            .respond(status: status, headers: headers, body: Array(body.utf8))
        }
    }

    /// One request as received.
    public struct Request: Sendable {
        public let method: String
        /// Path and query, as sent on the request line.
        public let target: String
        /// In the order and spelling received.
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]
        /// Which accepted connection carried it, counting from 0.
        public let connection: Int

        public var path: String { String(target.prefix { $0 != "?" }) }
        public var bodyText: String { String(decoding: body, as: UTF8.self) }

        /// The first header of that name, case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    public let port: Int
    private let core: Core

    /// - Parameters:
    ///   - script: the behaviours, consumed one per request in the order requests arrive.
    ///   - whenExhausted: the answer to requests beyond the script; by default a 599 with a JSON
    ///     `__type` of `ScriptExhausted`, which no AWS client retries, so an unexpected request
    ///     fails the test loudly.
    ///   - idleSeconds: how long a kept-alive connection may wait for its next request.
    public init(_ script: [Behaviour], whenExhausted: Behaviour? = nil, idleSeconds: Double = 30) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw ServerError("socket", errno) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 128) == 0 else {
            let failure = ServerError("bind/listen", errno)
            close(listener)
            throw failure
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let exhausted = whenExhausted ?? .respond(599, headers: [("Content-Type", "application/x-amz-json-1.1")],
                                                  body: #"{"__type":"ScriptExhausted","message":"ScriptedServer had no behaviour left"}"#)
        core = Core(listener: listener, script: script, whenExhausted: exhausted, idleSeconds: idleSeconds)
        core.startThread { [core] in core.acceptLoop() }
    }

    deinit { core.stop() }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request read so far, in arrival order.
    public var requests: [Request] { core.state.withLock { $0.requests } }

    /// How many TCP connections the server has accepted.
    public var acceptedConnections: Int { core.state.withLock { $0.accepted } }

    /// How many connections the client closed while the server was stalling on them.
    public var connectionsClosedDuringStall: Int { core.state.withLock { $0.closedDuringStall } }

    /// Closes the listener and every connection, and waits (up to two seconds) for its threads.
    public func stop() { core.stop() }
}

public struct ServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ call: String, _ code: Int32) { description = "\(call): \(String(cString: strerror(code)))" }
}

/// The state the server's threads share; they hold this, not the server, so the server's deinit
/// can stop them.
private final class Core: Sendable {
    struct State {
        var script: [ScriptedServer.Behaviour]
        var nextBehaviour = 0
        var requests: [ScriptedServer.Request] = []
        var accepted = 0
        var closedDuringStall = 0
        var stopped = false
        var openSockets: Set<Int32> = []
        var threads = 0
    }

    let listener: Int32
    let whenExhausted: ScriptedServer.Behaviour
    let idleSeconds: Double
    let state: Mutex<State>

    init(listener: Int32, script: [ScriptedServer.Behaviour], whenExhausted: ScriptedServer.Behaviour, idleSeconds: Double) {
        self.listener = listener
        self.whenExhausted = whenExhausted
        self.idleSeconds = idleSeconds
        state = Mutex(State(script: script))
    }

    var isStopped: Bool { state.withLock { $0.stopped } }

    func startThread(_ body: @escaping @Sendable () -> Void) {
        state.withLock { $0.threads += 1 }
        let thread = Thread { [self] in
            body()
            state.withLock { $0.threads -= 1 }
        }
        thread.start()
    }

    func stop() {
        let sockets = state.withLock { state -> Set<Int32> in
            state.stopped = true
            return state.openSockets
        }
        // Shutting a socket down wakes the thread polling it; that thread closes it.
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
        let deadline = Date().addingTimeInterval(2)
        while state.withLock({ $0.threads }) > 0, Date() < deadline { usleep(2_000) }
    }

    func acceptLoop() {
        defer { close(listener) }
        while !isStopped {
            guard waitReadable(listener, milliseconds: 20) else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            var yes: Int32 = 1
            setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            let index: Int? = state.withLock { state in
                guard !state.stopped else { return nil }
                state.openSockets.insert(connection)
                defer { state.accepted += 1 }
                return state.accepted
            }
            guard let index else {
                close(connection)
                return
            }
            startThread { [self] in serve(connection, index: index) }
        }
    }

    private func serve(_ socket: Int32, index: Int) {
        var buffer: [UInt8] = []
        var linger = false
        defer {
            state.withLock { _ = $0.openSockets.remove(socket) }
            if linger {
                var option = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(socket, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<Glibc.linger>.size))
            }
            close(socket)
        }
        while let request = readRequest(socket, buffer: &buffer, connection: index) {
            var behaviour = state.withLock { state -> ScriptedServer.Behaviour in
                state.requests.append(request)
                guard state.nextBehaviour < state.script.count else { return whenExhausted }
                defer { state.nextBehaviour += 1 }
                return state.script[state.nextBehaviour]
            }
            if case .decide(let choose) = behaviour { behaviour = choose(request) }
            switch behaviour {
            case .respond(let status, let headers, let body):
                let withBody = request.method != "HEAD"
                guard send(socket, head(status: status, headers: headers, bodyLength: body.count) + (withBody ? body : [])) else { return }
                if request.header("Connection")?.lowercased() == "close" { return }
            case .echo:
                guard send(socket, head(status: 200, headers: [("X-Echo-Target", request.target)], bodyLength: request.body.count) + request.body) else { return }
            case .resetConnection:
                linger = true
                return
            case .stall(let seconds):
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline, !isStopped {
                    guard waitReadable(socket, milliseconds: 5) else { continue }
                    var byte: UInt8 = 0
                    if recv(socket, &byte, 1, Int32(MSG_PEEK)) <= 0 {
                        state.withLock { $0.closedDuringStall += 1 }
                        return
                    }
                    usleep(5_000)
                }
                return
            case .decide:
                // A decision that answers with another decision is a broken script: hang up.
                return
            case .truncated(let status, let declaredLength, let body):
                _ = send(socket, head(status: status, headers: [("Content-Length", String(declaredLength))], bodyLength: declaredLength) + body)
                return
            }
        }
    }

    /// The next request on the connection; nil when the client closed it, it sat idle too long,
    /// or the server is stopping.
    private func readRequest(_ socket: Int32, buffer: inout [UInt8], connection: Int) -> ScriptedServer.Request? {
        let idleDeadline = Date().addingTimeInterval(idleSeconds)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var contentLength = 0
        var parsed: (method: String, target: String, headers: [(name: String, value: String)])?
        while true {
            if headEnd == nil, let end = buffer.firstRange(of: separator)?.upperBound {
                headEnd = end
                parsed = parseHead(Array(buffer[..<end]))
                guard let parsed else { return nil }
                contentLength = parsed.headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
            }
            if let end = headEnd, let parsed, buffer.count >= end + contentLength {
                let body = Array(buffer[end..<end + contentLength])
                buffer.removeFirst(end + contentLength)
                return ScriptedServer.Request(method: parsed.method, target: parsed.target, headers: parsed.headers, body: body, connection: connection)
            }
            guard !isStopped, Date() < idleDeadline else { return nil }
            guard waitReadable(socket, milliseconds: 20) else { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let n = recv(socket, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    private func parseHead(_ bytes: [UInt8]) -> (method: String, target: String, headers: [(name: String, value: String)])? {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let requestLine = lines.first else { return nil }
        let parts = requestLine.split(separator: " ")
        guard parts.count == 3 else { return nil }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return (String(parts[0]), String(parts[1]), headers)
    }

    private func head(status: Int, headers: [(name: String, value: String)], bodyLength: Int) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(Self.reason(status))\r\n"
        for header in headers { text += "\(header.name): \(header.value)\r\n" }
        if !headers.contains(where: { $0.name.lowercased() == "content-length" }) { text += "Content-Length: \(bodyLength)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status"
        }
    }

    private func send(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    private func waitReadable(_ socket: Int32, milliseconds: Int32) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }
}
