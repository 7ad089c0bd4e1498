/// One HTTP exchange as the AWS layer sees it; the transport underneath is libcurl.
public struct HTTPRequest: Sendable {
    public var method: String
    /// Complete and already percent-encoded.
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var timeouts: HTTPTimeouts
    /// The Lambda Runtime API is on loopback and must never go through a proxy.
    public var bypassProxy: Bool
    /// A longer response body is abandoned with `TransportError.Kind.tooLarge`: memory is bounded
    /// by the caller, not by the server.
    public var maxResponseBytes: Int

    /// Ample for any API response; S3 reads of whole objects pass their own limit.
    public static let defaultMaxResponseBytes = 32 * 1024 * 1024

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                timeouts: HTTPTimeouts = .standard, bypassProxy: Bool = false, maxResponseBytes: Int = defaultMaxResponseBytes) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.bypassProxy = bypassProxy
        self.maxResponseBytes = maxResponseBytes
    }
}

/// Connect and stall limits, so a server that stops answering cannot hang the caller.
public struct HTTPTimeouts: Sendable {
    public var connectMilliseconds: Int
    /// The whole exchange; nil for long polls such as the Lambda Runtime API's `/next`.
    public var totalMilliseconds: Int?
    /// A transfer that moves no byte for this long is abandoned.
    public var stallSeconds: Int?

    public init(connectMilliseconds: Int, totalMilliseconds: Int?, stallSeconds: Int?) {
        self.connectMilliseconds = connectMilliseconds
        self.totalMilliseconds = totalMilliseconds
        self.stallSeconds = stallSeconds
    }

    public static let standard = HTTPTimeouts(connectMilliseconds: 3_000, totalMilliseconds: 120_000, stallSeconds: 20)
    public static let longPoll = HTTPTimeouts(connectMilliseconds: 3_000, totalMilliseconds: nil, stallSeconds: nil)
}

public struct HTTPResponse: Sendable {
    public let status: Int
    /// Names in lower case.
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }
}

/// A transfer that did not produce an HTTP response.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    /// `cancelled`: the caller's task was cancelled and the transfer abandoned. `tooLarge`: the
    /// response body outgrew the request's `maxResponseBytes`.
    public enum Kind: Sendable { case connect, timeout, reset, truncated, tls, cancelled, tooLarge, other }
    public let kind: Kind
    public let curlCode: Int
    public let message: String

    public var description: String { "\(message) (curl \(curlCode))" }
}
