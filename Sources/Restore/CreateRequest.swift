import Backup
import JSON

/// What of a described resource Cognito takes back when creating it: the Describe answer holds
/// ids, dates and derived fields the Create call refuses, and a few settings that must be said
/// differently. Pure, so each translation is tested without a pool.
enum CreateRequest {
    static let poolSettings = [
        "Policies", "DeletionProtection", "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes",
        "SmsVerificationMessage", "EmailVerificationMessage", "EmailVerificationSubject", "VerificationMessageTemplate",
        "SmsAuthenticationMessage", "MfaConfiguration", "UserAttributeUpdateSettings", "DeviceConfiguration",
        "EmailConfiguration", "SmsConfiguration", "UserPoolTags", "AdminCreateUserConfig", "UserPoolAddOns",
        "UsernameConfiguration", "AccountRecoverySetting", "UserPoolTier",
    ]
    /// UpdateUserPool resets whatever it is not given, so attaching triggers repeats these.
    /// `MfaConfiguration` is not the backup's but the target's current mode (see `attachTriggers`).
    static let updatablePoolSettings = [
        "Policies", "DeletionProtection", "AutoVerifiedAttributes", "SmsVerificationMessage", "EmailVerificationMessage",
        "EmailVerificationSubject", "VerificationMessageTemplate", "SmsAuthenticationMessage", "UserAttributeUpdateSettings",
        "DeviceConfiguration", "EmailConfiguration", "SmsConfiguration", "UserPoolTags",
        "AdminCreateUserConfig", "UserPoolAddOns", "AccountRecoverySetting", "UserPoolTier",
    ]
    static let clientSettings = [
        "ClientName", "ClientSecret", "RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity", "TokenValidityUnits",
        "ReadAttributes", "WriteAttributes", "ExplicitAuthFlows", "SupportedIdentityProviders", "CallbackURLs", "LogoutURLs",
        "DefaultRedirectURI", "AllowedOAuthFlows", "AllowedOAuthScopes", "AllowedOAuthFlowsUserPoolClient",
        "AnalyticsConfiguration", "PreventUserExistenceErrors", "EnableTokenRevocation",
        "EnablePropagateAdditionalUserContextData", "AuthSessionValidity", "RefreshTokenRotation",
    ]
    /// Standard attributes Cognito manages itself; declaring them is refused.
    static let unschematicAttributes: Set<String> = ["sub", "identities"]

    /// CreateUserPool for `config` (DescribeUserPool's `UserPool`), without Lambda triggers: they
    /// are attached once users are in (`attachTriggers`), so a pre-sign-up or custom-message
    /// trigger does not run, or veto, once per restored user. Tagged with `restoreID`, so that a
    /// run that lost the answer finds the pool.
    static func userPool(_ config: JSON, name: String, mfaSetSeparately: Bool, restoreID: String) -> JSON {
        var request = pick(poolSettings, from: config)
        request["PoolName"] = .string(name)
        request["UserPoolTags"] = tags(config, restoreID: restoreID)
        request["Schema"] = .array((config["SchemaAttributes"]?.array ?? []).compactMap(schemaEntry))
        if request["Schema"]?.array?.isEmpty == true { request["Schema"] = nil }
        // SetUserPoolMfaConfig follows with the full MFA settings; "ON" alone would be refused
        // here for a pool whose only factor is an authenticator app.
        if mfaSetSeparately { request["MfaConfiguration"] = "OFF" }
        dropDeprecatedDuplicates(&request)
        return .object(request)
    }

    /// UpdateUserPool that adds `config`'s triggers to an existing pool, repeating its other
    /// settings. UpdateUserPool resets an omitted
    /// `MfaConfiguration` to OFF, so it repeats `currentMFA`, the target's mode as described just
    /// before: MFA is never off for a moment, and SetUserPoolMfaConfig, after it, applies the
    /// backup's (UpdateUserPool refuses some modes SetUserPoolMfaConfig sets whole).
    static func attachTriggers(_ config: JSON, poolID: String, restoreID: String, currentMFA: String) -> JSON {
        var request = pick(updatablePoolSettings, from: config)
        request["UserPoolId"] = .string(poolID)
        request["MfaConfiguration"] = .string(currentMFA)
        request["UserPoolTags"] = tags(config, restoreID: restoreID)
        request["LambdaConfig"] = config["LambdaConfig"]
        dropDeprecatedDuplicates(&request)
        return .object(request)
    }

