import AWSCore
import Signing
import Support

/// S3 Object Lock legal holds: an object under one cannot be deleted or overwritten, whatever its
/// retention, until the hold is lifted. Only a bucket created with Object Lock takes them.
extension S3 {
    /// The PutObjectLegalHold body and the `Content-MD5` S3 requires with it (the API model marks
    /// the call `requestChecksumRequired`; MD5 is the checksum every S3 and emulator accepts).
    public static func legalHoldRequest(on: Bool) -> (body: [UInt8], headers: [(name: String, value: String)]) {
        let body = Array("<LegalHold xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>\(on ? "ON" : "OFF")</Status></LegalHold>".utf8)
        return (body, [("Content-Type", "application/xml"), ("Content-MD5", Base64.encode(Crypto.md5(body)))])
    }

    /// Sets (`on`) or lifts the legal hold of the object's current version, or of `versionID`.
    public func setLegalHold(bucket: String, key: String, versionID: String? = nil, on: Bool) async throws(AWSError) {
        let request = Self.legalHoldRequest(on: on)
        _ = try await send("PutObjectLegalHold", "PUT", bucket: bucket, key: key,
                           query: [("legal-hold", "")] + (versionID.map { [("versionId", $0)] } ?? []),
                           headers: request.headers, body: request.body)
    }

    /// Whether the object is under a legal hold; nil when its bucket has no Object Lock (S3 then
    /// refuses the question with `InvalidRequest`), so no hold can exist.
    public func legalHold(bucket: String, key: String, versionID: String? = nil) async throws(AWSError) -> Bool? {
        do {
            let text = String(decoding: try await send("GetObjectLegalHold", "GET", bucket: bucket, key: key,
                                                       query: [("legal-hold", "")] + (versionID.map { [("versionId", $0)] } ?? [])).body,
                              as: UTF8.self)
            return XMLText.value(of: "Status", in: text) == "ON"
        } catch where error.code == "InvalidRequest" || error.code == "ObjectLockConfigurationNotFoundError" {
            return nil
        } catch where error.code == "NoSuchObjectLockConfiguration" {
            // The bucket has Object Lock but this object never had a hold set.
            return false
        }
    }
}
