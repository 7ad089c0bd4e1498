import JSON

/// The updates `--revert` sends, built alike from the backup and from the target, so that two
/// equal requests mean nothing to put back and a rerun writes nothing.
extension CreateRequest {
    /// UpdateUserPool with every setting the pool had: it resets whatever it is not given,
    /// triggers included. `currentMFA` is the target's mode at the time (UpdateUserPool turns an
    /// omitted one OFF); SetUserPoolMfaConfig applies the backup's.
    static func poolSettings(_ config: JSON, poolID: String, currentMFA: String) -> JSON {
        var request = pick(updatablePoolSettings + ["LambdaConfig"], from: config)
        request["UserPoolId"] = .string(poolID)
        request["MfaConfiguration"] = .string(currentMFA)
        if request["LambdaConfig"]?.object?.isEmpty == true { request["LambdaConfig"] = nil }
        dropDeprecatedDuplicates(&request)
        return .object(request)
    }

    /// UpdateUserPoolClient with the complete configuration of `client` (a described one): it
    /// resets what it is not given. The secret stays the target client's; Cognito takes none here.
    static func clientUpdate(_ client: JSON, poolID: String, clientID: String) -> JSON {
        var request = pick(clientSettings.filter { $0 != "ClientSecret" }, from: client)
        request["UserPoolId"] = .string(poolID)
        request["ClientId"] = .string(clientID)
        return .object(request)
    }

    /// UpdateIdentityProvider: CreateIdentityProvider's request without the type, which stays.
    static func providerUpdate(_ provider: JSON, poolID: String) -> JSON {
        var request = identityProvider(provider, poolID: poolID).object ?? JSONObject()
        request["ProviderType"] = nil
        return .object(request)
    }

    /// How much an MFA mode asks of users, to raise it before other settings change and lower
    /// it only after them.
    static func mfaStrength(_ mode: String?) -> Int {
        switch mode {
        case "ON": 2
        case "OPTIONAL": 1
        default: 0
        }
    }

    /// The UpdateUserPool members in which `backup` (a described pool) protects more than
    /// `target`, each as strong as the stronger of the two: threat protection's modes (with the
    /// backup's feature plan where it is the higher, since the modes need it) and deletion
    /// protection. Empty when the target is as strong in each.
    static func strongerSecurity(of target: JSON, and backup: JSON) -> JSONObject {
        let level = { (mode: JSON?) in ["AUDIT": 1, "ENFORCED": 2][mode?.string ?? "OFF"] ?? 0 }
        let had = target["UserPoolAddOns"], wanted = backup["UserPoolAddOns"]
        let mode = level(wanted?["AdvancedSecurityMode"]) > level(had?["AdvancedSecurityMode"])
        let customAuth = level(wanted?["AdvancedSecurityAdditionalFlows"]?["CustomAuthMode"])
            > level(had?["AdvancedSecurityAdditionalFlows"]?["CustomAuthMode"])
        var raised = JSONObject()
        if mode || customAuth {
            var addOns = had?.object ?? JSONObject()
            if mode { addOns["AdvancedSecurityMode"] = wanted?["AdvancedSecurityMode"] }
            if customAuth { addOns["AdvancedSecurityAdditionalFlows"] = wanted?["AdvancedSecurityAdditionalFlows"] }
            raised["UserPoolAddOns"] = .object(addOns)
            let tier = { (pool: JSON) in ["ESSENTIALS": 1, "PLUS": 2][pool["UserPoolTier"]?.string ?? "LITE"] ?? 0 }
            if tier(backup) > tier(target) { raised["UserPoolTier"] = backup["UserPoolTier"] }
        }
        if backup["DeletionProtection"]?.string == "ACTIVE", target["DeletionProtection"]?.string != "ACTIVE" {
            raised["DeletionProtection"] = "ACTIVE"
        }
        return raised
    }
}
