@testable import AWSCore
@testable import AWSServices
@testable import HTTP
@testable import Signing
import Foundation
import JSON
import TestSupport
import Testing

/// Static credentials, and a client wired to a `ScriptedServer` the way a user would point the
/// tool at an emulator: through `AWS_ENDPOINT_URL`.
enum Fixture {
    static let accessKeyID = "AKIDEXAMPLE"
    static let secretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let region = "eu-west-1"

    static func environment(endpoint: String) -> [String: String] {
        ["AWS_ACCESS_KEY_ID": accessKeyID, "AWS_SECRET_ACCESS_KEY": secretAccessKey, "AWS_REGION": region,
         "AWS_ENDPOINT_URL": endpoint, "HOME": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"]
    }

    static func client(_ server: ScriptedServer, timeouts: HTTPTimeouts = .standard) throws -> AWSClient {
        AWSClient(configuration: try AWSConfiguration(environment: environment(endpoint: server.baseURL)), timeouts: timeouts)
    }

    /// Retries fast, so a storm of faults stays well inside a test's time budget.
    static func fastRetry(maxAttempts: Int) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelayMilliseconds: 10, maxDelayMilliseconds: 50)
    }

    /// Quotas high enough that the token buckets never hold a test up.
    static let unthrottledQuotas = CognitoQuotas(rates: Dictionary(uniqueKeysWithValues: CognitoQuotaCategory.allCases.map { ($0, 1_000.0) }))

    static func listUsersInput() -> JSON { ["UserPoolId": "eu-west-1_AbCdEfGhI", "Limit": 60] }

    static func elapsed<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
        let start = Date()
        let result = try await body()
        return (result, Date().timeIntervalSince(start))
    }

    /// Polls `condition` until it holds, failing after `seconds`.
    static func waitUntil(seconds: Double = 10, _ condition: () async -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !(await condition()) {
            guard Date() < deadline else {
                Issue.record("condition not met within \(seconds) s", sourceLocation: sourceLocation)
                return
            }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    /// A fresh empty directory under the system temporary directory; `remove` it when done.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "aws-client-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func remove(_ directory: String) {
        // Only ever a directory this test created; a leftover in /tmp is no reason to fail it.
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A home directory with no `.aws` in it: a fresh path that does not exist, which reads
    /// exactly like an empty directory and leaves nothing behind.
    static func emptyHome() -> String { NSTemporaryDirectory() + "aws-client-tests-home-\(UUID().uuidString)" }

    static func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// Credentials that need no lookup, for tests that never send a request.
struct StaticCredentials: CredentialProvider {
    func credentials() async throws(CredentialError) -> Credentials {
        Credentials(accessKeyID: Fixture.accessKeyID, secretAccessKey: Fixture.secretAccessKey)
    }
}

/// Responses shaped like the ones Cognito, DynamoDB and S3 send.
extension ScriptedServer.Behaviour {
    static func json(_ body: String, status: Int = 200, requestID: String = "6d3f0e2a-8b1c-4f5e-9a7d-2c4b6e8f0a1b",
                     version: String = "1.1", extraHeaders: [(name: String, value: String)] = []) -> Self {
        .respond(status, headers: [
            ("Date", "Mon, 02 Jun 2025 10:15:30 GMT"),
            ("Content-Type", "application/x-amz-json-\(version)"),
            ("x-amzn-RequestId", requestID),
            ("Connection", "keep-alive"),
        ] + extraHeaders, body: body)
    }

    static func jsonError(_ status: Int = 400, type: String, message: String, requestID: String = "a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b") -> Self {
        json(#"{"__type":"\#(type)","message":"\#(message)"}"#, status: status, requestID: requestID)
    }

    static let cognitoThrottled = jsonError(type: "TooManyRequestsException", message: "Rate exceeded")

    static let listUsersPage = json(#"""
        {"Users":[{"Username":"alice","Attributes":[{"Name":"sub","Value":"0b3c5e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f"},{"Name":"email","Value":"alice@example.com"}],"UserCreateDate":1.717321530123E9,"UserLastModifiedDate":1.717321530123E9,"Enabled":true,"UserStatus":"CONFIRMED"}]}
        """#)

    static func s3XML(_ status: Int, _ body: String, requestID: String = "4442587FB7D0A2F9") -> Self {
        .respond(status, headers: [
            ("x-amz-id-2", "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo="),
            ("x-amz-request-id", requestID),
            ("Date", "Mon, 02 Jun 2025 10:15:30 GMT"),
            ("Content-Type", "application/xml"),
            ("Server", "AmazonS3"),
        ], body: body)
    }

    static func s3Error(_ status: Int, code: String, message: String, requestID: String = "4442587FB7D0A2F9") -> Self {
        s3XML(status, """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>\(code)</Code><Message>\(message)</Message><RequestId>\(requestID)</RequestId><HostId>vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=</HostId></Error>
            """, requestID: requestID)
    }
}
