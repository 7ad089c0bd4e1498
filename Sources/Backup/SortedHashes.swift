/// A set of strings kept as 64-bit hashes of their bytes (seeded per process), sorted: 8 bytes a
/// string however long, for the sets a restore needs of every user (the backup's usernames, the
/// subs an earlier run created). A string not in the set is taken for one that is about once in
/// 2^64 / count lookups.
public struct SortedHashes: Sendable {
    private let hashes: [UInt64]

    /// `hashes` from `hash(_:)`, sorted.
    public init(sorted hashes: [UInt64]) { self.hashes = hashes }

    public init(_ strings: [String]) {
        var hashes = strings.map(Self.hash)
        hashes.sort()
        self.hashes = hashes
    }

    public func contains(_ text: String) -> Bool { contains(hash: Self.hash(text)) }

    public var isEmpty: Bool { hashes.isEmpty }

    public func contains(hash wanted: UInt64) -> Bool { index(of: wanted) != nil }

    /// Where `wanted` is in the sorted hashes: what a list kept beside them in the same order is
    /// looked up by.
    public func index(of wanted: UInt64) -> Int? {
        var low = 0, high = hashes.count
        while low < high {
            let middle = (low + high) / 2
            if hashes[middle] < wanted { low = middle + 1 } else { high = middle }
        }
        return low < hashes.count && hashes[low] == wanted ? low : nil
    }

    public static func hash(_ text: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(UserKey(text))
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }
}
