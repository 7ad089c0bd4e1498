@testable import AWSCore
@testable import AWSServices
@testable import HTTP
@testable import Signing
@testable import Support
import JSON
import TestSupport
import Testing

/// The real client (signing, curl, retries, token buckets) against a local server playing the
/// faults AWS and networks produce.
struct FaultTests {
    private func cognito(_ server: ScriptedServer, maxAttempts: Int = 4, quotas: CognitoQuotas = Fixture.unthrottledQuotas) throws -> Cognito {
        Cognito(aws: try Fixture.client(server), quotas: quotas, retry: Fixture.fastRetry(maxAttempts: maxAttempts))
    }

    @Test func retriesThrottlingThenSucceeds() async throws {
        let server = try ScriptedServer([.cognitoThrottled, .cognitoThrottled, .listUsersPage])
        defer { server.stop() }
        let quotas = CognitoQuotas(rates: [.userList: 50])
        let cognito = try cognito(server, quotas: quotas)

        let page = try await cognito.call("ListUsers", Fixture.listUsersInput())

        #expect(page["Users"]?.array?.first?["Username"]?.string == "alice")
        #expect(server.requests.count == 3)
        #expect(await quotas.limiter(for: .userList).rate < 50)
    }

    @Test func throttlingBeyondTheAttemptBudgetIsWaitedOutUnderADeadline() async throws {
        let server = try ScriptedServer(Array(repeating: .cognitoThrottled, count: 8) + [.listUsersPage])
        defer { server.stop() }

        let page = try await withCallDeadline(UTCTime.now().adding(milliseconds: 10_000)) {
            try await cognito(server, maxAttempts: 3).call("ListUsers", Fixture.listUsersInput())
        }

        #expect(page["Users"]?.array?.count == 1)
        #expect(server.requests.count == 9)
    }

    @Test func throttlingPastTheDeadlineFailsNamingIt() async throws {
        let server = try ScriptedServer([], whenExhausted: .cognitoThrottled)
        defer { server.stop() }
        let started = ContinuousClock.now

        let error = await #expect(throws: AWSError.self) {
            try await withCallDeadline(UTCTime.now().adding(milliseconds: 3_000)) {
                try await cognito(server, maxAttempts: 3).call("ListUsers", Fixture.listUsersInput())
            }
        }

