import AWSServices
import Backup
import JSON

/// `--revert` for what a pool is configured with: groups' settings, resource servers, identity
/// providers, app clients and pool settings that differ from the backup are given the backup's
/// (UI customization, threat protection, log delivery, branding, terms and the domain are put
/// back by `PoolStructureRestore.restoreSetting`). Each item is read, compared with the request the
/// backup would make, and updated only when they differ, so a rerun writes nothing; updates are
/// idempotent, so one whose answer was lost is sent again by the retrying client.
struct SettingsRevert {
    let cognito: any CognitoAPI
    let backup: BackupContents
    let poolID: String
    let report: RestoreReport

    /// Clients matched by name that the target had before this run (`existing`): those created by
    /// it are the backup's already.
    func appClients(_ clients: [RestoreMapping.AppClient], existing: Set<String>) async throws(RestoreFailure) {
        for client in clients where existing.contains(client.newID) {
            guard let saved = backup.appClients.first(where: { $0["ClientId"]?.string == client.oldID }) else { continue }
            try await report.attempt("app_client_settings") { () throws(RestoreFailure) in
                let described = try await cognito.call("DescribeUserPoolClient", ["UserPoolId": .string(poolID), "ClientId": .string(client.newID)],
                                                       step: "describe app client \(client.name)", poolID: poolID)
                let wanted = CreateRequest.clientUpdate(saved, poolID: poolID, clientID: client.newID)
                guard wanted != CreateRequest.clientUpdate(described["UserPoolClient"] ?? .null, poolID: poolID, clientID: client.newID) else {
                    return .skipped
                }
                _ = try await cognito.call("UpdateUserPoolClient", wanted, step: "put back the settings of app client \(client.name)", poolID: poolID)
                return .applied
            }
        }
    }

    /// Groups' settings and resource servers, read from their lists; identity providers, which
    /// their list only names, described one by one where the target had them before this run.
    func namedItems(providersBefore: Set<String>) async throws(RestoreFailure) {
        try await update("group_settings", backup.groups, key: "GroupName", listing: "ListGroups", operation: "UpdateGroup",
                         request: CreateRequest.group)
        try await update("resource_server_settings", backup.resourceServers, key: "Identifier", listing: "ListResourceServers",
                         operation: "UpdateResourceServer", request: CreateRequest.resourceServer)
        for provider in backup.identityProviders {
            guard let name = provider["ProviderName"]?.string, providersBefore.contains(name) else { continue }
            try await report.attempt("identity_provider_settings") { () throws(RestoreFailure) in
                let described = try await cognito.call("DescribeIdentityProvider", ["UserPoolId": .string(poolID), "ProviderName": .string(name)],
                                                       step: "describe identity provider \(name)", poolID: poolID)
                let wanted = CreateRequest.providerUpdate(provider, poolID: poolID)
                guard wanted != CreateRequest.providerUpdate(described["IdentityProvider"] ?? .null, poolID: poolID) else { return .skipped }
                _ = try await cognito.call("UpdateIdentityProvider", wanted, step: "put back identity provider \(name)", poolID: poolID)
                return .applied
            }
        }
    }

    private func update(_ component: String, _ items: [JSON], key: String, listing: String, operation: String,
                        request: (JSON, String) -> JSON) async throws(RestoreFailure) {
        let listed: [JSON]
        do { listed = try await cognito.listAll(listing, poolID: poolID) } catch {
            throw RestoreFailure(step: listing, poolID: poolID, underlying: error)
        }
        for item in items {
            guard let name = item[key]?.string, let found = listed.first(where: { $0[key]?.string == name }) else { continue }
            try await report.attempt(component) { () throws(RestoreFailure) in
                let wanted = request(item, poolID)
                guard wanted != request(found, poolID) else { return .skipped }
                _ = try await cognito.call(operation, wanted, step: "\(operation) \(name)", poolID: poolID)
                return .applied
            }
        }
    }

