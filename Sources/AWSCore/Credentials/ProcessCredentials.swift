import JSON
import Signing
import Support

/// `credential_process`: a program that prints credentials as JSON (`Version` 1, `AccessKeyId`,
/// `SecretAccessKey`, optional `SessionToken` and `Expiration`), run without a shell.
struct ProcessCredentialsSource {
    let profile: String
    let command: String

    static let timeoutMilliseconds: Int64 = 60_000
    static let maxOutputBytes = 64 * 1024

    func fetch(environment: [String: String]) async throws(CredentialError) -> Credentials {
        let what = "credential_process of profile '\(profile)'"
        guard let arguments = ShellWords.split(command), !arguments.isEmpty else {
            throw CredentialError("\(what) is not a command line (empty, or a quote left open): \(command)")
        }
        let output: ChildProcess.Output
        do {
            output = try await ChildProcess.run(arguments, environment: environment, timeoutMilliseconds: Self.timeoutMilliseconds,
                                                maxOutputBytes: Self.maxOutputBytes)
        } catch { throw CredentialError("\(what) (\(arguments[0])) \(error)") }
        guard output.succeeded else {
            let stderr = String(decoding: output.standardError, as: UTF8.self).trimmingCharacters(in: " \t\r\n")
            throw CredentialError("\(what) (\(arguments[0])) \(output.termination)\(stderr.isEmpty ? "" : ": \(stderr)")")
        }
        guard let document = try? JSON(parsing: output.standardOutput) else {
            throw CredentialError("\(what) (\(arguments[0])) printed no JSON")
        }
        guard document["Version"]?.int == 1 else {
            throw CredentialError("\(what) (\(arguments[0])) printed Version \(document["Version"].map { String(decoding: $0.serializedBytes, as: UTF8.self) } ?? "(none)"); only Version 1 is supported")
        }
        return try TemporaryCredentialsDocument.credentials(in: document, source: what, tokenKey: "SessionToken")
    }
}
