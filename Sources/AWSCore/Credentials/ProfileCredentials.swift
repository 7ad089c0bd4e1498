import Signing

/// The credentials a named profile stands for, found as botocore finds them: a `role_arn` profile
/// assumes its role; otherwise web identity, SSO, the credentials file's keys, `credential_process`,
/// then the config file's keys.
struct ProfileCredentials {
    let context: CredentialContext

    private var files: SharedConfigFiles { context.files }

    /// nil when the profile yields nothing and was not asked for by name.
    func resolve(profile name: String, required: Bool) async throws(CredentialError) -> Credentials? {
        if required, !files.hasProfile(name) {
            throw CredentialError("profile '\(name)' not found in the shared credentials or config file")
        }
        // As in the CLI, a role profile's role wins over static keys in the same profile.
        if Self.assumesRole(files.profile(name)) { return try await assumeRole(name, visited: [name]) }
        if let credentials = try await ownCredentials(name, environment: context.environment) { return credentials }
        if required {
            throw CredentialError("profile '\(name)' has no credentials: it sets none of aws_access_key_id, role_arn, "
                + "web_identity_token_file, sso_session/sso_start_url or credential_process")
        }
        return nil
    }

    /// botocore's profile providers in its order. `environment` is empty for a source profile:
    /// AWS_WEB_IDENTITY_TOKEN_FILE and friends belong to the profile the tool runs as.
    private func ownCredentials(_ name: String, environment: [String: String]) async throws(CredentialError) -> Credentials? {
        let settings = files.profile(name)
        if let webIdentity = try WebIdentitySource(profile: name, settings: settings, environment: environment, now: .now()) {
            return try await webIdentity.fetch(context)
        }
        if let sso = try SSOSource(profile: name, settings: settings, sessions: files.ssoSessions) { return try await sso.fetch(context) }
        if let credentials = Self.staticKeys(files.credentialsFile[name]) { return credentials }
        if let command = settings["credential_process"] {
            return try await ProcessCredentialsSource(profile: name, command: command).fetch(environment: context.environment)
        }
        return Self.staticKeys(files.configFile[name])
    }

    /// `visited` is the chain of profiles so far, this one last, to refuse a cycle by name.
    private func assumeRole(_ name: String, visited: [String]) async throws(CredentialError) -> Credentials {
        let settings = try AssumeRoleSettings(profile: name, settings: files.profile(name), now: .now())
        let source: Credentials
        switch settings.source {
        case .credentialSource(let credentialSource):
            source = try await credentialsFrom(credentialSource, for: name)
        case .sourceProfile(let sourceName):
            guard files.hasProfile(sourceName) else {
                throw CredentialError("the source_profile '\(sourceName)' of profile '\(name)' does not exist")
            }
            // A profile may name itself to assume its role with its own keys; any other return is a loop.
            let selfWithKeys = sourceName == name && Self.staticKeys(files.profile(name)) != nil
            if visited.contains(sourceName), !selfWithKeys {
                throw CredentialError("the profiles' source_profile settings form a cycle: \((visited + [sourceName]).joined(separator: " → "))")
            }
            source = try await sourceCredentials(sourceName, visited: visited + [sourceName])
        }
        let sts = try context.sts(signingWith: source)
        do { return try await sts.assumeRole(settings.request) } catch {
            throw CredentialError("AssumeRole of \(settings.request.roleARN) for profile '\(name)'", error)
        }
    }

    /// A source profile's keys come first, even beside its own role_arn, as in botocore.
    private func sourceCredentials(_ name: String, visited: [String]) async throws(CredentialError) -> Credentials {
        let settings = files.profile(name)
        if let credentials = Self.staticKeys(settings) { return credentials }
        if Self.assumesRole(settings) { return try await assumeRole(name, visited: visited) }
        guard let credentials = try await ownCredentials(name, environment: [:]) else {
            throw CredentialError("the source profile '\(name)' has no credentials")
        }
        return credentials
    }

    private func credentialsFrom(_ credentialSource: String, for profile: String) async throws(CredentialError) -> Credentials {
        let environment = context.environment
        let found: Credentials?
        switch credentialSource {
        case "Environment": found = CredentialChain.fromEnvironment(environment)
        case "EcsContainer": found = try await ContainerCredentialsSource(environment: environment)?.fetch(http: context.http)
        default: found = try await InstanceMetadataSource(environment: environment).fetch(http: context.http)
        }
        guard let found else { throw CredentialError("profile '\(profile)' has credential_source \(credentialSource), which has no credentials") }
        return found
    }

    /// A profile whose role_arn is for AssumeRole; with a web identity token file it is for web identity instead.
    static func assumesRole(_ settings: SharedConfigFiles.Section) -> Bool {
        settings["role_arn"] != nil && settings["web_identity_token_file"] == nil
    }

    static func staticKeys(_ settings: SharedConfigFiles.Section?) -> Credentials? {
        guard let settings, let id = settings["aws_access_key_id"], !id.isEmpty,
              let secret = settings["aws_secret_access_key"], !secret.isEmpty else { return nil }
        return Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: settings["aws_session_token"])
    }
}