        // A deadline of seconds, not milliseconds: on a loaded machine three attempts must fit.
        #expect(error?.code == "ThrottledUntilDeadline")
        #expect(error?.message.contains("TooManyRequestsException") == true)
        #expect(server.requests.count >= 3)
        #expect(ContinuousClock.now - started < .seconds(8))
    }

    @Test func clientMaxThrottleWaitBoundsEachCall() async throws {
        let server = try ScriptedServer([], whenExhausted: .cognitoThrottled)
        defer { server.stop() }
        let aws = AWSClient(configuration: try AWSConfiguration(environment: Fixture.environment(endpoint: server.baseURL)),
                            maxThrottleWaitMilliseconds: 500)
        let cognito = Cognito(aws: aws, quotas: Fixture.unthrottledQuotas, retry: Fixture.fastRetry(maxAttempts: 3))

        let error = await #expect(throws: AWSError.self) { try await cognito.call("ListUsers", Fixture.listUsersInput()) }

        // The budget alone would have ended it with TooManyRequestsException.
        #expect(error?.code == "ThrottledUntilDeadline")
    }

    @Test func serviceUnavailableStormFailsAfterMaxAttempts() async throws {
        let unavailable = ScriptedServer.Behaviour.jsonError(503, type: "com.amazon.coral.availability#ServiceUnavailableException", message: "Service Unavailable")
        let server = try ScriptedServer(Array(repeating: unavailable, count: 6))
        defer { server.stop() }

        let error = await #expect(throws: AWSError.self) { try await cognito(server, maxAttempts: 4).call("ListUsers", Fixture.listUsersInput()) }

        #expect(error?.code == "ServiceUnavailableException")
        #expect(error?.httpStatus == 503)
        #expect(server.requests.count == 4)
    }

    @Test func retriesAfterConnectionResetThenSucceeds() async throws {
        let server = try ScriptedServer([.resetConnection, .listUsersPage])
        defer { server.stop() }

        let page = try await cognito(server).call("ListUsers", Fixture.listUsersInput())

        #expect(page["Users"]?.array?.count == 1)
        #expect(server.requests.count == 2)
    }

    @Test func connectionResetIsATransportResetError() async throws {
        let server = try ScriptedServer([.resetConnection])
        defer { server.stop() }

        let error = await #expect(throws: AWSError.self) { try await cognito(server, maxAttempts: 1).call("ListUsers", Fixture.listUsersInput()) }

        #expect(error?.code == "Transport.reset")
        #expect(error?.httpStatus == nil)
    }

    /// A kept-alive connection the server drops as the next request arrives: the retry goes out
    /// on a fresh connection with the whole body again.
    @Test func resetOnAReusedConnectionIsRetriedWithTheWholeBody() async throws {
        let server = try ScriptedServer([.listUsersPage, .resetConnection, .listUsersPage])
        defer { server.stop() }
        let cognito = try cognito(server)

        _ = try await cognito.call("ListUsers", Fixture.listUsersInput())
        let page = try await cognito.call("ListUsers", Fixture.listUsersInput())

        #expect(page["Users"]?.array?.count == 1)
        #expect(server.requests.map(\.body) == Array(repeating: Fixture.listUsersInput().serializedBytes, count: 3))
    }

    @Test func anUnreadableSuccessIsAnInvalidResponseError() async throws {
        let server = try ScriptedServer([.respond(200, headers: [("x-amzn-RequestId", "req-garbled")], body: #"{"Users":[{"Username""#)])
        defer { server.stop() }

        let error = await #expect(throws: AWSError.self) { try await cognito(server, maxAttempts: 1).call("ListUsers", Fixture.listUsersInput()) }

        #expect(error?.code == "InvalidResponse")
        #expect(error?.requestID == "req-garbled")
        #expect(error?.isRetryable == false)
    }

    @Test func createMultipartUploadWithoutAnUploadIdIsAnInvalidResponseError() async throws {
        let server = try ScriptedServer([.respond(200, headers: [("Content-Type", "application/xml")], body: "<InitiateMultipartUploadResult/>")])
        defer { server.stop() }

        let error = await #expect(throws: AWSError.self) {
            _ = try await S3(aws: try Fixture.client(server)).createMultipartUpload(bucket: "backups", key: "k.json")
        }

        #expect(error?.code == "InvalidResponse" && error?.operation == "CreateMultipartUpload")
    }

    @Test func aStalledResponseTimesOutAndIsRetried() async throws {
        let server = try ScriptedServer([.stall(seconds: 5), .listUsersPage])
        defer { server.stop() }
        let timeouts = HTTPTimeouts(connectMilliseconds: 1_000, totalMilliseconds: 700, stallSeconds: nil)
        let cognito = Cognito(aws: try Fixture.client(server, timeouts: timeouts), quotas: Fixture.unthrottledQuotas,
                              retry: Fixture.fastRetry(maxAttempts: 3))

        let page = try await cognito.call("ListUsers", Fixture.listUsersInput())

        #expect(page["Users"]?.array?.count == 1)
        #expect(server.requests.count == 2)
    }

    @Test func aServerThatNeverAnswersIsATimeoutWithinTheBound() async throws {
        let server = try ScriptedServer([.stall(seconds: 5)])
        defer { server.stop() }
        let timeouts = HTTPTimeouts(connectMilliseconds: 1_000, totalMilliseconds: 500, stallSeconds: nil)
        let cognito = Cognito(aws: try Fixture.client(server, timeouts: timeouts), quotas: Fixture.unthrottledQuotas,
                              retry: Fixture.fastRetry(maxAttempts: 1))
        let started = ContinuousClock.now

        let error = await #expect(throws: AWSError.self) { try await cognito.call("ListUsers", Fixture.listUsersInput()) }

        #expect(error?.code == "Transport.timeout")
        // Well before the five-second stall ends, with room for a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test func truncatedResponseIsRetried() async throws {
        let server = try ScriptedServer([.truncated(status: 200, declaredLength: 4_096, body: Array(#"{"Users":[{"Username":"al"#.utf8)), .listUsersPage])
        defer { server.stop() }

        let page = try await cognito(server).call("ListUsers", Fixture.listUsersInput())

        #expect(page["Users"]?.array?.first?["Username"]?.string == "alice")
        #expect(server.requests.count == 2)
    }

    @Test func truncatedResponseIsATransportTruncatedError() async throws {
        let server = try ScriptedServer([.truncated(status: 200, declaredLength: 4_096, body: Array(#"{"Users":[{"Username":"al"#.utf8))])
        defer { server.stop() }

        let error = await #expect(throws: AWSError.self) { try await cognito(server, maxAttempts: 1).call("ListUsers", Fixture.listUsersInput()) }

        #expect(error?.code == "Transport.truncated")
    }

    @Test func validationErrorIsNotRetried() async throws {
        let server = try ScriptedServer([
            .jsonError(type: "com.amazon.coral.validate#ValidationException",
                       message: "One or more parameter values were invalid: Missing the key PoolId in the item", requestID: "R6U0VQ3M9LB1GP1ICN3AA0L2HBVV4KQNSO5AEMVJF66Q9ASUAAJG"),
            .json("{}", version: "1.0"),
        ])
        defer { server.stop() }
        let dynamo = DynamoDB(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 4))

        let error = await #expect(throws: AWSError.self) { try await dynamo.call("PutItem", ["TableName": "cognito-backups", "Item": [:]]) }

        #expect(error?.code == "ValidationException")
        #expect(error?.requestID == "R6U0VQ3M9LB1GP1ICN3AA0L2HBVV4KQNSO5AEMVJF66Q9ASUAAJG")
        #expect(server.requests.count == 1)
    }

    @Test func dynamoDBThroughputExceededIsRetried() async throws {
        let server = try ScriptedServer([
            .jsonError(type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                       message: "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."),
            .json("{}", version: "1.0"),
        ])
        defer { server.stop() }
        let dynamo = DynamoDB(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 4))

        _ = try await dynamo.call("PutItem", ["TableName": "cognito-backups", "Item": ["PoolId": AttributeValue.string("eu-west-1_AbCdEfGhI")]])

        #expect(server.requests.count == 2)
        #expect(server.requests.allSatisfy { $0.header("X-Amz-Target") == "DynamoDB_20120810.PutItem" })
        #expect(server.requests.allSatisfy { $0.header("Content-Type") == "application/x-amz-json-1.0" })
    }

    @Test func s3SlowDownIsRetriedWithTheSameBody() async throws {
        let object = Array((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let server = try ScriptedServer([
            .s3Error(503, code: "SlowDown", message: "Please reduce your request rate."),
            .respond(200, headers: [("ETag", #""5d41402abc4b2a76b9719d911017c592""#), ("x-amz-version-id", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")]),
        ])
        defer { server.stop() }
        let s3 = S3(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 3))

        let stored = try await s3.putObject(bucket: "pool-backups", key: "eu-west-1_AbCdEfGhI/backup.json", body: object)

        #expect(stored.versionID == "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")
        let requests = server.requests
        #expect(requests.map { "\($0.method) \($0.target)" } == Array(repeating: "PUT /pool-backups/eu-west-1_AbCdEfGhI/backup.json", count: 2))
        #expect(requests.allSatisfy { $0.body == object })
        #expect(requests.allSatisfy { $0.header("x-amz-content-sha256") == Crypto.sha256(object).hexString })
    }

    @Test func anObjectOverTheCallersLimitIsATooLargeErrorAndNotRetried() async throws {
        let server = try ScriptedServer([.s3XML(200, String(repeating: "x", count: 4_096))], whenExhausted: .s3XML(200, "x"))
        defer { server.stop() }

        let error = await #expect(throws: AWSError.self) {
            try await S3(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 3)).getObject(bucket: "backups", key: "k.json", maxBytes: 1_024)
        }

        #expect(error?.code == "Transport.tooLarge")
        #expect(server.requests.count == 1)
    }

    @Test func s3KeysWithDotSegmentsAreSentAndSignedAsNamed() async throws {
        let server = try ScriptedServer(Array(repeating: .s3XML(200, ""), count: 2))
        defer { server.stop() }
        let s3 = S3(aws: try Fixture.client(server))

        _ = try await s3.putObject(bucket: "backups", key: "a/../x.json", body: Array("{}".utf8))
        _ = try await s3.putObject(bucket: "backups", key: "./b/ é+☃.json", body: Array("{}".utf8))

        #expect(server.requests.map(\.target) == ["/backups/a/../x.json", "/backups/./b/%20%C3%A9%2B%E2%98%83.json"])
    }

    @Test func signedRequestCarriesSigV4Headers() async throws {
        let server = try ScriptedServer([.listUsersPage])
        defer { server.stop() }

        _ = try await cognito(server).call("ListUsers", Fixture.listUsersInput())

        let request = try #require(server.requests.first)
        let date = try #require(request.header("X-Amz-Date"))
        #expect(date.count == 16 && date.hasSuffix("Z") && date.dropFirst(8).first == "T")
        let authorization = try #require(request.header("Authorization"))
        let scope = "\(Fixture.accessKeyID)/\(date.prefix(8))/\(Fixture.region)/cognito-idp/aws4_request"
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=\(scope), SignedHeaders="))
        let signedHeaders = authorization.split(separator: " ").first { $0.hasPrefix("SignedHeaders=") }?.dropFirst(14).dropLast().split(separator: ";")
        #expect(Set(["content-type", "host", "x-amz-date", "x-amz-target"]).isSubset(of: Set((signedHeaders ?? []).map(String.init))))
        #expect(authorization.split(separator: "=").last?.count == 64)
        #expect(request.header("X-Amz-Target") == "AWSCognitoIdentityProviderService.ListUsers")
        #expect(request.header("Content-Type") == "application/x-amz-json-1.1")
        #expect(request.header("Host") == "127.0.0.1:\(server.port)")
        #expect(request.method == "POST" && request.target == "/")
        #expect(try JSON(parsing: request.body) == Fixture.listUsersInput())
    }

    @Test func secretKeyAppearsInNoHeaderAndNoError() async throws {
        let server = try ScriptedServer([.respond(403, headers: [("Content-Type", "text/xml")], body: """
            <?xml version="1.0" encoding="UTF-8"?>
            <ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>
            """)])
        defer { server.stop() }

        let error = await #expect(throws: AWSError.self) { try await cognito(server).call("ListUsers", Fixture.listUsersInput()) }

        #expect(error?.code == "SignatureDoesNotMatch")
        #expect(error.map { !"\($0)".contains(Fixture.secretAccessKey) && !$0.message.contains(Fixture.secretAccessKey) } == true)
        let sent = server.requests.flatMap(\.headers).map { "\($0.name): \($0.value)" }
        #expect(!sent.isEmpty)
        #expect(!sent.contains { $0.contains(Fixture.secretAccessKey) })
    }

    @Test func missingCredentialsFailWithoutSendingAnything() async throws {
        let server = try ScriptedServer([.listUsersPage])
        defer { server.stop() }
        var environment = Fixture.environment(endpoint: server.baseURL)
        environment["AWS_ACCESS_KEY_ID"] = nil
        environment["HOME"] = Fixture.emptyHome()
        let cognito = Cognito(aws: AWSClient(configuration: try AWSConfiguration(environment: environment)),
                              quotas: Fixture.unthrottledQuotas, retry: Fixture.fastRetry(maxAttempts: 4))

        let error = await #expect(throws: AWSError.self) { try await cognito.call("ListUsers", Fixture.listUsersInput()) }

        #expect(error?.code == "MissingCredentials")
        #expect(server.requests.isEmpty)
    }
}
