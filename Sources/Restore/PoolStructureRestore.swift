import AWSCore
import AWSServices
import Backup
import JSON
import Support

/// Everything of a pool but its users, created where the target lacks it. Resource servers and
/// identity providers come first because app clients name their scopes and providers; the UI
/// customization, risk settings, managed login branding and terms last because they hang off
/// clients and the domain. What already exists (same identifier or name) is left as it is: a
/// second run skips it. Settings the target has are read and compared first (`restoreSetting`).
struct PoolStructureRestore {
    let cognito: any CognitoAPI
    let creates: CreateOnce
    let backup: BackupContents
    let poolID: String
    /// DescribeUserPool's `UserPool` for the target, before the restore wrote anything but what
    /// `SettingsRevert.raiseSecurity` raised first.
    let target: JSON
    let createdPool: Bool
    /// `--revert` into a pool that was there before: settings that differ are given the backup's.
    let revert: Bool
    let domainPrefix: String?
    /// Whether app clients the target lacks are created; when not, the backup's are only matched
    /// to the target's, for their UI customization, threat protection and branding.
    let createsClients: Bool
    let logo: LogoDownload
    let report: RestoreReport

    /// Restores the structure; returns the app clients' old → new ids.
    func run() async throws(RestoreFailure) -> [RestoreMapping.AppClient] {
        try await createMissing("resource_servers", backup.resourceServers, key: "Identifier",
                                listing: "ListResourceServers",
                                create: ("CreateResourceServer", CreateRequest.resourceServer))
        try await createMissing("identity_providers", backup.identityProviders, key: "ProviderName",
                                listing: "ListIdentityProviders",
                                create: ("CreateIdentityProvider", CreateRequest.identityProvider))
        try await createMissing("groups", backup.groups, key: "GroupName",
                                listing: "ListGroups",
                                create: ("CreateGroup", CreateRequest.group))
        let clients = try await appClients()
        let hasDomain = try await domain()
        try await uiCustomization(clients: clients, hasDomain: hasDomain)
        try await riskConfiguration(clients: clients)
        try await managedLoginBranding(clients: clients)
        try await terms(clients: clients)
        try await logDelivery()
        return clients
    }

    /// Items named by `key`, created where the target has none of that name. After a lost answer
    /// the listing is read again: an item of that name that is there now is the one just created.
    private func createMissing(_ component: String, _ items: [JSON], key: String,
                               listing: String,
                               create: (operation: String, request: (JSON, String) -> JSON)) async throws(RestoreFailure) {
        func names() async throws(RestoreFailure) -> Set<String> {
            Set(try await list(listing).compactMap { $0[key]?.string })
        }
        let existing = try await names()
        for item in items {
            let name = item[key]?.string ?? "?"
            try await report.attempt(component) { () throws(RestoreFailure) in
                guard !existing.contains(name) else { return .skipped }
                try await creates.create(create.operation, create.request(item, poolID), step: "\(create.operation) \(name)",
                                         poolID: poolID, exists: { () throws(RestoreFailure) in try await names().contains(name) })
                return .created
            }
        }
    }

    /// Clients are matched by name (Cognito picks new ids); two clients of one name pair up in order.
    private func appClients() async throws(RestoreFailure) -> [RestoreMapping.AppClient] {
        func listed() async throws(RestoreFailure) -> [(name: String, id: String)] {
            try await list("ListUserPoolClients").compactMap { client in
                guard let name = client["ClientName"]?.string, let id = client["ClientId"]?.string else { return nil }
                return (name, id)
            }
        }
        var existing: [String: [String]] = [:]
        let before = try await listed()
        for client in before { existing[client.name, default: []].append(client.id) }
        // Clients here before this run, or created by it: a client of the name that is not one
        // of these, found after a lost answer, is the one that answer would have named.
        var known = Set(before.map(\.id))
        var mapping: [RestoreMapping.AppClient] = []
        for client in backup.appClients {
            guard let name = client["ClientName"]?.string, let oldID = client["ClientId"]?.string,
                  createsClients || existing[name]?.isEmpty == false else { continue }
            try await report.attempt("app_clients") { () throws(RestoreFailure) in
                if let id = existing[name]?.first {
                    existing[name]!.removeFirst()
                    mapping.append(.init(name: name, oldID: oldID, newID: id))
                    return .skipped
                }
                let step = "create app client \(name)"
                let request = CreateRequest.appClient(client, poolID: poolID)
                if CreateRequest.secretReplaced(request) {
                    report.warn("app client \(name): its secret is not one Cognito accepts back, so Cognito generated a new one; "
                        + "give the applications the new secret")
                }
                let id = try await creates.create("CreateUserPoolClient", request, step: step,
                                                  poolID: poolID, answered: { answer throws(RestoreFailure) in
                    guard let id = answer["UserPoolClient"]?["ClientId"]?.string else {
                        throw RestoreFailure(step: step, poolID: poolID,
                                             underlying: AWSError.unexpectedAnswer("CreateUserPoolClient", "no ClientId in the answer"))
                    }
                    return id
                }, find: { () throws(RestoreFailure) in
                    try await listed().first { $0.name == name && !known.contains($0.id) }?.id
                })
                known.insert(id)
                mapping.append(.init(name: name, oldID: oldID, newID: id))
                return .created
            }
        }
        return mapping
    }