    /// Threat protection and deletion protection the backup has stronger than the target, raised
    /// before anything else of the revert is written: the threat protection settings come after
    /// it (Cognito takes them only with the add-on on) and the final UpdateUserPool lowers what
    /// the backup has weaker, after everything else (`poolSettings`). UpdateUserPool resets what
    /// it is not given, so this one repeats the target's own settings and its current MFA mode.
    /// Returns the members it wrote, for the rest of the restore to see the target as it now is.
    func raiseSecurity(target described: JSON) async throws(RestoreFailure) -> JSONObject {
        let raised = CreateRequest.strongerSecurity(of: described, and: backup.poolConfig)
        guard !raised.isEmpty else { return [:] }
        try await report.attempt("security_raised") { () throws(RestoreFailure) in
            let mode = try await currentMFA()
            var request = CreateRequest.poolSettings(described, poolID: poolID, currentMFA: mode).object ?? JSONObject()
            for member in raised.members { request[member.key] = member.value }
            _ = try await cognito.call("UpdateUserPool", .object(request), step: "raise the target's threat and deletion protection first",
                                       poolID: poolID)
            return .applied
        }
        return raised
    }

    /// Pool settings and MFA, in an order that never leaves MFA weaker than both the target's and
    /// the backup's: a stronger MFA mode is set before UpdateUserPool, a weaker one after it, and
    /// UpdateUserPool always repeats the mode the pool has at that moment. `raised` is what
    /// `raiseSecurity` wrote: the target has it now (a plan, which wrote nothing, takes it as written).
    func poolSettings(raised: JSONObject = [:]) async throws(RestoreFailure) {
        let current = try await cognito.call("GetUserPoolMfaConfig", ["UserPoolId": .string(poolID)],
                                             step: "read the target pool's MFA configuration", poolID: poolID)
        var mode = current["MfaConfiguration"]?.string ?? "OFF"
        let wantedMFA = backup.mfaConfig.map { CreateRequest.mfaConfig($0, poolID: poolID) }
        let mfaDiffers = wantedMFA.map { $0 != CreateRequest.mfaConfig(current, poolID: poolID) } ?? false
        let raises = mfaDiffers && CreateRequest.mfaStrength(wantedMFA?["MfaConfiguration"]?.string) >= CreateRequest.mfaStrength(mode)
        if raises, let wantedMFA {
            try await setMFA(wantedMFA)
            mode = wantedMFA["MfaConfiguration"]?.string ?? mode
        }
        try await report.attempt("pool_settings") { () throws(RestoreFailure) in
            let described = try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)],
                                                   step: "describe the target pool", poolID: poolID)
            var now = described["UserPool"]?.object ?? JSONObject()
            for member in raised.members { now[member.key] = member.value }
            let wanted = CreateRequest.poolSettings(backup.poolConfig, poolID: poolID, currentMFA: mode)
            guard wanted != CreateRequest.poolSettings(.object(now), poolID: poolID, currentMFA: mode) else { return .skipped }
            _ = try await cognito.call("UpdateUserPool", wanted, step: "put back the pool settings", poolID: poolID)
            return .applied
        }
        if mfaDiffers, !raises, let wantedMFA { try await setMFA(wantedMFA) }
    }

    private func currentMFA() async throws(RestoreFailure) -> String {
        try await cognito.call("GetUserPoolMfaConfig", ["UserPoolId": .string(poolID)],
                               step: "read the target pool's MFA configuration", poolID: poolID)["MfaConfiguration"]?.string ?? "OFF"
    }

    private func setMFA(_ request: JSON) async throws(RestoreFailure) {
        try await report.attempt("mfa_config") { () throws(RestoreFailure) in
            _ = try await cognito.call("SetUserPoolMfaConfig", request, step: "set the MFA configuration", poolID: poolID)
            return .applied
        }
    }
}
