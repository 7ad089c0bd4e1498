import AWSCore
import HTTP
import Signing
import Support

/// The S3 REST calls a backup needs: whole and multipart uploads, reads, and listings.
/// Virtual-hosted addressing on AWS; path-style on a custom endpoint. Each call is signed for and
/// sent to its bucket's region, learnt from the first refusal that names it.
public final class S3: Sendable {
    private let aws: AWSClient
    private let endpoint: Endpoint
    private let retry: RetryPolicy
    private let regions = BucketRegions()

    public init(aws: AWSClient, retry: RetryPolicy = .standard) {
        self.aws = aws
        endpoint = aws.endpoint(for: .s3)
        self.retry = retry
    }

    /// Sends every call to `bucket` to `region` from the first, instead of learning it from S3
    /// (`--source-region`).
    public func useRegion(_ region: String, forBucket bucket: String) { regions.remember(region, for: bucket) }

    public struct Stored: Sendable {
        public let eTag: String?
        public let versionID: String?
    }

    public struct ObjectInfo: Sendable {
        public let size: Int
        public let eTag: String?
        public let versionID: String?
        /// The object's user metadata (`x-amz-meta-NAME`), by NAME in lower case.
        public let metadata: [String: String]
    }

    /// One uploaded part, as CompleteMultipartUpload must name it.
    public struct UploadedPart: Sendable {
        public let eTag: String
        /// Base64 SHA-256 of the part, which S3 checked on receipt.
        public let sha256: String

        public init(eTag: String, sha256: String) {
            self.eTag = eTag
            self.sha256 = sha256
        }
    }

    /// `x-amz-checksum-sha256` for `body`: S3 refuses the upload if what arrives differs.
    public static func checksumHeader(_ body: [UInt8]) -> (name: String, value: String) { checksumHeader(digest: Crypto.sha256(body)) }

    static func checksumHeader(digest: [UInt8]) -> (name: String, value: String) { ("x-amz-checksum-sha256", Base64.encode(digest)) }

    /// Makes a PutObject or CompleteMultipartUpload fail with `PreconditionFailed` rather than
    /// replace an object already under the key.
    public static let ifNoneMatch = (name: "If-None-Match", value: "*")

    public struct Listing: Sendable {
        public let keys: [(key: String, size: Int)]
        public let nextToken: String?
    }

    /// Always with a checksum (`x-amz-checksum-sha256` unless the caller sent one): S3 refuses a
    /// PutObject without one (or Content-MD5) into a bucket with an Object Lock retention rule.
    public func putObject(bucket: String, key: String, body: [UInt8], headers: [(name: String, value: String)] = []) async throws(AWSError) -> Stored {
        // The checksum and the signature's payload hash are one digest: the body is hashed once.
        let digest = Crypto.sha256(body)
        let checksummed = headers.contains { $0.name.lowercased().hasPrefix("x-amz-checksum-") } ? headers : headers + [Self.checksumHeader(digest: digest)]
        let response = try await send("PutObject", "PUT", bucket: bucket, key: key, headers: checksummed, body: body, bodySHA256: digest)
        return Stored(eTag: response.header("etag"), versionID: response.header("x-amz-version-id"))
    }

    public func createMultipartUpload(bucket: String, key: String, headers: [(name: String, value: String)] = []) async throws(AWSError) -> String {
        let response = try await send("CreateMultipartUpload", "POST", bucket: bucket, key: key, query: [("uploads", "")], headers: headers)
        guard let uploadID = XMLText.value(of: "UploadId", in: String(decoding: response.body, as: UTF8.self)) else {
            throw invalidResponse("CreateMultipartUpload", "no UploadId in the response")
        }
        return uploadID
    }

    /// Uploads one part with its SHA-256, for an upload created with `x-amz-checksum-algorithm: SHA256`.
    public func uploadPart(bucket: String, key: String, uploadID: String, partNumber: Int, body: [UInt8]) async throws(AWSError) -> UploadedPart {
        let digest = Crypto.sha256(body)
        let checksum = Self.checksumHeader(digest: digest)
        let response = try await send("UploadPart", "PUT", bucket: bucket, key: key,
                                      query: [("partNumber", String(partNumber)), ("uploadId", uploadID)], headers: [checksum], body: body,
                                      bodySHA256: digest)
        guard let eTag = response.header("etag") else { throw invalidResponse("UploadPart", "no ETag in the response") }
        return UploadedPart(eTag: eTag, sha256: checksum.value)
    }

