import JSON
import Signing
import Support

/// A role's credentials through IAM Identity Center, with the token `aws sso login` cached:
/// an `[sso-session NAME]` the profile names in `sso_session`, or the legacy `sso_start_url` and
/// `sso_region` in the profile itself.
struct SSOSource: Equatable {
    let profile: String
    let startURL: String
    let region: String
    let accountID: String
    let roleName: String
    /// nil for a legacy profile.
    let sessionName: String?

    /// nil when the profile does not use SSO; throws when it does but is incomplete.
    init?(profile: String, settings: SharedConfigFiles.Section, sessions: [String: SharedConfigFiles.Section]) throws(CredentialError) {
        guard ["sso_session", "sso_start_url", "sso_account_id", "sso_role_name"].contains(where: { settings[$0] != nil }) else { return nil }
        var resolved = settings
        if let sessionName = settings["sso_session"] {
            guard let session = sessions[sessionName] else {
                throw CredentialError("profile '\(profile)' names sso_session '\(sessionName)', but there is no [sso-session \(sessionName)] section")
            }
            for key in ["sso_start_url", "sso_region"] {
                if let own = settings[key], let shared = session[key], own != shared {
                    throw CredentialError("profile '\(profile)' sets \(key) '\(own)', but its sso-session '\(sessionName)' says '\(shared)'")
                }
                resolved[key] = session[key] ?? settings[key]
            }
        }
        let required = ["sso_start_url", "sso_region", "sso_account_id", "sso_role_name"]
        let missing = required.filter { (resolved[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            throw CredentialError("profile '\(profile)' is configured for SSO but lacks \(missing.joined(separator: ", "))")
        }
        self.profile = profile
        startURL = resolved["sso_start_url"]!
        region = resolved["sso_region"]!
        accountID = resolved["sso_account_id"]!
        roleName = resolved["sso_role_name"]!
        sessionName = settings["sso_session"]
    }

    /// `~/.aws/sso/cache/<key>.json`: the key is the SHA-1 of the session name, or of the start
    /// URL for a legacy profile, as botocore and the CLI name it.
    func cachePath(home: String) -> String {
        "\(home)/.aws/sso/cache/\(Crypto.sha1((sessionName ?? startURL).utf8).hexString).json"
    }

    private var expired: CredentialError {
        CredentialError("the SSO session '\(sessionName ?? startURL)' has expired: run `aws sso login --profile \(profile)`")
    }

    /// The cached access token, if it is there and still valid.
    func accessToken(home: String, now: UTCTime) throws(CredentialError) -> String {
        let path = cachePath(home: home)
        guard let bytes = FileIO.readBytes(path) else { throw expired }
        guard let document = try? JSON(parsing: bytes), let token = document["accessToken"]?.string,
              let expiresAt = document["expiresAt"]?.string.flatMap(UTCTime.init(iso8601:)) else {
            throw CredentialError("the SSO token cache \(path) is unreadable: run `aws sso login --profile \(profile)`")
        }
        guard expiresAt > now else { throw expired }
        return token
    }

    func fetch(_ context: CredentialContext) async throws(CredentialError) -> Credentials {
        let token = try accessToken(home: context.environment["HOME"] ?? "", now: .now())
        let portal = try context.ssoPortal(region: region)
        do { return try await portal.roleCredentials(roleName: roleName, accountID: accountID, accessToken: token) } catch {
            // The portal refuses a token revoked or signed out before its cached expiry the same way.
            if error.code == "UnauthorizedException" { throw expired }
            throw CredentialError("GetRoleCredentials of role \(roleName) in account \(accountID) for profile '\(profile)'", error)
        }
    }
}