    /// The backup's prefix, unless the operator chose another: it is free again once the old
    /// pool is gone, and taken while it lives (then only a warning, since the rest of the
    /// restore does not need it). A custom domain needs its certificate and DNS moved first, so
    /// only a target that has it already gets its settings. A domain the target has keeps its
    /// name (Cognito cannot rename one); its managed login version is the backup's.
    private func domain() async throws(RestoreFailure) -> Bool {
        func prefix(_ pool: JSON) -> String? { pool["Domain"]?.string.flatMap { $0.isEmpty ? nil : $0 } }
        var hasDomain = prefix(target) != nil || target["CustomDomain"]?.string?.isEmpty == false
        if let saved = backup.customDomain, let custom = saved["Domain"]?.string {
            if target["CustomDomain"]?.string == custom {
                try await domainSettings(custom, saved: saved, keys: ["CustomDomainConfig", "ManagedLoginVersion"])
            } else {
                report.warn("custom domain \(custom) not restored: attach it to the new pool (CreateUserPoolDomain with its ACM certificate) and point its DNS at the new CloudFront target")
            }
        }
        guard let old = backup.domain, let wanted = domainPrefix ?? old["Domain"]?.string else { return hasDomain }
        if let held = prefix(target) {
            if held != wanted {
                report.warn("domain prefix \(wanted) not restored: the target pool has the prefix \(held), and a prefix cannot change "
                    + "(delete the target's domain and run again to have \(wanted))")
            }
            try await domainSettings(held, saved: old, keys: ["ManagedLoginVersion"])
            return hasDomain
        }
        try await report.attempt("domain") { () throws(RestoreFailure) in
            var request: JSONObject = ["UserPoolId": .string(poolID), "Domain": .string(wanted)]
            request["ManagedLoginVersion"] = old["ManagedLoginVersion"]
            do throws(RestoreFailure) {
                try await creates.create("CreateUserPoolDomain", .object(request), step: "create domain \(wanted)", poolID: poolID,
                                         exists: { () throws(RestoreFailure) in
                    let pool = try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)],
                                                      step: "describe the target pool", poolID: poolID)
                    return prefix(pool["UserPool"] ?? .null) == wanted
                })
            } catch let failure where domainPrefix == nil && failure.awsError?.code == "InvalidParameterException" {
                report.warn("domain prefix \(wanted) not restored: Cognito refused it (\(failure.awsError?.message ?? "")), "
                    + "most likely because the old pool still holds it; run again with --domain-prefix to choose another")
                return .skipped
            }
            hasDomain = true
            return .created
        }
        return hasDomain
    }

    /// `keys` of the target's domain `name` against the backup's description of its own: what
    /// UpdateUserPoolDomain sets. A backup that did not record one of them has nothing to put back.
    private func domainSettings(_ name: String, saved: JSON, keys: [String]) async throws(RestoreFailure) {
        let wanted = CreateRequest.pick(keys, from: saved)
        try await restoreSetting("domain", "the settings of domain \(name) (\(keys.joined(separator: ", ")))", compare: { () throws(RestoreFailure) in
            let described = try await cognito.call("DescribeUserPoolDomain", ["Domain": .string(name)],
                                                   step: "describe domain \(name)", poolID: poolID)["DomainDescription"] ?? .null
            return JSON.object(CreateRequest.pick(wanted.members.map(\.key), from: described)) == .object(wanted) ? .same : .different
        }, write: { _ throws(RestoreFailure) in
            var request = wanted
            request["UserPoolId"] = .string(poolID)
            request["Domain"] = .string(name)
            _ = try await cognito.call("UpdateUserPoolDomain", .object(request), step: "put back the settings of domain \(name)", poolID: poolID)
            return .applied
        })
    }

    /// GetUICustomization answers a client without its own customization with the pool's
    /// (`ClientId` "ALL"), so only a client's own is set again. The logo is the one the backup
    /// kept; a backup that kept none has only a URL into the old pool's CloudFront distribution,
    /// downloaded instead, and if that fails the CSS is restored without it.
    private func uiCustomization(clients: [RestoreMapping.AppClient], hasDomain: Bool) async throws(RestoreFailure) {
        var targets: [(client: RestoreMapping.AppClient?, logo: String, value: JSON)] = backup.uiCustomization.pool.map { [(nil, "pool", $0)] } ?? []
        for (oldID, value) in backup.uiCustomization.clients where value["ClientId"]?.string == oldID {
            guard let client = clients.first(where: { $0.oldID == oldID }) else { continue }
            targets.append((client, oldID, value))
        }
        targets.removeAll { $0.value["CSS"]?.string?.isEmpty != false && $0.value["ImageUrl"]?.string == nil }
        guard !targets.isEmpty else { return }
        guard hasDomain else {
            report.warn("UI customization not restored: Cognito keeps it only for a pool with a domain (pass --domain-prefix)")
            return
        }
        for (client, logoKey, value) in targets {
            let scope = client.map { "app client \($0.name)" } ?? "the pool"
            var request: JSONObject = ["UserPoolId": .string(poolID)]
            request["ClientId"] = client.map { JSON.string($0.newID) }
            if let css = value["CSS"]?.string, !css.isEmpty { request["CSS"] = .string(css) }
            var logoKnown = true
            if let kept = backup.uiLogos[logoKey] {
                request["ImageFile"] = .string(kept)
            } else if let url = value["ImageUrl"]?.string {
                do {
                    request["ImageFile"] = .string(Base64.encode(try await logo.image(at: url)))
                } catch {
                    logoKnown = false
                    report.warn("UI customization logo of \(scope) not restored, only its CSS: \(error); upload the logo again")
                }
            }
            guard request["CSS"] != nil || request["ImageFile"] != nil else {
                report.record("ui_customization", .skipped)
                continue
            }
            try await restoreSetting("ui_customization", "the UI customization of \(scope)", compare: { () throws(RestoreFailure) in
                var input: JSONObject = ["UserPoolId": .string(poolID)]
                input["ClientId"] = request["ClientId"]
                let current = try await cognito.call("GetUICustomization", .object(input), step: "read the UI customization of \(scope)",
                                                     poolID: poolID)["UICustomization"] ?? .null
                let own = client == nil || current["ClientId"]?.string == client?.newID
                return await compareUI(request, own ? current : .null, scope: scope, logoKnown: logoKnown)
            }, write: { _ throws(RestoreFailure) in
                _ = try await cognito.call("SetUICustomization", .object(request), step: "set the UI customization of \(scope)", poolID: poolID)
                return .applied
            })
        }
    }

    /// The CSS as it is, the logo by its bytes: the target gives only its URL, read here. A logo
    /// that cannot be read is taken for the backup's rather than replaced blind, and said so.
    private func compareUI(_ wanted: JSONObject, _ current: JSON, scope: String, logoKnown: Bool) async -> TargetSetting {
        let css = current["CSS"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let url = current["ImageUrl"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        guard css != nil || url != nil else { return .missing }
        guard css == wanted["CSS"]?.string else { return .different }
        guard logoKnown else { return .same }
        switch (wanted["ImageFile"]?.string, url) {
        case (nil, nil): return .same
        case (nil, _?), (_?, nil): return .different
        case let (image?, url?):
            do {
                return Base64.encode(try await logo.image(at: url)) == image ? .same : .different
            } catch {
                report.warn("the UI customization logo of \(scope) in the target could not be read to compare (\(error)); it was left as it is")
                return .same
            }
        }
    }

    /// Pool-wide and per client; DescribeRiskConfiguration answers a client without settings of
    /// its own with none of its own, so only a `ClientId` of that client's is the client's.
    private func riskConfiguration(clients: [RestoreMapping.AppClient]) async throws(RestoreFailure) {
        let parts = ["CompromisedCredentialsRiskConfiguration", "AccountTakeoverRiskConfiguration", "RiskExceptionConfiguration"]
        var targets: [(client: RestoreMapping.AppClient?, value: JSON)] = backup.riskConfiguration.pool.map { [(nil, $0)] } ?? []
        for (oldID, value) in backup.riskConfiguration.clients where value["ClientId"]?.string == oldID {
            guard let client = clients.first(where: { $0.oldID == oldID }) else { continue }
            targets.append((client, value))
        }
        targets.removeAll { entry in !parts.contains { entry.value[$0] != nil } }
        guard !targets.isEmpty else { return }
        // A new pool is made with the backup's add-ons; an existing one may lack them, and then
        // Cognito refuses every setting (UserPoolAddOnNotEnabledException).
        let mode = target["UserPoolAddOns"]?["AdvancedSecurityMode"]?.string ?? "OFF"
        guard createdPool || mode != "OFF" else {
            report.warn("threat protection settings not restored (\(targets.count)): the target pool has no threat protection "
                + "(UserPoolAddOns.AdvancedSecurityMode is OFF); turn it on and run the restore again")
            return
        }
        for (client, value) in targets {
            let scope = client.map { "app client \($0.name)" } ?? "the pool"
            let wanted = CreateRequest.riskConfiguration(value, poolID: poolID, clientID: client?.newID)
            try await restoreSetting("risk_configuration", "the threat protection settings of \(scope)", compare: { () throws(RestoreFailure) in
                var input: JSONObject = ["UserPoolId": .string(poolID)]
                input["ClientId"] = client.map { JSON.string($0.newID) }
                let described = try await cognito.call("DescribeRiskConfiguration", .object(input),
                                                       step: "read the threat protection settings of \(scope)", poolID: poolID)["RiskConfiguration"] ?? .null
                let own = client == nil || described["ClientId"]?.string == client?.newID
                let current = CreateRequest.riskConfiguration(own ? described : .null, poolID: poolID, clientID: client?.newID)
                guard parts.contains(where: { current[$0] != nil }) else { return .missing }
                return current == wanted ? .same : .different
            }, write: { _ throws(RestoreFailure) in
                _ = try await cognito.call("SetRiskConfiguration", wanted, step: "set the threat protection settings of \(scope)", poolID: poolID)
                return .applied
            })
        }
    }

    /// Compared as a set: one configuration per event source, in whatever order Cognito lists them.
    private func logDelivery() async throws(RestoreFailure) {
        guard let configurations = backup.logDelivery?["LogConfigurations"], let wanted = configurations.array, !wanted.isEmpty else { return }
        let bySource = { (list: [JSON]) in list.sorted { ($0["EventSource"]?.string ?? "") < ($1["EventSource"]?.string ?? "") } }
        try await restoreSetting("log_delivery", "the log delivery configuration", compare: { () throws(RestoreFailure) in
            let current = try await cognito.call("GetLogDeliveryConfiguration", ["UserPoolId": .string(poolID)],
                                                 step: "read the log delivery configuration", poolID: poolID)
            let listed = current["LogDeliveryConfiguration"]?["LogConfigurations"]?.array ?? []
            guard !listed.isEmpty else { return .missing }
            return bySource(listed) == bySource(wanted) ? .same : .different
        }, write: { _ throws(RestoreFailure) in
            _ = try await cognito.call("SetLogDeliveryConfiguration", ["UserPoolId": .string(poolID), "LogConfigurations": configurations],
                                       step: "set the log delivery configuration", poolID: poolID)
            return .applied
        })
    }

    func list(_ operation: String) async throws(RestoreFailure) -> [JSON] {
        do { return try await cognito.listAll(operation, poolID: poolID) } catch {
            throw RestoreFailure(step: operation, poolID: poolID, underlying: error)
        }
    }
}
