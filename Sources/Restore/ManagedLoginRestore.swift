import JSON

/// Managed login's per-client parts, put on the client that took the old one's place: each
/// client's branding style and its terms documents. Neither has a name of its own, so what the
/// target already has is found through its client: a client with a style keeps it, and terms
/// are matched by client and `TermsName`.
extension PoolStructureRestore {
    func managedLoginBranding(clients: [RestoreMapping.AppClient]) async throws(RestoreFailure) {
        for (oldID, branding) in backup.managedLoginBranding {
            guard let client = clients.first(where: { $0.oldID == oldID }) else { continue }
            try await report.attempt("managed_login_branding") { () throws(RestoreFailure) in
                if try await hasBranding(client) { return .skipped }
                try await creates.create("CreateManagedLoginBranding",
                                         CreateRequest.managedLoginBranding(branding, poolID: poolID, clientID: client.newID),
                                         step: "create the managed login branding of app client \(client.name)", poolID: poolID,
                                         exists: { () throws(RestoreFailure) in try await hasBranding(client) })
                return .created
            }
        }
    }

    private func hasBranding(_ client: RestoreMapping.AppClient) async throws(RestoreFailure) -> Bool {
        do {
            let described = try await cognito.call("DescribeManagedLoginBrandingByClient",
                                                   ["UserPoolId": .string(poolID), "ClientId": .string(client.newID)],
                                                   step: "read the managed login branding of app client \(client.name)", poolID: poolID)
            return described["ManagedLoginBranding"].map { !$0.isNull } ?? false
        } catch let failure where failure.awsError?.code == "ResourceNotFoundException" {
            // Cognito's answer for a client that has no branding style.
            return false
        }
    }

    func terms(clients: [RestoreMapping.AppClient]) async throws(RestoreFailure) {
        guard !backup.terms.isEmpty else { return }
        let existing = try await existingTerms()
        for terms in backup.terms {
            let name = terms["TermsName"]?.string ?? "?"
            guard let oldID = terms["ClientId"]?.string, let client = clients.first(where: { $0.oldID == oldID }) else { continue }
            try await report.attempt("terms") { () throws(RestoreFailure) in
                let key = TermsKey(clientID: client.newID, name: name)
                if existing.contains(key) { return .skipped }
                try await creates.create("CreateTerms", CreateRequest.terms(terms, poolID: poolID, clientID: client.newID),
                                         step: "create the \(name) terms of app client \(client.name)", poolID: poolID,
                                         exists: { () throws(RestoreFailure) in try await existingTerms().contains(key) })
                return .created
            }
        }
    }

    private struct TermsKey: Hashable {
        let clientID: String
        let name: String
    }

    /// ListTerms names each document but not its client; DescribeTerms says which client it is for.
    private func existingTerms() async throws(RestoreFailure) -> Set<TermsKey> {
        var existing: Set<TermsKey> = []
        for summary in try await list("ListTerms") {
            guard let id = summary["TermsId"]?.string else { continue }
            let described = try await cognito.call("DescribeTerms", ["UserPoolId": .string(poolID), "TermsId": .string(id)],
                                                   step: "describe terms \(id)", poolID: poolID)
            guard let clientID = described["Terms"]?["ClientId"]?.string, let name = described["Terms"]?["TermsName"]?.string else { continue }
            existing.insert(TermsKey(clientID: clientID, name: name))
        }
        return existing
    }
}
