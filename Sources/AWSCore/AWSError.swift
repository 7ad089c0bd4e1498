import HTTP

/// A failed AWS call, with everything a person needs to act on it. Never holds a secret.
public struct AWSError: Error, CustomStringConvertible, Sendable {
    public let service: String
    public let operation: String
    /// nil when no HTTP response arrived (connection refused, reset, timeout…).
    public let httpStatus: Int?
    /// The AWS error code (`ResourceNotFoundException`, `NoSuchKey`…), or `Transport.<kind>`.
    public let code: String
    public let message: String
    public let requestID: String?

    public init(service: String, operation: String, httpStatus: Int?, code: String, message: String, requestID: String?) {
        self.service = service
        self.operation = operation
        self.httpStatus = httpStatus
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    static let throttlingCodes: Set<String> = [
        "TooManyRequestsException", "ThrottlingException", "Throttling", "ThrottledException",
        "ProvisionedThroughputExceededException", "RequestLimitExceeded", "SlowDown",
        "RequestThrottled", "RequestThrottledException", "BandwidthLimitExceeded", "LimitExceededException",
        "TransactionInProgressException", "EC2ThrottledException", "PriorRequestNotComplete",
    ]

    static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable"]

    public var isThrottling: Bool { Self.throttlingCodes.contains(code) || httpStatus == 429 }

    /// AWS rejected the signature's time as too far from its own clock.
    var isClockSkew: Bool {
        switch code {
        case "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture": return true
        case "InvalidSignatureException", "SignatureDoesNotMatch":
            let text = message.lowercased()
            return ["signature expired", "signature not yet current", "skew"].contains { text.contains($0) }
        default: return false
        }
    }

    /// The caller's task was cancelled: no request went out after it, and none will.
    public var isCancellation: Bool { code == Self.cancelledCode }

    static let cancelledCode = "Cancelled"
    /// The credentials endpoint (container or instance metadata) failed in a way that may pass.
    static let credentialsUnavailableCode = "CredentialsUnavailable"

    /// Whether the same request may succeed later: throttling, server faults and broken
    /// connections are; a request Cognito or S3 refused for what it says is not.
    public var isRetryable: Bool {
        // A dropped or stalled connection may work next time; a TLS failure or a malformed
        // request (Transport.other) will not.
        if httpStatus == nil {
            return ["Transport.connect", "Transport.reset", "Transport.timeout", "Transport.truncated", Self.credentialsUnavailableCode].contains(code)
        }
        if isThrottling || Self.transientCodes.contains(code) { return true }
        return [500, 502, 503, 504].contains(httpStatus!)
    }

    public var description: String {
        var text = "\(service) \(operation) failed: \(code)"
        if let httpStatus { text += " (HTTP \(httpStatus))" }
        if !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " [request id \(requestID)]" }
        return text
    }

    static func transport(_ error: TransportError, service: String, operation: String) -> AWSError {
        if error.kind == .cancelled { return cancelled(service: service, operation: operation) }
        return AWSError(service: service, operation: operation, httpStatus: nil, code: "Transport.\(error.kind)", message: error.description, requestID: nil)
    }

    static func cancelled(service: String, operation: String) -> AWSError {
        AWSError(service: service, operation: operation, httpStatus: nil, code: cancelledCode,
                 message: "the task was cancelled; no further request was sent", requestID: nil)
    }
}