    public func completeMultipartUpload(bucket: String, key: String, uploadID: String, parts: [UploadedPart],
                                        headers: [(name: String, value: String)] = []) async throws(AWSError) -> Stored {
        let parts = parts.enumerated().map {
            "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(XMLText.escape($0.element.eTag))</ETag>"
                + "<ChecksumSHA256>\($0.element.sha256)</ChecksumSHA256></Part>"
        }
        let body = Array("<CompleteMultipartUpload>\(parts.joined())</CompleteMultipartUpload>".utf8)
        // S3 can answer 200 and still fail the completion, with an <Error> in the body: an error
        // like any other, retried when it is S3's fault.
        let response = try await send("CompleteMultipartUpload", "POST", bucket: bucket, key: key, query: [("uploadId", uploadID)],
                                      headers: [("Content-Type", "application/xml")] + headers, body: body,
                                      succeeded: { (200..<300).contains($0.status) && !String(decoding: $0.body, as: UTF8.self).contains("<Error>") })
        let text = String(decoding: response.body, as: UTF8.self)
        return Stored(eTag: XMLText.value(of: "ETag", in: text), versionID: response.header("x-amz-version-id"))
    }

    public func abortMultipartUpload(bucket: String, key: String, uploadID: String) async throws(AWSError) {
        _ = try await send("AbortMultipartUpload", "DELETE", bucket: bucket, key: key, query: [("uploadId", uploadID)])
    }

    /// Whether an object is under the key (HeadObject answers 404 when not).
    public func exists(bucket: String, key: String) async throws(AWSError) -> Bool {
        do {
            _ = try await headObject(bucket: bucket, key: key)
            return true
        } catch where error.httpStatus == 404 {
            return false
        }
    }

    /// Every key under `prefix`, page after page.
    public func allKeys(bucket: String, prefix: String) async throws(AWSError) -> [String] {
        try await allObjects(bucket: bucket, prefix: prefix).map(\.key)
    }

    /// Every key under `prefix` with its object's size, page after page.
    public func allObjects(bucket: String, prefix: String) async throws(AWSError) -> [(key: String, size: Int)] {
        var objects: [(key: String, size: Int)] = []
        var token: String?
        repeat {
            let page = try await listObjectsV2(bucket: bucket, prefix: prefix, continuationToken: token)
            objects += page.keys
            token = page.nextToken
        } while token != nil
        return objects
    }

    /// The multipart uploads still open under exactly `key` (S3 lists by prefix).
    public func openUploads(bucket: String, key: String) async throws(AWSError) -> [String] {
        try await openUploads(bucket: bucket, prefix: key).filter { $0.key == key }.map(\.uploadID)
    }

    /// A multipart upload S3 still holds: begun, neither completed nor aborted.
    public struct OpenUpload: Sendable, Equatable {
        public let key: String
        public let uploadID: String
        /// `Initiated`, as S3 writes it (ISO 8601).
        public let initiated: String
    }

    /// Every open upload under `prefix`, page after page (S3 lists at most 1,000 a page).
    public func openUploads(bucket: String, prefix: String) async throws(AWSError) -> [OpenUpload] {
        var uploads: [OpenUpload] = []
        var markers: [(name: String, value: String)] = []
        repeat {
            let text = String(decoding: try await send("ListMultipartUploads", "GET", bucket: bucket, key: nil,
                                                       query: [("prefix", prefix), ("uploads", "")] + markers).body, as: UTF8.self)
            uploads += XMLText.values(of: "Upload", in: text).compactMap { upload in
                guard let key = XMLText.value(of: "Key", in: upload), let id = XMLText.value(of: "UploadId", in: upload) else { return nil }
                return OpenUpload(key: key, uploadID: id, initiated: XMLText.value(of: "Initiated", in: upload) ?? "")
            }
            markers = []
            if XMLText.value(of: "IsTruncated", in: text) == "true", let key = XMLText.value(of: "NextKeyMarker", in: text) {
                markers = [("key-marker", key), ("upload-id-marker", XMLText.value(of: "NextUploadIdMarker", in: text) ?? "")]
            }
        } while !markers.isEmpty
        return uploads
    }

