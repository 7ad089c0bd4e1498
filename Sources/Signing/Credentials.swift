import Support

/// An access key, its secret and an optional session token. Its description never shows the secret
/// or the token, so credentials can be logged or put in an error without leaking.
public struct Credentials: Sendable, CustomStringConvertible {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?
    /// When temporary credentials stop working; nil for long-term keys.
    public let expiration: UTCTime?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: UTCTime? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    public var description: String { "Credentials(\(accessKeyID), secret redacted)" }
}
