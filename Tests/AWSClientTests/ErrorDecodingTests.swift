@testable import AWSCore
@testable import AWSServices
@testable import HTTP
import JSON
import TestSupport
import Testing

/// How a refused call becomes an `AWSError`: the code and message from each way AWS (and the
/// emulators in front of it) write them, and the request id a person needs to ask AWS about it.
struct ErrorDecodingTests {
    private func jsonError(_ body: String, status: Int = 400, headers: [(name: String, value: String)] = []) -> (code: String, message: String) {
        JSONProtocolClient.decodeError(HTTPResponse(status: status, headers: headers, body: Array(body.utf8)))
    }

    @Test func jsonTypeWithNamespaceDecodesToShapeName() {
        let decoded = jsonError(#"{"__type":"com.amazonaws.cognito#ResourceNotFoundException","message":"User pool eu-west-1_AbCdEfGhI does not exist."}"#)
        #expect(decoded.code == "ResourceNotFoundException")
        #expect(decoded.message == "User pool eu-west-1_AbCdEfGhI does not exist.")
    }

    @Test func jsonTypeWithURLTailDecodesToShapeName() {
        let decoded = jsonError(#"{"__type":"ResourceNotFoundException:http://internal.amazon.com/coral/com.amazon.coral.service/","message":"User does not exist."}"#)
        #expect(decoded.code == "ResourceNotFoundException")
    }

    @Test func errorTypeHeaderNamesTheErrorWhenTheBodyDoesNot() {
        let decoded = jsonError(#"{"message":"User pool client 1example23456789 does not exist."}"#,
                                headers: [("x-amzn-errortype", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.cognito/")])
        #expect(decoded.code == "ResourceNotFoundException")
        #expect(decoded.message == "User pool client 1example23456789 does not exist.")
    }

    @Test func capitalisedMessageMemberIsRead() {
        let decoded = jsonError(#"{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::123456789012:assumed-role/backup/x is not authorized to perform: cognito-idp:ListUsers"}"#)
        #expect(decoded.code == "AccessDeniedException")
        #expect(decoded.message.hasPrefix("User: arn:aws:sts::123456789012"))
    }

    @Test func xmlErrorResponseFromAnEmulatorDecodes() {
        let decoded = jsonError("""
            <?xml version="1.0" encoding="UTF-8"?>
            <ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.</Message></Error><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ErrorResponse>
            """, status: 403)
        #expect(decoded.code == "SignatureDoesNotMatch")
        #expect(decoded.message.hasPrefix("The request signature we calculated"))
    }

    @Test func bodylessErrorIsNamedByItsStatus() {
        let decoded = jsonError("", status: 502)
        #expect(decoded.code == "HTTP502")
        #expect(decoded.message == "")
    }

    @Test func s3ErrorDocumentDecodes() {
        let decoded = S3.decodeError(HTTPResponse(status: 404, headers: [], body: Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>backups/eu-west-1_AbCdEfGhI/2025/06/02/101530.json</Key><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """.utf8)))
        #expect(decoded.code == "NoSuchKey")
        #expect(decoded.message == "The specified key does not exist.")
    }

    @Test func cognitoErrorCarriesCodeStatusMessageAndRequestID() async throws {
        let server = try ScriptedServer([.jsonError(type: "com.amazonaws.cognito#ResourceNotFoundException", message: "User pool eu-west-1_AbCdEfGhI does not exist.",
                                                    requestID: "3c1e6a52-7f0b-4b8e-9a51-0d2f4e6a8c10")])
        defer { server.stop() }
        let cognito = Cognito(aws: try Fixture.client(server), quotas: Fixture.unthrottledQuotas, retry: Fixture.fastRetry(maxAttempts: 3))

        let error = await #expect(throws: AWSError.self) { try await cognito.call("DescribeUserPool", ["UserPoolId": "eu-west-1_AbCdEfGhI"]) }

        #expect(error?.code == "ResourceNotFoundException")
        #expect(error?.httpStatus == 400)
        #expect(error?.operation == "DescribeUserPool")
        #expect(error?.message == "User pool eu-west-1_AbCdEfGhI does not exist.")
        #expect(error?.requestID == "3c1e6a52-7f0b-4b8e-9a51-0d2f4e6a8c10")
    }

    @Test func s3NoSuchKeyCarriesCodeAndRequestID() async throws {
        let server = try ScriptedServer([.s3Error(404, code: "NoSuchKey", message: "The specified key does not exist.", requestID: "0A49CE4060975EAC")])
        defer { server.stop() }
        let s3 = S3(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 3))

        let error = await #expect(throws: AWSError.self) { try await s3.getObject(bucket: "backups", key: "missing.json") }

        #expect(error?.code == "NoSuchKey")
        #expect(error?.httpStatus == 404)
        #expect(error?.requestID == "0A49CE4060975EAC")
        #expect(server.requests.count == 1)
    }

    @Test func headObjectWithoutBodyIsNotFound() async throws {
        let server = try ScriptedServer([.respond(404, headers: [("x-amz-request-id", "9B2E7F1A3C5D4E60"), ("Content-Type", "application/xml")])])
        defer { server.stop() }
        let s3 = S3(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 3))

        let error = await #expect(throws: AWSError.self) { _ = try await s3.headObject(bucket: "backups", key: "missing.json") }

        #expect(error?.code == "NotFound")
        #expect(error?.httpStatus == 404)
        #expect(server.requests.first?.method == "HEAD")
    }

    @Test func completeMultipartUploadWithErrorInA200Fails() async throws {
        let server = try ScriptedServer([.s3Error(200, code: "AccessDenied", message: "Access Denied", requestID: "5C1E3A2B4D6F8E90")])
        defer { server.stop() }
        let s3 = S3(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 3))

        let error = await #expect(throws: AWSError.self) {
            _ = try await s3.completeMultipartUpload(bucket: "backups", key: "pool.json", uploadID: "upload-1", parts: [S3.UploadedPart(eTag: #""9b2cf535f27731c974343645a3985328""#, sha256: "c2hhMjU2")])
        }

        #expect(error?.code == "AccessDenied")
        #expect(error?.operation == "CompleteMultipartUpload")
        #expect(error?.requestID == "5C1E3A2B4D6F8E90")
    }

    /// S3 reports a completion that failed inside S3 as 200 + `<Error><Code>InternalError`; the SDKs
    /// treat it as a 500 and retry, as S3's documentation asks.
    @Test func completeMultipartUploadRetriesInternalErrorInA200() async throws {
        let server = try ScriptedServer([
            .s3Error(200, code: "InternalError", message: "We encountered an internal error. Please try again."),
            .s3XML(200, """
                <?xml version="1.0" encoding="UTF-8"?>
                <CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Location>http://backups.s3.eu-west-1.amazonaws.com/pool.json</Location><Bucket>backups</Bucket><Key>pool.json</Key><ETag>"3858f62230ac3c915f300c664312c11f-1"</ETag></CompleteMultipartUploadResult>
                """),
        ])
        defer { server.stop() }
        let s3 = S3(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 3))

        let stored = try await s3.completeMultipartUpload(bucket: "backups", key: "pool.json", uploadID: "upload-1", parts: [S3.UploadedPart(eTag: #""9b2cf535f27731c974343645a3985328""#, sha256: "c2hhMjU2")])

        #expect(stored.eTag == #""3858f62230ac3c915f300c664312c11f-1""#)
        #expect(server.requests.count == 2)
    }
}

struct S3HeadErrorTests {
    @Test func aForbiddenHeadWithoutAnErrorDocumentIsAnAccessDenial() {
        let decoded = S3.decodeError(HTTPResponse(status: 403, headers: [], body: []))
        #expect(decoded.code == "AccessDenied" && decoded.message.contains("HEAD"))
        #expect(S3.decodeError(HTTPResponse(status: 404, headers: [], body: [])).code == "NotFound")
    }
}

struct XMLTextTests {
    @Test(arguments: [("ab&cd", "ab&cd"), ("a&amp;b", "a&b"), ("&lt;x&gt; &#233;&#x2603;", "<x> é☃"), ("tail &", "tail &"), ("&bogus; ok", "&bogus; ok")])
    func entitiesAreDecodedAndABareAmpersandIsKept(_ text: String, _ expected: String) {
        #expect(XMLText.unescape(Substring(text)) == expected)
    }

    @Test func escapingEveryPredefinedEntityIsUndoneByUnescaping() {
        let text = "a<b> & \"c\" 'd' é"
        #expect(XMLText.escape(text) == "a&lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; é")
        #expect(XMLText.unescape(Substring(XMLText.escape(text))) == text)
    }
}
