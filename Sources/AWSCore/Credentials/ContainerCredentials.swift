import HTTP
import Signing
import Support

/// The container credentials endpoint: a relative URI on 169.254.170.2 or a full URI, with an
/// optional authorization token given inline or in a file.
struct ContainerCredentialsSource {
    let url: String
    let authorization: String?

    /// nil when the environment names no endpoint; throws for a full URI the SDKs would refuse.
    init?(environment: [String: String]) throws(CredentialError) {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            url = "http://169.254.170.2\(relative)"
        } else if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty {
            guard Self.isAllowed(full) else {
                throw CredentialError("AWS_CONTAINER_CREDENTIALS_FULL_URI \(full) is refused: plain http is allowed only to a loopback "
                    + "address, the ECS endpoint 169.254.170.2 or the EKS endpoint 169.254.170.23 / fd00:ec2::23; any other host needs https")
            }
            url = full
        } else {
            return nil
        }
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            authorization = FileIO.readText(file)?.trimmingCharacters(in: " \t\r\n")
        } else {
            authorization = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        }
    }

    /// The credentials and the authorization token travel in the clear over http, so only to an
    /// address that cannot leave the machine or the task (as the SDKs allow); https goes anywhere.
    static func isAllowed(_ url: String) -> Bool {
        let lowered = url.lowercased()
        if lowered.hasPrefix("https://") { return true }
        guard lowered.hasPrefix("http://") else { return false }
        var authority = lowered.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[authority.index(after: authority.startIndex)..<close]
        } else {
            host = authority.prefix { $0 != ":" }
        }
        if ["localhost", "::1", "169.254.170.2", "169.254.170.23", "fd00:ec2::23"].contains(String(host)) { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    func fetch(http: HTTPClient) async throws(CredentialError) -> Credentials {
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let authorization { headers.append(("Authorization", authorization)) }
        let request = HTTPRequest(method: "GET", url: url, headers: headers, timeouts: .metadata, bypassProxy: true)
        let response: HTTPResponse
        do { response = try await http.send(request) } catch {
            throw CredentialError("container credentials endpoint unreachable: \(error)", isTransient: true)
        }
        guard response.status == 200 else {
            throw CredentialError("container credentials endpoint answered HTTP \(response.status)", isTransient: Self.isTransient(response.status))
        }
        return try TemporaryCredentialsDocument.parse(response.body, source: "container credentials endpoint")
    }

    /// Throttled or failing for now; metadata endpoints answer 4xx only to requests that will
    /// never succeed.
    static func isTransient(_ status: Int) -> Bool { status == 429 || status >= 500 }
}

extension HTTPTimeouts {
    /// Metadata endpoints are local: if they do not answer within a second they are not there.
    static let metadata = HTTPTimeouts(connectMilliseconds: 1_000, totalMilliseconds: 2_000, stallSeconds: nil)
}
