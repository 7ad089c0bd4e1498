import HTTP
import JSON
import Support

/// Fetches the classic hosted UI's logo from its URL. GetUICustomization gives the logo only as
/// `ImageUrl`, a file in the pool's CloudFront distribution that goes when the pool goes, while
/// SetUICustomization wants the image itself: a backup keeps the image, and a restore of a
/// backup that did not falls back to the URL.
public struct LogoDownload: Sendable {
    /// Cognito refuses a logo larger than 100 KB.
    public static let cognitoLimit = 100 * 1024
    /// A logo is small: a connection or a transfer that takes longer is not going to deliver one.
    public static let timeouts = HTTPTimeouts(connectMilliseconds: 5_000, totalMilliseconds: 30_000, stallSeconds: 10)

    let http: HTTPClient
    let maxBytes: Int
    let timeouts: HTTPTimeouts
    /// `https` only: a backup's URL must not make the restore read a `file://` or talk to a
    /// server in the clear. Tests add `http` for a local server.
    let schemes: Set<String>

    public init(http: HTTPClient = .shared, maxBytes: Int = LogoDownload.cognitoLimit, timeouts: HTTPTimeouts = LogoDownload.timeouts,
                schemes: Set<String> = ["https"]) {
        self.http = http
        self.maxBytes = maxBytes
        self.timeouts = timeouts
        self.schemes = schemes
    }

    /// A logo as a backup keeps it: the image, where it was and what it said it was.
    public struct Logo: Sendable, Equatable {
        public let url: String
        public let contentType: String?
        public let bytes: [UInt8]

        /// `{"url", "content_type", "base64"}`: the form of each entry of the backup's `ui_logos`.
        public var json: JSON {
            [BackupFormat.Member.Logo.url: .string(url), BackupFormat.Member.Logo.contentType: contentType.map(JSON.string) ?? .null,
             BackupFormat.Member.Logo.base64: .string(Base64.encode(bytes))]
        }
    }

    public func image(at url: String) async throws(LogoDownloadError) -> [UInt8] { try await logo(at: url).bytes }

    public func logo(at url: String) async throws(LogoDownloadError) -> Logo {
        guard let separator = url.firstRange(of: "://"), schemes.contains(url[..<separator.lowerBound].lowercased()) else {
            throw LogoDownloadError(url: url, reason: .unsupportedScheme)
        }
        // The client keeps a whole body in memory; asking for one byte more than the limit keeps
        // a server that honours ranges (CloudFront does) from sending more than that.
        let request = HTTPRequest(method: "GET", url: url, headers: [("Range", "bytes=0-\(maxBytes)")], timeouts: timeouts)
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            throw LogoDownloadError(url: url, reason: .transport(error))
        }
        guard response.status == 200 || response.status == 206 else { throw LogoDownloadError(url: url, reason: .status(response.status)) }
        guard !response.body.isEmpty else { throw LogoDownloadError(url: url, reason: .empty) }
        guard response.body.count <= maxBytes else { throw LogoDownloadError(url: url, reason: .tooLarge(limit: maxBytes)) }
        return Logo(url: url, contentType: response.header("Content-Type"), bytes: response.body)
    }
}

/// A logo that could not be fetched; the restore goes on without it and says so.
public struct LogoDownloadError: Error, CustomStringConvertible, Sendable {
    public enum Reason: Sendable {
        case unsupportedScheme
        case transport(TransportError)
        case status(Int)
        case empty
        case tooLarge(limit: Int)
    }

    public let url: String
    public let reason: Reason

    public var description: String {
        let why: String
        switch reason {
        case .unsupportedScheme: why = "not an https URL"
        case .transport(let error): why = error.description
        case .status(let status): why = "HTTP \(status)"
        case .empty: why = "the answer was empty"
        case .tooLarge(let limit): why = "larger than Cognito's \(limit / 1024) KB limit for a logo"
        }
        return "downloading \(url) failed: \(why)"
    }
}