    /// Deletes the key's current object: in a versioned bucket S3 keeps the bytes as a noncurrent
    /// version behind a delete marker, for the lifecycle rule to expire.
    public func deleteObject(bucket: String, key: String) async throws(AWSError) {
        _ = try await send("DeleteObject", "DELETE", bucket: bucket, key: key)
    }

    /// The largest object `getObject` reads unless told otherwise: far above any backup, far
    /// below what would exhaust a Lambda's memory.
    public static let defaultMaxObjectBytes = 1024 * 1024 * 1024

    /// Fails with `Transport.tooLarge` rather than read more than `maxBytes`.
    /// `versionID` reads that version of the object rather than the current one.
    public func getObject(bucket: String, key: String, versionID: String? = nil,
                          maxBytes: Int = defaultMaxObjectBytes) async throws(AWSError) -> [UInt8] {
        try await send("GetObject", "GET", bucket: bucket, key: key, query: versionID.map { [("versionId", $0)] } ?? [],
                       maxResponseBytes: maxBytes).body
    }

    /// One piece of an object, with what a download in pieces needs to go on: the object's
    /// whole size, and its ETag and version, so that later pieces come from the same object.
    public struct ObjectPiece: Sendable {
        public let body: [UInt8]
        public let totalSize: Int
        public let eTag: String?
        public let versionID: String?
    }

    /// The bytes `range` of the object (a ranged GET, so memory holds one piece, never the
    /// object); `ifMatch` refuses (412) an object that is no longer the one with that ETag.
    public func getObject(bucket: String, key: String, versionID: String? = nil, range: ClosedRange<Int>,
                          ifMatch eTag: String? = nil) async throws(AWSError) -> ObjectPiece {
        var headers = [("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")]
        if let eTag { headers.append(("If-Match", eTag)) }
        let response = try await send("GetObject", "GET", bucket: bucket, key: key, query: versionID.map { [("versionId", $0)] } ?? [],
                                      headers: headers, maxResponseBytes: range.count)
        // "bytes 0-1023/4096"; a 200 is the whole object, from a peer that ignored the range.
        let total = response.header("content-range").flatMap { $0.split(separator: "/").last.flatMap { Int($0) } }
        return ObjectPiece(body: response.body, totalSize: response.status == 206 ? total ?? response.body.count : response.body.count,
                           eTag: response.header("etag"), versionID: response.header("x-amz-version-id"))
    }

    public func headObject(bucket: String, key: String) async throws(AWSError) -> ObjectInfo {
        let response = try await send("HeadObject", "HEAD", bucket: bucket, key: key)
        let prefix = "x-amz-meta-"
        let metadata = Dictionary(response.headers.filter { $0.name.hasPrefix(prefix) }.map { (String($0.name.dropFirst(prefix.count)), $0.value) },
                                  uniquingKeysWith: { first, _ in first })
        return ObjectInfo(size: Int(response.header("content-length") ?? "") ?? 0, eTag: response.header("etag"),
                          versionID: response.header("x-amz-version-id"), metadata: metadata)
    }

    public func listObjectsV2(bucket: String, prefix: String, maxKeys: Int = 1000, continuationToken: String? = nil) async throws(AWSError) -> Listing {
        var query: [(name: String, value: String)] = [("list-type", "2"), ("max-keys", String(maxKeys)), ("prefix", prefix)]
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        let text = String(decoding: try await send("ListObjectsV2", "GET", bucket: bucket, key: nil, query: query).body, as: UTF8.self)
        let keys = XMLText.values(of: "Contents", in: text).compactMap { entry -> (key: String, size: Int)? in
            guard let key = XMLText.value(of: "Key", in: entry) else { return nil }
            return (key, Int(XMLText.value(of: "Size", in: entry) ?? "") ?? 0)
        }
        let truncated = XMLText.value(of: "IsTruncated", in: text) == "true"
        return Listing(keys: keys, nextToken: truncated ? XMLText.value(of: "NextContinuationToken", in: text) : nil)
    }