    /// The pool's tags and this restore's; a restore id the old pool carried from its own
    /// restore is replaced.
    static func tags(_ config: JSON, restoreID: String) -> JSON? {
        var tags = config["UserPoolTags"]?.object ?? JSONObject()
        tags[RestoreMapping.tagKey] = restoreID.isEmpty ? nil : .string(restoreID)
        return tags.isEmpty ? nil : .object(tags)
    }

    /// SetUserPoolMfaConfig from GetUserPoolMfaConfig's answer.
    static func mfaConfig(_ saved: JSON, poolID: String) -> JSON {
        var request = pick(["SmsMfaConfiguration", "SoftwareTokenMfaConfiguration", "EmailMfaConfiguration",
                            "MfaConfiguration", "WebAuthnConfiguration"], from: saved)
        request["UserPoolId"] = .string(poolID)
        return .object(request)
    }

    /// A `Schema` entry for a described attribute: custom ones by their bare name (Cognito adds
    /// `custom:` back), standard ones only where they differ from the default (required, or
    /// immutable), since the rest are there in every pool.
    static func schemaEntry(_ attribute: JSON) -> JSON? {
        guard var entry = attribute.object, let name = entry["Name"]?.string else { return nil }
        if SchemaAttribute.isCustom(name) {
            entry["Name"] = .string(bareName(name))
            entry["DeveloperOnlyAttribute"] = .bool(name.hasPrefix("dev:"))
        } else {
            guard !unschematicAttributes.contains(name),
                  entry["Required"]?.bool == true || entry["Mutable"]?.bool == false else { return nil }
        }
        for constraints in ["StringAttributeConstraints", "NumberAttributeConstraints"] where entry[constraints]?.object?.isEmpty == true {
            entry[constraints] = nil
        }
        return .object(entry)
    }

    /// `custom:dept` and `dev:custom:dept` are both declared as `dept`.
    static func bareName(_ name: String) -> String {
        var bare = Substring(name)
        for prefix in ["dev:", "custom:"] where bare.hasPrefix(prefix) { bare = bare.dropFirst(prefix.count) }
        return String(bare)
    }

    /// A secret Cognito would refuse to take back (it wants 24 to 64 word characters or `+`;
    /// emulators hand out UUIDs) is replaced by a generated one, or the client would not be
    /// created at all; `secretReplaced` says so.
    static func appClient(_ client: JSON, poolID: String) -> JSON {
        var request = pick(clientSettings, from: client)
        request["UserPoolId"] = .string(poolID)
        if let secret = request["ClientSecret"]?.string, !isAcceptableSecret(secret) {
            request["ClientSecret"] = nil
            request["GenerateSecret"] = true
        }
        return .object(request)
    }

    static func secretReplaced(_ request: JSON) -> Bool { request["GenerateSecret"]?.bool == true }

