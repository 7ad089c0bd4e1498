import AWSCore

/// What the bucket's lifecycle rules do to what a failed backup leaves.
extension S3 {
    /// After how many days the bucket's lifecycle rules abort an incomplete multipart upload of
    /// `key` (the shortest of the enabled rules whose prefix covers it); nil when none does or
    /// the bucket has no lifecycle configuration.
    public func abortIncompleteUploadDays(bucket: String, key: String) async throws(AWSError) -> Int? {
        let text: String
        do {
            text = String(decoding: try await send("GetBucketLifecycleConfiguration", "GET", bucket: bucket, key: nil,
                                                   query: [("lifecycle", "")]).body, as: UTF8.self)
        } catch where error.code == "NoSuchLifecycleConfiguration" {
            return nil
        }
        return Self.abortIncompleteUploadDays(in: text, key: key)
    }

    static func abortIncompleteUploadDays(in xml: String, key: String) -> Int? {
        XMLText.values(of: "Rule", in: xml).compactMap { rule -> Int? in
            guard XMLText.value(of: "Status", in: rule) == "Enabled", key.hasPrefix(XMLText.value(of: "Prefix", in: rule) ?? ""),
                  let abort = XMLText.value(of: "AbortIncompleteMultipartUpload", in: rule) else { return nil }
            return XMLText.value(of: "DaysAfterInitiation", in: abort).flatMap { Int($0) }
        }.min()
    }
}
