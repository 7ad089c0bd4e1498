import CCrypto

/// SHA-256, HMAC-SHA256, SHA-1 and MD5 from OpenSSL's libcrypto.
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

    /// Only for names others chose it for (the SSO token cache's file names), never for integrity.
    public static func sha1<Bytes: Collection<UInt8>>(_ data: Bytes) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        let input = Array(data)
        EVP_Digest(input, input.count, &digest, &length, EVP_sha1(), nil)
        return digest
    }

    /// Only for the `Content-MD5` header S3 requires on some calls (PutObjectLegalHold), never for integrity.
    public static func md5<Bytes: Collection<UInt8>>(_ data: Bytes) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 0
        let input = Array(data)
        EVP_Digest(input, input.count, &digest, &length, EVP_md5(), nil)
        return digest
    }
}

/// Incremental SHA-256, so an object's digest is known without holding the object. Its state can
/// be saved and restored (`state`, `init(state:)`), so a backup that goes on in another process
/// carries its running digest along.
public final class SHA256Hasher {
    private var context = SHA256_CTX()

    public init() { ccrypto_sha256_init(&context) }

    /// The state `state` saved; nil if it is not one (another size: a different OpenSSL layout).
    public init?(state: [UInt8]) {
        guard state.count == MemoryLayout<SHA256_CTX>.size else { return nil }
        withUnsafeMutableBytes(of: &context) { $0.copyBytes(from: state) }
    }

    /// The running state, as bytes: the eight words, the length hashed and the unfinished block.
    public var state: [UInt8] { withUnsafeBytes(of: context) { Array($0) } }

    public func update<Bytes: Collection<UInt8>>(_ data: Bytes) {
        let hashedInPlace: Void? = data.withContiguousStorageIfAvailable { buffer in
            ccrypto_sha256_update(&context, buffer.baseAddress, buffer.count)
        }
        if hashedInPlace == nil { Array(data).withUnsafeBytes { ccrypto_sha256_update(&context, $0.baseAddress, $0.count) } }
    }

    /// The digest of everything given so far; the hasher starts over afterwards.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        ccrypto_sha256_final(&digest, &context)
        ccrypto_sha256_init(&context)
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
