import Signing
import Support

/// A web identity token (EKS service accounts, GitHub Actions OIDC) exchanged for a role's
/// credentials: `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN` in the environment, or
/// `web_identity_token_file` and `role_arn` in the profile; the environment wins, as in botocore.
struct WebIdentitySource {
    let profile: String
    let tokenFile: String
    let roleARN: String
    let sessionName: String

    /// nil when neither names a token file. `environment` is empty for a source profile, whose
    /// own settings are the only ones that count.
    init?(profile: String, settings: SharedConfigFiles.Section, environment: [String: String], now: UTCTime) throws(CredentialError) {
        func setting(_ key: String, _ variable: String) -> String? {
            [environment[variable], settings[key]].compactMap { $0 }.first { !$0.isEmpty }
        }
        guard let tokenFile = setting("web_identity_token_file", "AWS_WEB_IDENTITY_TOKEN_FILE") else { return nil }
        guard let roleARN = setting("role_arn", "AWS_ROLE_ARN") else {
            throw CredentialError("a web identity token file is set (\(tokenFile)) but no role: set AWS_ROLE_ARN or role_arn in profile '\(profile)'")
        }
        self.profile = profile
        self.tokenFile = tokenFile
        self.roleARN = roleARN
        sessionName = setting("role_session_name", "AWS_ROLE_SESSION_NAME") ?? AssumeRoleSettings.defaultSessionName(at: now)
    }

    /// Reads the token file each time: its issuer rotates it (hourly on EKS), and an old token is refused.
    func fetch(_ context: CredentialContext) async throws(CredentialError) -> Credentials {
        guard let token = FileIO.readText(tokenFile)?.trimmingCharacters(in: " \t\r\n"), !token.isEmpty else {
            throw CredentialError("the web identity token file \(tokenFile) cannot be read or is empty")
        }
        let sts = try context.sts(signingWith: nil)
        do { return try await sts.assumeRoleWithWebIdentity(roleARN: roleARN, sessionName: sessionName, token: token) } catch {
            throw CredentialError("AssumeRoleWithWebIdentity of \(roleARN)", error)
        }
    }
}
