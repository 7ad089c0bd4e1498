import AWSCore
import JSON

/// CloudWatch Logs over JSON 1.1, for the lines a Cognito user import job writes about each user.
public final class CloudWatchLogs: Sendable {
    private let client: JSONProtocolClient

    public init(aws: AWSClient, retry: RetryPolicy = .standard) {
        client = JSONProtocolClient(aws: aws, service: .logs, targetPrefix: "Logs_20140328", version: "1.1", retry: retry)
    }

    public func call(_ operation: String, _ input: JSON) async throws(AWSError) -> JSON {
        try await client.call(operation, input)
    }

    /// Every event of one stream, oldest first, page after page. FilterLogEvents pages by
    /// `nextToken` and has no other paginated use here, so its loop lives with it.
    public func forEachEvent(group: String, stream: String, _ body: (_ message: String) throws -> Void) async throws {
        var request: JSONObject = ["logGroupName": .string(group), "logStreamNames": [.string(stream)]]
        var seen: Set<Int> = []
        while true {
            let page = try await call("FilterLogEvents", .object(request))
            for event in page["events"]?.array ?? [] {
                if let message = event["message"]?.string { try body(message) }
            }
            guard let next = page["nextToken"]?.string, !next.isEmpty else { return }
            guard seen.insert(next.hashValue).inserted else {
                throw AWSError(service: "logs", operation: "FilterLogEvents", httpStatus: nil, code: "PaginationLoop",
                               message: "the service returned a page token it returned before", requestID: nil)
            }
            request["nextToken"] = .string(next)
        }
    }
}
