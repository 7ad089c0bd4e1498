@testable import AWSCore
@testable import AWSServices
import TestSupport
import Testing

/// Each S3 call is signed for its bucket's region, learnt from S3's refusals the way the SDKs
/// learn it, against a server that, like S3, accepts only signatures for the bucket's region.
struct BucketRegionTests {
    /// The region of a request's SigV4 credential scope (`AKID/date/REGION/s3/aws4_request`).
    private static func signedRegion(_ request: ScriptedServer.Request) -> String? {
        guard let credential = request.header("Authorization")?.firstRange(of: "Credential=") else { return nil }
        let scope = request.header("Authorization")![credential.upperBound...].prefix { $0 != "," }.split(separator: "/")
        return scope.count == 5 ? String(scope[2]) : nil
    }

    /// S3's answer to a signature for the wrong region: 400 with the bucket's region in the body.
    private static func authorizationHeaderMalformed(signedFor wrong: String, expecting right: String) -> ScriptedServer.Behaviour {
        .s3XML(400, """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region '\(wrong)' is wrong; \
            expecting '\(right)'</Message><Region>\(right)</Region><RequestId>4442587FB7D0A2F9</RequestId></Error>
            """)
    }

    /// A server holding `bucket` in `region`: anything signed for another region is refused
    /// with `refusal`, anything else gets `accepted`.
    private static func server(bucket: String = "dr-backups", in region: String = "us-west-2",
                               refusal: @escaping @Sendable (ScriptedServer.Request, String) -> ScriptedServer.Behaviour = { request, region in
                                   BucketRegionTests.authorizationHeaderMalformed(signedFor: BucketRegionTests.signedRegion(request) ?? "", expecting: region)
                               },
                               accepted: ScriptedServer.Behaviour = .s3XML(200, "backup bytes")) throws -> ScriptedServer {
        try ScriptedServer([], whenExhausted: .decide { request in
            guard request.path.hasPrefix("/\(bucket)"), signedRegion(request) != region else { return accepted }
            return refusal(request, region)
        })
    }

    private static func s3(_ server: ScriptedServer) throws -> S3 { S3(aws: try Fixture.client(server), retry: Fixture.fastRetry(maxAttempts: 3)) }

    @Test func callSignedForTheWrongRegionIsSignedAgainForTheRegionS3Names() async throws {
        let server = try Self.server()
        let bytes = try await Self.s3(server).getObject(bucket: "dr-backups", key: "cognito-backup/2025/06/02/pool.json")
        #expect(String(decoding: bytes, as: UTF8.self) == "backup bytes")
        #expect(server.requests.map(Self.signedRegion) == [Fixture.region, "us-west-2"])
        // A custom endpoint keeps its host: only the signature changes region.
        #expect(Set(server.requests.compactMap { $0.header("Host") }) == ["127.0.0.1:\(server.port)"])
    }

    @Test func learntRegionSignsEveryLaterCallToThatBucketOnly() async throws {
        let server = try Self.server()
        let s3 = try Self.s3(server)
        _ = try await s3.listObjectsV2(bucket: "dr-backups", prefix: "cognito-backup/")
        _ = try await s3.putObject(bucket: "dr-backups", key: "mapping.json", body: Array("{}".utf8))
        _ = try await s3.getObject(bucket: "primary-backups", key: "pool.json")
        #expect(server.requests.map(Self.signedRegion) == [Fixture.region, "us-west-2", "us-west-2", Fixture.region])
    }

    @Test func headAnswerWithoutABodyIsRedirectedByItsBucketRegionHeader() async throws {
        let server = try Self.server(refusal: { _, region in .respond(301, headers: [("x-amz-bucket-region", region)]) },
                                     accepted: .respond(200, headers: [("Content-Length", "12"), ("ETag", "\"abc\"")]))
        let info = try await Self.s3(server).headObject(bucket: "dr-backups", key: "pool.json")
        #expect(info.eTag == "\"abc\"")
        #expect(server.requests.map(Self.signedRegion) == [Fixture.region, "us-west-2"])
    }

    @Test func redirectThatNamesNoRegionAsksHeadBucketForIt() async throws {
        let server = try Self.server(refusal: { request, region in
            request.method == "HEAD" && request.path == "/dr-backups" ? .respond(301, headers: [("x-amz-bucket-region", region)])
                : .s3Error(301, code: "PermanentRedirect", message: "The bucket you are attempting to access must be addressed using the specified endpoint.")
        })
        _ = try await Self.s3(server).getObject(bucket: "dr-backups", key: "pool.json")
        #expect(server.requests.map { "\($0.method) \($0.path) \(Self.signedRegion($0) ?? "")" } == [
            "GET /dr-backups/pool.json \(Fixture.region)", "HEAD /dr-backups \(Fixture.region)", "GET /dr-backups/pool.json us-west-2",
        ])
    }

    @Test func regionGivenByTheCallerSignsTheFirstCall() async throws {
        let server = try Self.server()
        let s3 = try Self.s3(server)
        s3.useRegion("us-west-2", forBucket: "dr-backups")
        _ = try await s3.getObject(bucket: "dr-backups", key: "pool.json")
        #expect(server.requests.map(Self.signedRegion) == ["us-west-2"])
    }

    @Test func refusalNamingTheRegionAlreadySignedForIsNotSentAgain() async throws {
        let server = try ScriptedServer([], whenExhausted: Self.authorizationHeaderMalformed(signedFor: Fixture.region, expecting: Fixture.region))
        await #expect { try await Self.s3(server).getObject(bucket: "dr-backups", key: "pool.json") } throws: { error in
            (error as? AWSError)?.code == "AuthorizationHeaderMalformed"
        }
        #expect(server.requests.count == 1)
    }
}