    func send(_ operation: String, _ method: String, bucket: String, key: String?,
                      query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = [],
                      body: [UInt8] = [], bodySHA256: [UInt8]? = nil, maxResponseBytes: Int = HTTPRequest.defaultMaxResponseBytes,
                      succeeded: (HTTPResponse) -> Bool = { (200..<300).contains($0.status) }) async throws(AWSError) -> HTTPResponse {
        let signedFor = regions.region(of: bucket) ?? aws.region
        func attempt(in region: String) async throws(WrongRegion) -> HTTPResponse {
            let (target, path) = address(bucket: bucket, key: key, region: region)
            let call = ServiceCall(service: .s3, operation: operation, method: method, path: path, query: query, headers: headers, body: body,
                                   bodySHA256: bodySHA256, maxResponseBytes: maxResponseBytes)
            var named: String?
            do {
                return try await aws.perform(call, endpoint: target, retry: retry, limiters: [], succeeded: succeeded) { response in
                    named = BucketRegions.named(by: response)
                    return Self.decodeError(response)
                }
            } catch { throw WrongRegion(error: error, namedRegion: named) }
        }
        do {
            return try await attempt(in: signedFor)
        } catch let refusal {
            // A refusal that names another region, or says only "wrong region", is sent once
            // more to the bucket's region; S3 acted on nothing it refused this way.
            var region = refusal.namedRegion
            if region == nil, BucketRegions.isWrongRegion(refusal.error) {
                // A HeadBucket that fails as well leaves the first refusal, the one that says what went wrong, to report.
                region = (try? await headBucketRegion(bucket, from: signedFor)) ?? nil
            }
            guard let region, region != signedFor else { throw refusal.error }
            regions.remember(region, for: bucket)
            do { return try await attempt(in: region) } catch { throw error.error }
        }
    }

    /// An S3 refusal, with the bucket region its answer named, if any.
    private struct WrongRegion: Error {
        let error: AWSError
        let namedRegion: String?
    }

    /// The bucket's region from HeadBucket's `x-amz-bucket-region`, which S3 sends whatever the
    /// answer's status (200, 301, 403), when a refusal did not name it.
    private func headBucketRegion(_ bucket: String, from region: String) async throws(AWSError) -> String? {
        let (target, path) = address(bucket: bucket, key: nil, region: region)
        let call = ServiceCall(service: .s3, operation: "HeadBucket", method: "HEAD", path: path)
        let response = try await aws.perform(call, endpoint: target, retry: retry, limiters: [], succeeded: { _ in true },
                                             decodeError: Self.decodeError)
        return response.header("x-amz-bucket-region").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Virtual-hosted style on AWS (bucket in the host name) unless the bucket name has dots,
    /// which TLS wildcard certificates do not cover; path style on any other endpoint. Signed for
    /// `region` (the client's when nil), and on AWS sent to that region's host.
    func address(bucket: String, key: String?, region: String? = nil) -> (Endpoint, String) {
        let endpoint = region.map { self.endpoint.relocated(to: $0, for: .s3) } ?? self.endpoint
        let keyPath = key.map { "/" + $0 } ?? "/"
        if endpoint.isAWSHost, !bucket.contains(".") {
            return (Endpoint(baseURL: "https://\(bucket).\(endpoint.host)", isAWSHost: true, signingRegion: endpoint.signingRegion), keyPath)
        }
        return (endpoint, "/\(bucket)\(key.map { "/" + $0 } ?? "")")
    }

    static func decodeError(_ response: HTTPResponse) -> (code: String, message: String) {
        let text = String(decoding: response.body, as: UTF8.self)
        if let code = XMLText.value(of: "Code", in: text) { return (code, XMLText.value(of: "Message", in: text) ?? "") }
        switch response.status {
        case 404: return ("NotFound", "")
        // A HEAD answer has no error document; S3's 403 to one is its access denial (no
        // s3:GetObject, or no s3:ListBucket for a missing key), named as the GET would be.
        case 403: return ("AccessDenied", "S3 answered 403 Forbidden without an error document (a HEAD request)")
        case 301: return ("PermanentRedirect", "the bucket is in another region")
        default: return ("HTTP\(response.status)", "")
        }
    }

    private func invalidResponse(_ operation: String, _ message: String) -> AWSError {
        AWSError(service: "s3", operation: operation, httpStatus: nil, code: "InvalidResponse", message: message, requestID: nil)
    }
}
