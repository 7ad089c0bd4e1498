import CCrypto

/// SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto.
public enum Crypto {
    public static func sha256<Bytes: Collection<UInt8>>(_ data: Bytes) -> [UInt8] {
        let hasher = SHA256Hasher()
        hasher.update(data)
        return hasher.finalize()
    }

    /// RFC 2104 over the hasher below. OpenSSL's `HMAC()` looks up both the MAC and the digest
    /// anew on every call, which costs more than the four blocks a signature hashes.
    public static func hmacSHA256<Key: Collection<UInt8>, Message: Collection<UInt8>>(key: Key, _ message: Message) -> [UInt8] {
        let blockSize = 64
        var block = key.count > blockSize ? sha256(key) : Array(key)
        block += repeatElement(0, count: blockSize - block.count)
        let inner = SHA256Hasher()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        let outer = SHA256Hasher()
        outer.update(block.map { $0 ^ 0x5C })
        outer.update(inner.finalize())
        return outer.finalize()
    }
}

/// Incremental SHA-256, so an object's digest is known without holding the object.
public final class SHA256Hasher {
    /// Fetched once: `EVP_sha256()` has every new hasher look the algorithm up again (OpenSSL 3's
    /// implicit fetch), which costs more than hashing a request. A fetched method is immutable
    /// and OpenSSL lets any thread use it.
    nonisolated(unsafe) private static let method = EVP_MD_fetch(nil, "SHA256", nil)
    private let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, Self.method, nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update<Bytes: Collection<UInt8>>(_ data: Bytes) {
        let hashedInPlace: Void? = data.withContiguousStorageIfAvailable { buffer in
            _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
        if hashedInPlace == nil { Array(data).withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) } }
    }

    /// The digest of everything given so far; the hasher starts over afterwards.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        EVP_DigestInit_ex(context, Self.method, nil)
        return digest
    }
}

extension Collection<UInt8> {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
