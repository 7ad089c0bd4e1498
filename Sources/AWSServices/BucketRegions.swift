import AWSCore
import HTTP
import Synchronization

/// Which region each S3 bucket is in. S3 refuses a request sent to or signed for another region
/// than its bucket's (a DR bucket read from the primary region, a bucket named on the command
/// line), and its refusal names the right one; the SDKs learn it from there, and so do we.
final class BucketRegions: Sendable {
    private let known = Mutex<[String: String]>([:])

    func region(of bucket: String) -> String? { known.withLock { $0[bucket] } }

    func remember(_ region: String, for bucket: String) { known.withLock { $0[bucket] = region } }

    /// The bucket's region as an answer names it: the `x-amz-bucket-region` header (HeadBucket's,
    /// and S3 sends it on 301, 400 and 403 answers too), else the `<Region>` element of an
    /// `AuthorizationHeaderMalformed` error.
    static func named(by response: HTTPResponse) -> String? {
        if let header = response.header("x-amz-bucket-region"), !header.isEmpty { return header }
        let text = String(decoding: response.body, as: UTF8.self)
        guard text.contains("<Code>AuthorizationHeaderMalformed</Code>") else { return nil }
        return XMLText.value(of: "Region", in: text).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether S3 refused the request for going to, or being signed for, another region than the
    /// bucket's, without necessarily saying which (a HEAD answer has no body).
    static func isWrongRegion(_ error: AWSError) -> Bool {
        ["PermanentRedirect", "AuthorizationHeaderMalformed", "TemporaryRedirect"].contains(error.code)
            || error.httpStatus == 301 || error.httpStatus == 307
    }
}
