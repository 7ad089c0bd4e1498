import AWSCore
import AWSServices
import JSON

/// Deletes a drill's scratch pool: its domain first (Cognito refuses to delete a pool that has
/// one), then the pool. A pool already gone is no failure.
struct DrillCleanup: Sendable {
    let cognito: any CognitoAPI

    /// The pool the journal names, or, when the restore never heard CreateUserPool's answer, the
    /// pool of the scratch name carrying the journal's restore tag. Returns the deleted pool's id,
    /// nil when there was none.
    func delete(journal: RestoreMapping?, name: String) async throws(RestoreFailure) -> String? {
        guard let journal else { return nil }
        var found = journal.targetPoolID
        if found == nil { found = try await cognito.pool(named: name, taggedWith: journal.restoreID, step: "look for the scratch pool \(name)") }
        guard let poolID = found else { return nil }
        let described: JSON
        do {
            described = try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)])
        } catch let error as AWSError where error.code == "ResourceNotFoundException" {
            return nil
        } catch {
            throw RestoreFailure(step: "describe the scratch pool before deleting it", poolID: poolID, underlying: error)
        }
        for key in ["Domain", "CustomDomain"] {
            guard let domain = described["UserPool"]?[key]?.string, !domain.isEmpty else { continue }
            _ = try await cognito.call("DeleteUserPoolDomain", ["UserPoolId": .string(poolID), "Domain": .string(domain)],
                                       step: "delete the scratch pool's domain \(domain)", poolID: poolID)
        }
        _ = try await cognito.call("DeleteUserPool", ["UserPoolId": .string(poolID)], step: "delete the scratch pool", poolID: poolID)
        return poolID
    }
}
