@testable import AWSCore
@testable import AWSServices
@testable import Support
import Foundation
import TestSupport
import Testing

/// A machine whose clock is off still gets its calls accepted: the client learns AWS's time from
/// the rejection, signs again with it, and keeps using it.
struct ClockSkewTests {
    /// A server whose clock is 20 minutes ahead, accepting only requests signed within 5 minutes of
    /// it, as AWS does.
    private static func skewedServer(rejectWith rejection: @escaping @Sendable (_ serverTime: Date) -> ScriptedServer.Behaviour,
                                     accept: ScriptedServer.Behaviour) throws -> ScriptedServer {
        try ScriptedServer([], whenExhausted: .decide { request in
            let serverTime = Date().addingTimeInterval(20 * 60)
            guard let signed = request.header("X-Amz-Date").flatMap(amzDate.date(from:)),
                  abs(signed.timeIntervalSince(serverTime)) < 5 * 60 else { return rejection(serverTime) }
            return accept
        })
    }

    private static let amzDate = formatter("yyyyMMdd'T'HHmmss'Z'")
    private static let httpDate = formatter("EEE, dd MMM yyyy HH:mm:ss 'GMT'")

    private static func formatter(_ format: String) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = format
        return formatter
    }

    private static func requestTimeTooSkewed(_ serverTime: Date, dateHeader: Bool = true) -> ScriptedServer.Behaviour {
        .respond(403, headers: [("Content-Type", "application/xml"), ("x-amz-request-id", "0A49CE4060975EAC")]
                     + (dateHeader ? [("Date", httpDate.string(from: serverTime))] : []),
                 body: """
                     <?xml version="1.0" encoding="UTF-8"?>
                     <Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestTime>\(amzDate.string(from: Date()))</RequestTime><ServerTime>\(amzDate.string(from: serverTime))</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds><RequestId>0A49CE4060975EAC</RequestId></Error>
                     """)
    }

    @Test func requestTimeTooSkewedIsSignedAgainWithAWSTimeAndTheOffsetIsKept() async throws {
        let server = try Self.skewedServer(rejectWith: { Self.requestTimeTooSkewed($0) }, accept: .respond(200, body: "backup-bytes"))
        defer { server.stop() }
        let s3 = S3(aws: try Fixture.client(server))

        #expect(try await s3.getObject(bucket: "backups", key: "pool.json") == Array("backup-bytes".utf8))
        #expect(try await s3.getObject(bucket: "backups", key: "pool.json") == Array("backup-bytes".utf8))

        // One rejection, its re-signed retry, and a later call right first time.
        #expect(server.requests.count == 3)
    }

    @Test func signatureExpiredFromAJSONServiceIsCorrectedToo() async throws {
        let server = try Self.skewedServer(rejectWith: { serverTime in
            .respond(400, headers: [("Date", Self.httpDate.string(from: serverTime)), ("Content-Type", "application/x-amz-json-1.1"),
                                    ("x-amzn-RequestId", "a1b2c3d4-0000-4e5f-8a9b-0c1d2e3f4a5b")],
                     body: #"{"__type":"InvalidSignatureException","message":"Signature expired: 20250602T101530Z is now earlier than 20250602T103030Z (20250602T103530Z - 5 min.)"}"#)
        }, accept: .listUsersPage)
        defer { server.stop() }
        let cognito = Cognito(aws: try Fixture.client(server), quotas: Fixture.unthrottledQuotas, retry: Fixture.fastRetry(maxAttempts: 1))

        let page = try await cognito.call("ListUsers", Fixture.listUsersInput())

        #expect(page["Users"]?.array?.count == 1)
        #expect(server.requests.count == 2)
    }

    @Test func aSkewErrorWithoutADateHeaderIsNotRetried() async throws {
        let server = try Self.skewedServer(rejectWith: { Self.requestTimeTooSkewed($0, dateHeader: false) }, accept: .respond(200))
        defer { server.stop() }

        let error = await #expect(throws: AWSError.self) { try await S3(aws: try Fixture.client(server)).getObject(bucket: "backups", key: "pool.json") }

        #expect(error?.code == "RequestTimeTooSkewed")
        #expect(server.requests.count == 1)
    }

    @Test func theClockIsCorrectedOnlyOncePerCall() async throws {
        let server = try ScriptedServer([], whenExhausted: .decide { _ in Self.requestTimeTooSkewed(Date().addingTimeInterval(20 * 60)) })
        defer { server.stop() }

        let error = await #expect(throws: AWSError.self) { try await S3(aws: try Fixture.client(server)).getObject(bucket: "backups", key: "pool.json") }

        #expect(error?.code == "RequestTimeTooSkewed")
        #expect(server.requests.count == 2)
    }

    @Test func httpDateIsRead() {
        #expect(UTCTime(httpDate: "Mon, 02 Jun 2025 10:15:30 GMT") == UTCTime(iso8601: "2025-06-02T10:15:30Z"))
        #expect(UTCTime(httpDate: "Monday, 02-Jun-25 10:15:30 GMT") == nil)
    }
}
