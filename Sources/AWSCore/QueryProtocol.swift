import HTTP
import Signing

/// The AWS Query protocol (STS): a form-encoded POST naming the `Action` and API `Version`,
/// answered with XML, errors in `<ErrorResponse><Error><Code>`.
struct QueryProtocolClient: Sendable {
    let aws: AWSClient
    let service: AWSService
    let version: String
    let retry: RetryPolicy

    /// The response document. `signed: false` for the few calls AWS accepts without a signature,
    /// whose caller has no credentials yet (AssumeRoleWithWebIdentity).
    func call(_ action: String, _ parameters: [(name: String, value: String)], signed: Bool = true) async throws(AWSError) -> String {
        let form = ([("Action", action), ("Version", version)] + parameters)
            .map { "\(URIEncoding.encode($0.0, keepSlash: false))=\(URIEncoding.encode($0.1, keepSlash: false))" }
            .joined(separator: "&")
        let call = ServiceCall(service: service, operation: action, method: "POST", path: "/",
                               headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
                               body: Array(form.utf8), unsigned: !signed)
        let response = try await aws.perform(call, endpoint: aws.endpoint(for: service), retry: retry, limiters: [],
                                             decodeError: Self.decodeError)
        return String(decoding: response.body, as: UTF8.self)
    }

    /// `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>…</Message></Error>…`
    static func decodeError(_ response: HTTPResponse) -> (code: String, message: String) {
        let text = String(decoding: response.body, as: UTF8.self)
        return (XMLText.value(of: "Code", in: text) ?? "HTTP\(response.status)", XMLText.value(of: "Message", in: text) ?? "")
    }
}
