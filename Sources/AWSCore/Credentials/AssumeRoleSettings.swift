import Support

/// What a profile with `role_arn` asks of STS, and where the credentials that ask come from.
struct AssumeRoleSettings: Equatable {
    enum Source: Equatable {
        /// Another profile (or this one, for its own static keys).
        case sourceProfile(String)
        /// `Environment`, `Ec2InstanceMetadata` or `EcsContainer`.
        case credentialSource(String)
    }

    let request: AssumeRoleRequest
    let source: Source

    static let credentialSources: Set = ["Environment", "Ec2InstanceMetadata", "EcsContainer"]

    /// Throws for settings STS or the SDKs would refuse, naming the profile and the setting.
    init(profile name: String, settings: SharedConfigFiles.Section, now: UTCTime) throws(CredentialError) {
        guard let roleARN = settings["role_arn"], !roleARN.isEmpty else { throw CredentialError("profile '\(name)' has no role_arn") }
        if settings["mfa_serial"] != nil {
            throw CredentialError("profile '\(name)' sets mfa_serial: MFA profiles are not supported (there is no prompt for a code); "
                + "use a profile without mfa_serial, SSO, or session credentials from `aws sts get-session-token`")
        }
        switch (settings["source_profile"], settings["credential_source"]) {
        case (let profile?, nil): source = .sourceProfile(profile)
        case (nil, let credentialSource?):
            guard Self.credentialSources.contains(credentialSource) else {
                throw CredentialError("profile '\(name)' has credential_source '\(credentialSource)': "
                    + "it must be one of \(Self.credentialSources.sorted().joined(separator: ", "))")
            }
            source = .credentialSource(credentialSource)
        case (_?, _?): throw CredentialError("profile '\(name)' sets both source_profile and credential_source: keep one")
        case (nil, nil): throw CredentialError("profile '\(name)' has role_arn but neither source_profile nor credential_source")
        }
        var durationSeconds: Int?
        if let text = settings["duration_seconds"] {
            guard let seconds = Int(text), seconds > 0 else { throw CredentialError("profile '\(name)' has duration_seconds '\(text)': not a number of seconds") }
            durationSeconds = seconds
        }
        request = AssumeRoleRequest(roleARN: roleARN, sessionName: settings["role_session_name"] ?? Self.defaultSessionName(at: now),
                                    externalID: settings["external_id"], durationSeconds: durationSeconds)
    }

    /// Like botocore's `botocore-session-<seconds>`: CloudTrail shows which tool assumed the role, and when.
    static func defaultSessionName(at now: UTCTime) -> String { "cognito-backup-\(now.secondsSinceEpoch)" }
}
