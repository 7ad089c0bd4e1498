import HTTP
import JSON

/// The AWS JSON protocols (1.0 for DynamoDB, 1.1 for Cognito): POST / with the operation in
/// `X-Amz-Target` and JSON both ways.
public struct JSONProtocolClient: Sendable {
    let aws: AWSClient
    let service: AWSService
    let targetPrefix: String
    let version: String
    let retry: RetryPolicy
    /// Resolved once: it depends only on the client's configuration, and resolving it builds
    /// several strings, which added up over a backup's thousands of calls.
    let endpoint: Endpoint

    public init(aws: AWSClient, service: AWSService, targetPrefix: String, version: String, retry: RetryPolicy) {
        self.aws = aws
        self.service = service
        self.targetPrefix = targetPrefix
        self.version = version
        self.retry = retry
        endpoint = aws.endpoint(for: service)
    }

    public func call(_ operation: String, _ input: JSON, limiters: [RateLimiter] = []) async throws(AWSError) -> JSON {
        let response = try await send(operation, input, limiters: limiters)
        if response.body.isEmpty { return .object(JSONObject()) }
        do { return try JSON(parsing: response.body) } catch { throw unreadable(operation, response, error) }
    }

    /// The answer as the bytes that came, checked but not built into values.
    public func callRaw(_ operation: String, _ input: JSON, limiters: [RateLimiter] = []) async throws(AWSError) -> RawJSONObject {
        let response = try await send(operation, input, limiters: limiters)
        do { return try RawJSONObject(validating: response.body.isEmpty ? Array("{}".utf8) : response.body) } catch {
            throw unreadable(operation, response, error)
        }
    }

    private func send(_ operation: String, _ input: JSON, limiters: [RateLimiter]) async throws(AWSError) -> HTTPResponse {
        let call = ServiceCall(service: service, operation: operation, method: "POST", path: "/", headers: [
            ("Content-Type", "application/x-amz-json-\(version)"),
            ("X-Amz-Target", "\(targetPrefix).\(operation)"),
        ], body: input.serializedBytes)
        return try await aws.perform(call, endpoint: endpoint, retry: retry, limiters: limiters,
                                     decodeError: Self.decodeError)
    }

    private func unreadable(_ operation: String, _ response: HTTPResponse, _ error: JSONParseError) -> AWSError {
        AWSError(service: service.rawValue, operation: operation, httpStatus: response.status,
                 code: "InvalidResponse", message: "unreadable response: \(error)", requestID: response.header("x-amzn-requestid"))
    }

    /// `__type` may be `com.amazonaws.cognito#ResourceNotFoundException` or carry a `:url` tail;
    /// the header `x-amzn-ErrorType` has the same form. Gateways in front of a service (and moto's
    /// signature and IAM checks) answer with an XML error document instead. The REST-JSON
    /// services (Lambda) name their errors the same ways.
    public static func decodeError(_ response: HTTPResponse) -> (code: String, message: String) {
        let document = try? JSON(parsing: response.body)
        if document == nil {
            let text = String(decoding: response.body, as: UTF8.self)
            if let code = XMLText.value(of: "Code", in: text) { return (code, XMLText.value(of: "Message", in: text) ?? "") }
        }
        let raw = document?["__type"]?.string ?? response.header("x-amzn-errortype") ?? "HTTP\(response.status)"
        var code = Substring(raw)
        if let hash = code.lastIndex(of: "#") { code = code[code.index(after: hash)...] }
        if let colon = code.firstIndex(of: ":") { code = code[..<colon] }
        let message = document?["message"]?.string ?? document?["Message"]?.string ?? ""
        return (String(code), message)
    }
}
