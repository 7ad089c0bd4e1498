/// Which usernames the users section holds, at 8 bytes a user: a sorted array of 64-bit hashes
/// (FNV-1a over the name's UTF-8 bytes, so `José` in NFC and in NFD are two names, as in Cognito).
/// A name missing from the section is found with a chance of a false "present" near n / 2^64.
struct UsernameIndex: Sendable {
    private var hashes: [UInt64] = []
    private var sorted = true

    init(expectedCount: Int = 0) { hashes.reserveCapacity(max(0, expectedCount)) }

    mutating func insert(_ username: String) {
        hashes.append(Self.hash(username))
        sorted = false
    }

    /// Sorts once, after the last insert.
    mutating func seal() {
        hashes.sort()
        sorted = true
    }

    func contains(_ username: String) -> Bool {
        precondition(sorted, "contains() before seal()")
        let hash = Self.hash(username)
        var low = 0, high = hashes.count
        while low < high {
            let middle = (low + high) / 2
            if hashes[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low < hashes.count && hashes[low] == hash
    }

    static func hash(_ username: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in username.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
