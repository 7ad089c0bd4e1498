import AWSServices

extension CognitoAPI {
    /// The pool named `name` that carries `restoreID` in its restore tag: the pool a restore (or a
    /// drill's scratch restore) created even when its CreateUserPool answer was lost. Names are
    /// not unique in Cognito; the tag is.
    func pool(named name: String, taggedWith restoreID: String, step: String) async throws(RestoreFailure) -> String? {
        guard !restoreID.isEmpty else { return nil }
        var candidates: [String] = []
        do {
            try await forEachPage("ListUserPools", ["MaxResults": 60]) { page in
                candidates += (page["UserPools"]?.array ?? []).filter { $0["Name"]?.string == name }.compactMap { $0["Id"]?.string }
            }
        } catch {
            throw RestoreFailure(step: step, poolID: nil, underlying: error)
        }
        for id in candidates {
            let described = try await call("DescribeUserPool", ["UserPoolId": .string(id)], step: "describe pool \(id)", poolID: id)
            if described["UserPool"]?["UserPoolTags"]?[RestoreMapping.tagKey]?.string == restoreID { return id }
        }
        return nil
    }
}
