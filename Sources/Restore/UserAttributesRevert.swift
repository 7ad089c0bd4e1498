import AWSCore
import AWSServices
import Backup
import JSON

/// `--revert` for a user the target has with other attributes: the backup's writable values are
/// set again (verified flags included) and the writable attributes the backup lacks are deleted;
/// `sub`, `identities` and attributes the schema makes immutable are left. The difference was seen
/// in the digest kept from ListUsers; only such a user is read again, by ListUsers with a filter,
/// not AdminGetUser, so that finding what changed bills nobody (the updates themselves do).
extension UserRestore {
    func revertAttributes(of user: PoolUser, target: TargetUser) async throws(RestoreFailure) -> TargetUser {
        let step = "put back the attributes of \(user.username)"
        let escaped = String(target.username.flatMap { $0 == "\\" || $0 == "\"" ? ["\\", $0] : [$0] })
        let listed = try await cognito.call("ListUsers", ["UserPoolId": .string(poolID), "Filter": .string("username = \"\(escaped)\"")],
                                            step: "\(step): read the user there", poolID: poolID)
        guard let current = (listed["Users"]?.array ?? []).compactMap(PoolUser.init).first(where: { $0.username == target.username }) else {
            throw RestoreFailure(step: step, poolID: poolID, underlying: AWSError(
                service: "cognito-idp", operation: "ListUsers", httpStatus: nil, code: "UserNotFoundException",
                message: "user \(target.username) is no longer in the pool", requestID: nil))
        }
        let immutable = Set((backup.poolConfig["SchemaAttributes"]?.array ?? []).compactMap { attribute in
            attribute["Mutable"]?.bool == false ? attribute["Name"]?.string : nil
        })
        let wanted = CreateRequest.writableAttributes(of: user).filter { !immutable.contains($0.key) }
        let have = CreateRequest.writableAttributes(of: current).filter { !immutable.contains($0.key) }
        let changed = user.attributes.filter { wanted[$0.name] != nil && have[$0.name] != wanted[$0.name] }
        let extra = have.keys.filter { wanted[$0] == nil }.sorted()
        if !changed.isEmpty {
            _ = try await cognito.call("AdminUpdateUserAttributes", [
                "UserPoolId": .string(poolID), "Username": .string(target.username),
                "UserAttributes": .array(changed.map { ["Name": .string($0.name), "Value": .string($0.value)] as JSON }),
            ], step: step, poolID: poolID)
        }
        if !extra.isEmpty {
            _ = try await cognito.call("AdminDeleteUserAttributes", [
                "UserPoolId": .string(poolID), "Username": .string(target.username), "UserAttributeNames": .array(extra.map(JSON.string)),
            ], step: "\(step): delete those the backup lacks", poolID: poolID)
        }
        return TargetUser(username: target.username, sub: target.sub, writableDigest: TargetUser.writableDigest(of: user),
                          enabled: target.enabled, awaitsNewPassword: target.awaitsNewPassword, identities: target.identities)
    }
}
