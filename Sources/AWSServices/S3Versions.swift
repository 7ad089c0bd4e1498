import AWSCore

/// The versions a versioned bucket keeps of one key: what a lifecycle rule's delete marker hides,
/// and a legal hold keeps.
extension S3 {
    /// The version ids of exactly `key` that hold bytes (delete markers left out), newest first,
    /// page after page (ListObjectVersions lists by prefix, a key's versions newest first).
    public func versionIDs(bucket: String, key: String) async throws(AWSError) -> [String] {
        var versions: [String] = []
        var markers: [(name: String, value: String)] = []
        repeat {
            let text = String(decoding: try await send("ListObjectVersions", "GET", bucket: bucket, key: nil,
                                                       query: [("prefix", key), ("versions", "")] + markers).body, as: UTF8.self)
            versions += XMLText.values(of: "Version", in: text).compactMap { version in
                guard XMLText.value(of: "Key", in: version) == key else { return nil }
                return XMLText.value(of: "VersionId", in: version)
            }
            markers = []
            if XMLText.value(of: "IsTruncated", in: text) == "true", let next = XMLText.value(of: "NextKeyMarker", in: text) {
                markers = [("key-marker", next), ("version-id-marker", XMLText.value(of: "NextVersionIdMarker", in: text) ?? "")]
            }
        } while !markers.isEmpty
        return versions
    }

    /// The version a hold or a read of `key` means: the current one, or when a delete marker
    /// hides the key (its tier's lifecycle rule expired it), the newest version behind it; nil
    /// when the key has none, or the bucket keeps no versions ("null").
    public func newestVersionID(bucket: String, key: String) async throws(AWSError) -> String? {
        do {
            return try await headObject(bucket: bucket, key: key).versionID.flatMap { $0 == "null" ? nil : $0 }
        } catch where error.httpStatus == 404 {
            return try await versionIDs(bucket: bucket, key: key).first.flatMap { $0 == "null" ? nil : $0 }
        }
    }
}
