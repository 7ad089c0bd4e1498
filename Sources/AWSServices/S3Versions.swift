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
            versions += Self.versionIDs(in: text, key: key)
            markers = Self.nextVersionMarkers(in: text)
        } while !markers.isEmpty
        return versions
    }

    /// One ListObjectVersions page's versions of exactly `key`: the prefix also lists longer keys
    /// (the object's prefix lists its manifest), and `DeleteMarker` entries hold no bytes.
    static func versionIDs(in xml: String, key: String) -> [String] {
        XMLText.values(of: "Version", in: xml).compactMap { version in
            XMLText.value(of: "Key", in: version) == key ? XMLText.value(of: "VersionId", in: version) : nil
        }
    }

    /// Where the next page starts; empty after the last.
    static func nextVersionMarkers(in xml: String) -> [(name: String, value: String)] {
        guard XMLText.value(of: "IsTruncated", in: xml) == "true", let next = XMLText.value(of: "NextKeyMarker", in: xml) else { return [] }
        return [("key-marker", next), ("version-id-marker", XMLText.value(of: "NextVersionIdMarker", in: xml) ?? "")]
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
