import JSON
import Signing
import Support

/// The JSON the container endpoint, IMDS and a `credential_process` answer with.
enum TemporaryCredentialsDocument {
    static func parse(_ body: [UInt8], source: String) throws(CredentialError) -> Credentials {
        guard let document = try? JSON(parsing: body) else { throw CredentialError("\(source) returned no usable credentials") }
        return try credentials(in: document, source: source)
    }

    /// `tokenKey` is `Token` for the metadata endpoints and `SessionToken` for a process.
    static func credentials(in document: JSON, source: String, tokenKey: String = "Token") throws(CredentialError) -> Credentials {
        guard let id = document["AccessKeyId"]?.string, let secret = document["SecretAccessKey"]?.string else {
            throw CredentialError("\(source) returned no usable credentials")
        }
        var expiration: UTCTime?
        if let text = document["Expiration"]?.string {
            guard let time = UTCTime(iso8601: text) else { throw CredentialError("\(source) returned an unreadable Expiration '\(text)'") }
            expiration = time
        }
        return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: document[tokenKey]?.string, expiration: expiration)
    }
}
