import Support

/// What SigV4 signs of a request: the method, the path and query *before* percent-encoding,
/// the headers, and the payload's hash.
public struct SignableRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [(name: String, value: String)]
    public var headers: [(name: String, value: String)]
    public var payload: Payload

    public init(method: String, path: String, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)], payload: Payload) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payload = payload
    }

    public enum Payload: Sendable {
        /// The body's SHA-256, hex.
        case hash(String)

        public init<Bytes: Collection<UInt8>>(body: Bytes) { self = .hash(Crypto.sha256(body).hexString) }

        var canonicalValue: String {
            switch self {
            case .hash(let hex): return hex
            }
        }
    }
}

/// AWS Signature Version 4 for header signing. Each step is a pure function of its inputs, so the
/// official test suite can check the canonical request and string to sign as well as the result.
public struct SigV4Signer: Sendable {
    public let credentials: Credentials
    public let region: String
    public let service: String
    /// Every service but S3 removes `.`/`..` segments and repeated slashes before signing;
    /// S3 signs the path exactly as sent.
    public let normalizesPath: Bool
    /// S3 wants the payload hash sent as `x-amz-content-sha256` (and signed with the headers).
    public let sendsPayloadHash: Bool

    /// A few services (IoT's MQTT endpoint, early STS) want the session token sent but not signed.
    public let signsSessionToken: Bool

    public init(credentials: Credentials, region: String, service: String, normalizesPath: Bool = true,
                sendsPayloadHash: Bool = false, signsSessionToken: Bool = true) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.normalizesPath = normalizesPath
        self.sendsPayloadHash = sendsPayloadHash
        self.signsSessionToken = signsSessionToken
    }

    /// S3's rules: the path as sent, the payload hash always in the headers.
    public static func s3(credentials: Credentials, region: String) -> SigV4Signer {
        SigV4Signer(credentials: credentials, region: region, service: "s3", normalizesPath: false, sendsPayloadHash: true)
    }

    /// The headers to add to `request` so that AWS accepts it: `x-amz-date`, the session token,
    /// `x-amz-content-sha256` when the service wants it, and `Authorization`.
    public func signingHeaders(for request: SignableRequest, at time: UTCTime) -> [(name: String, value: String)] {
        var added = addedHeaders(for: request, at: time)
        var signed = request
        signed.headers += added
        let canonical = canonicalRequest(signed)
        let signature = signature(stringToSign: stringToSign(canonicalRequest: canonical.text, at: time), at: time)
        added.append((
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(at: time)), SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        ))
        if !signsSessionToken, let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        return added
    }

    /// The headers the signature covers that signing itself adds.
    public func addedHeaders(for request: SignableRequest, at time: UTCTime) -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [("X-Amz-Date", time.amzDate)]
        if signsSessionToken, let token = credentials.sessionToken { headers.append(("X-Amz-Security-Token", token)) }
        if sendsPayloadHash { headers.append(("x-amz-content-sha256", request.payload.canonicalValue)) }
        return headers
    }

    public func canonicalRequest(_ request: SignableRequest) -> (text: String, signedHeaders: String) {
        var merged: [String: [String]] = [:]
        for header in request.headers {
            merged[header.name.lowercased(), default: []].append(Self.canonicalHeaderValue(header.value))
        }
        let names = merged.keys.sorted()
        let headerLines = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let path = normalizesPath ? Self.normalizedPath(request.path) : request.path
        let text = [
            request.method,
            URIEncoding.encode(path, keepSlash: true),
            Self.canonicalQuery(request.query),
            headerLines,
            signedHeaders,
            request.payload.canonicalValue,
        ].joined(separator: "\n")
        return (text, signedHeaders)
    }

    public func stringToSign(canonicalRequest: String, at time: UTCTime) -> String {
        ["AWS4-HMAC-SHA256", time.amzDate, scope(at: time), Crypto.sha256(Array(canonicalRequest.utf8)).hexString]
            .joined(separator: "\n")
    }

    public func signature(stringToSign: String, at time: UTCTime) -> String {
        let key = SigningKeys.shared.key(secret: credentials.secretAccessKey, day: time.datePart(""), region: region, service: service)
        return Crypto.hmacSHA256(key: key, Array(stringToSign.utf8)).hexString
    }

    func scope(at time: UTCTime) -> String { "\(time.datePart(""))/\(region)/\(service)/aws4_request" }

    /// The value with its white space folded: trimmed, each run one space.
    static func canonicalHeaderValue(_ value: String) -> String {
        // Most values have nothing to fold and are signed as they are, without a split and a join.
        var afterSpace = true
        for byte in value.utf8 {
            switch byte {
            case 0x09, 0x0A, 0x0D: return folded(value)
            case 0x20 where afterSpace: return folded(value)
            case 0x20: afterSpace = true
            default: afterSpace = false
            }
        }
        return afterSpace && !value.isEmpty ? folded(value) : value
    }

    private static func folded(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        query.map { (URIEncoding.encode($0.name, keepSlash: false), URIEncoding.encode($0.value, keepSlash: false)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// Removes `.`/`..` segments and repeated slashes, as every service but S3 expects.
    static func normalizedPath(_ path: String) -> String {
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let joined = "/" + segments.joined(separator: "/")
        return path.hasSuffix("/") && !segments.isEmpty ? joined + "/" : joined
    }
}

/// RFC 3986 percent-encoding as SigV4 and S3 keys need it: every byte but the unreserved ones.
public enum URIEncoding {
    public static func encode(_ text: String, keepSlash: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            case UInt8(ascii: "/") where keepSlash:
                out.append(byte)
            default:
                out.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