    static func isAcceptableSecret(_ secret: String) -> Bool {
        (24...64).contains(secret.unicodeScalars.count)
            && secret.unicodeScalars.allSatisfy { $0 == "_" || $0 == "+" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
    }

    static func identityProvider(_ provider: JSON, poolID: String) -> JSON {
        var request = pick(["ProviderName", "ProviderType", "AttributeMapping", "IdpIdentifiers"], from: provider)
        request["UserPoolId"] = .string(poolID)
        var details = provider["ProviderDetails"]?.object ?? JSONObject()
        // Cognito reports the certificate it generated for encrypted assertions, and the metadata
        // document it fetched from the URL; it takes neither back.
        details["ActiveEncryptionCertificate"] = nil
        if details["MetadataURL"] != nil { details["MetadataFile"] = nil }
        request["ProviderDetails"] = .object(details)
        return .object(request)
    }

    static func resourceServer(_ server: JSON, poolID: String) -> JSON {
        var request = pick(["Identifier", "Name", "Scopes"], from: server)
        request["UserPoolId"] = .string(poolID)
        return .object(request)
    }

    static func group(_ group: JSON, poolID: String) -> JSON {
        var request = pick(["GroupName", "Description", "RoleArn", "Precedence"], from: group)
        request["UserPoolId"] = .string(poolID)
        return .object(request)
    }

    /// SetRiskConfiguration from DescribeRiskConfiguration's `RiskConfiguration`.
    static func riskConfiguration(_ saved: JSON, poolID: String, clientID: String?) -> JSON {
        var request = pick(["CompromisedCredentialsRiskConfiguration", "AccountTakeoverRiskConfiguration",
                            "RiskExceptionConfiguration"], from: saved)
        request["UserPoolId"] = .string(poolID)
        request["ClientId"] = clientID.map(JSON.string)
        return .object(request)
    }

    /// CreateManagedLoginBranding from DescribeManagedLoginBrandingByClient's `ManagedLoginBranding`.
    /// Cognito's own style is asked for by the flag alone: Cognito refuses Settings or Assets beside it.
    static func managedLoginBranding(_ saved: JSON, poolID: String, clientID: String) -> JSON {
        var request: JSONObject = saved["UseCognitoProvidedValues"]?.bool == true
            ? ["UseCognitoProvidedValues": true] : pick(["Settings", "Assets"], from: saved)
        request["UserPoolId"] = .string(poolID)
        request["ClientId"] = .string(clientID)
        return .object(request)
    }

    /// CreateTerms from DescribeTerms' `Terms`, for the client that replaced the one it named.
    static func terms(_ saved: JSON, poolID: String, clientID: String) -> JSON {
        var request = pick(["TermsName", "TermsSource", "Enforcement", "Links"], from: saved)
        request["UserPoolId"] = .string(poolID)
        request["ClientId"] = .string(clientID)
        return .object(request)
    }

    static func pick(_ keys: [String], from value: JSON) -> JSONObject {
        var picked = JSONObject()
        for key in keys {
            if let member = value[key], !member.isNull { picked[key] = member }
        }
        return picked
    }

    /// DescribeUserPool reports old and new spellings of the same settings side by side; Cognito
    /// refuses both at once when they could disagree, so the old one goes.
    static func dropDeprecatedDuplicates(_ request: inout JSONObject) {
        if request["VerificationMessageTemplate"] != nil {
            for legacy in ["EmailVerificationMessage", "EmailVerificationSubject", "SmsVerificationMessage"] { request[legacy] = nil }
        }
        if request["Policies"]?["PasswordPolicy"]?["TemporaryPasswordValidityDays"] != nil,
           var adminCreate = request["AdminCreateUserConfig"]?.object {
            adminCreate["UnusedAccountValidityDays"] = nil
            request["AdminCreateUserConfig"] = .object(adminCreate)
        }
    }
}

extension CreateRequest {
    /// Attributes Cognito sets itself: a new `sub`, and `identities` through linking.
    static let unwritableAttributes: Set<String> = ["sub", "identities"]

    /// AdminCreateUser for `user`, inviting it by those of `mediums` ("EMAIL", "SMS") it has an
    /// address for; with none, the user waits in FORCE_CHANGE_PASSWORD with a password nobody
    /// knows and nothing is sent. Verified flags are attributes and travel with the rest.
    static func user(_ user: PoolUser, username: String, poolID: String, inviteBy mediums: [String]) -> JSON {
        var request: JSONObject = [
            "UserPoolId": .string(poolID),
            "Username": .string(username),
            "UserAttributes": .array(user.attributes.filter { !unwritableAttributes.contains($0.name) }
                .map { ["Name": .string($0.name), "Value": .string($0.value)] }),
        ]
        let addresses = ["EMAIL": "email", "SMS": "phone_number"]
        let reachable = mediums.filter { medium in addresses[medium].map { user.attribute($0) != nil } ?? false }
        if mediums.isEmpty {
            request["MessageAction"] = "SUPPRESS"
        } else if !reachable.isEmpty {
            request["DesiredDeliveryMediums"] = .array(reachable.map(JSON.string))
        }
        return .object(request)
    }

    /// What AdminCreateUser set of a user, by exact bytes: how a user found in the target is
    /// recognised as the backup's.
    static func writableAttributes(of user: PoolUser) -> [String: [UInt8]] {
        Dictionary(user.attributes.filter { !unwritableAttributes.contains($0.name) }.map { ($0.name, Array($0.value.utf8)) },
                   uniquingKeysWith: { first, _ in first })
    }
}
