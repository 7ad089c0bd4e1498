import Support

/// One event handed to the function by the Lambda Runtime API.
public struct Invocation: Sendable {
    public let requestID: String
    /// When Lambda will stop the invocation.
    public let deadline: UTCTime
    public let traceID: String?
    public let body: [UInt8]

    public init(requestID: String, deadline: UTCTime, traceID: String?, body: [UInt8]) {
        self.requestID = requestID
        self.deadline = deadline
        self.traceID = traceID
        self.body = body
    }
}

/// A failed invocation as Lambda reports it: `errorType` and `errorMessage`.
public struct InvocationError: Error, Sendable, CustomStringConvertible {
    public let type: String
    public let message: String

    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }

    public var description: String { "\(type): \(message)" }
}

/// What the function does with each event.
public protocol LambdaHandler: Sendable {
    func handle(_ invocation: Invocation) async throws(InvocationError) -> [UInt8]
}
