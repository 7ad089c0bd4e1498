import JSON

/// Managed login's per-client parts, put on the client that took the old one's place: each
/// client's branding style and its terms documents. Neither has a name of its own, so what the
/// target already has is found through its client: a client's style is the one it has, and
/// terms are matched by client and `TermsName`. One that differs from the backup's is updated
/// with `--revert` (`restoreSetting`).
extension PoolStructureRestore {
    func managedLoginBranding(clients: [RestoreMapping.AppClient]) async throws(RestoreFailure) {
        for (oldID, branding) in backup.managedLoginBranding {
            guard let client = clients.first(where: { $0.oldID == oldID }) else { continue }
            let wanted = CreateRequest.managedLoginBranding(branding, poolID: poolID, clientID: client.newID)
            var existingID: String?
            try await restoreSetting("managed_login_branding", "the managed login branding of app client \(client.name)",
                                     compare: { () throws(RestoreFailure) in
                guard let current = try await currentBranding(client) else { return .missing }
                existingID = current["ManagedLoginBrandingId"]?.string
                return Self.brandingCompared(CreateRequest.managedLoginBranding(current, poolID: poolID, clientID: client.newID))
                    == Self.brandingCompared(wanted) ? .same : .different
            }, write: { state throws(RestoreFailure) in
                if state == .different, let existingID {
                    var update = wanted.object ?? JSONObject()
                    update["ClientId"] = nil
                    update["ManagedLoginBrandingId"] = .string(existingID)
                    _ = try await cognito.call("UpdateManagedLoginBranding", .object(update),
                                               step: "put back the managed login branding of app client \(client.name)", poolID: poolID)
                    return .applied
                }
                try await creates.create("CreateManagedLoginBranding", wanted,
                                         step: "create the managed login branding of app client \(client.name)", poolID: poolID,
                                         exists: { () throws(RestoreFailure) in try await currentBranding(client) != nil })
                return .created
            })
        }
    }

    /// Assets in one order: Cognito keeps one per category and colour mode, listed as it likes.
    private static func brandingCompared(_ request: JSON) -> JSON {
        guard var object = request.object, let assets = object["Assets"]?.array else { return request }
        let key = { (asset: JSON) in "\(asset["Category"]?.string ?? "") \(asset["ColorMode"]?.string ?? "")" }
        object["Assets"] = .array(assets.sorted { key($0) < key($1) })
        return .object(object)
    }

    /// The client's style as DescribeManagedLoginBrandingByClient gives it, or nil for none.
    private func currentBranding(_ client: RestoreMapping.AppClient) async throws(RestoreFailure) -> JSON? {
        do {
            let described = try await cognito.call("DescribeManagedLoginBrandingByClient",
                                                   ["UserPoolId": .string(poolID), "ClientId": .string(client.newID)],
                                                   step: "read the managed login branding of app client \(client.name)", poolID: poolID)
            return described["ManagedLoginBranding"].flatMap { $0.isNull ? nil : $0 }
        } catch let failure where failure.awsError?.code == "ResourceNotFoundException" {
            // Cognito's answer for a client that has no branding style.
            return nil
        }
    }

    func terms(clients: [RestoreMapping.AppClient]) async throws(RestoreFailure) {
        guard !backup.terms.isEmpty else { return }
        let existing = try await existingTerms()
        for terms in backup.terms {
            let name = terms["TermsName"]?.string ?? "?"
            guard let oldID = terms["ClientId"]?.string, let client = clients.first(where: { $0.oldID == oldID }) else { continue }
            let key = TermsKey(clientID: client.newID, name: name)
            let wanted = CreateRequest.terms(terms, poolID: poolID, clientID: client.newID)
            try await restoreSetting("terms", "the \(name) terms of app client \(client.name)", compare: { () throws(RestoreFailure) in
                guard let current = existing[key] else { return .missing }
                return CreateRequest.terms(current, poolID: poolID, clientID: client.newID) == wanted ? .same : .different
            }, write: { state throws(RestoreFailure) in
                if state == .different, let id = existing[key]?["TermsId"]?.string {
                    var update = wanted.object ?? JSONObject()
                    update["ClientId"] = nil
                    update["TermsId"] = .string(id)
                    _ = try await cognito.call("UpdateTerms", .object(update), step: "put back the \(name) terms of app client \(client.name)",
                                               poolID: poolID)
                    return .applied
                }
                try await creates.create("CreateTerms", wanted, step: "create the \(name) terms of app client \(client.name)", poolID: poolID,
                                         exists: { () throws(RestoreFailure) in try await existingTerms()[key] != nil })
                return .created
            })
        }
    }

    private struct TermsKey: Hashable {
        let clientID: String
        let name: String
    }

    /// ListTerms names each document but not its client; DescribeTerms says which client it is
    /// for, and what it says.
    private func existingTerms() async throws(RestoreFailure) -> [TermsKey: JSON] {
        var existing: [TermsKey: JSON] = [:]
        for summary in try await list("ListTerms") {
            guard let id = summary["TermsId"]?.string else { continue }
            let described = try await cognito.call("DescribeTerms", ["UserPoolId": .string(poolID), "TermsId": .string(id)],
                                                   step: "describe terms \(id)", poolID: poolID)
            guard let terms = described["Terms"], let clientID = terms["ClientId"]?.string, let name = terms["TermsName"]?.string else { continue }
            existing[TermsKey(clientID: clientID, name: name)] = terms
        }
        return existing
    }
}
