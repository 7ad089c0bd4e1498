import AWSServices
import JSON
import Support

/// Which pools are protected: those listed by id, every pool of the region (`*`), and every pool
/// carrying one of the tags. `*` and tags are judged at each run, so a pool created after the
/// function was configured is backed up at its next run, with nobody editing the stack.
public struct PoolSelection: Sendable, Equatable {
    public struct Tag: Sendable, Equatable, CustomStringConvertible {
        public let key: String
        public let value: String
        public var description: String { "\(key)=\(value)" }
    }

    /// A pool chosen, and why (`listed`, `every pool`, `tag team=identity`).
    public struct Selected: Sendable, Equatable {
        public let poolID: String
        public let reason: String
    }

    public let listed: [String]
    public let everyPool: Bool
    public let tags: [Tag]

    /// `USER_POOL_IDS` (ids, or `*`) and `BACKUP_POOL_TAGS` (`key=value[,key=value]`): at least one
    /// must choose something.
    public init(poolIDs: String, tags: String) throws(ConfigurationError) {
        let ids = poolIDs.split(separator: ",").map { $0.trimmingCharacters(in: " \t\r\n") }.filter { !$0.isEmpty }
        everyPool = ids.contains("*")
        listed = ids.filter { $0 != "*" }
        for id in listed where !PoolID.isValid(id) {
            throw ConfigurationError("'\(id)' is not a user pool id (expected REGION_ID, like us-east-1_AbCdEf123, or *)")
        }
        var parsed: [Tag] = []
        for pair in tags.split(separator: ",").map({ $0.trimmingCharacters(in: " \t\r\n") }).filter({ !$0.isEmpty }) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " \t") }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ConfigurationError("BACKUP_POOL_TAGS must be key=value pairs separated by commas, not '\(pair)'")
            }
            parsed.append(Tag(key: parts[0], value: parts[1]))
        }
        self.tags = parsed
        guard everyPool || !listed.isEmpty || !parsed.isEmpty else {
            throw ConfigurationError("USER_POOL_IDS names no user pool and BACKUP_POOL_TAGS no tag: nothing is selected")
        }
    }

    /// Whether the pools can be known without asking Cognito.
    public var isListedOnly: Bool { !everyPool && tags.isEmpty }

    /// The pools selected now: the listed ones first, in their order, then those `*` or a tag
    /// selects, in ListUserPools' order.
    public func pools(in cognito: any CognitoAPI) async throws -> [Selected] {
        var selected = listed.map { Selected(poolID: $0, reason: "listed") }
        guard !isListedOnly else { return selected }
        var found: [String] = []
        try await cognito.forEachPage("ListUserPools", ["MaxResults": 60]) { page in
            found += (page["UserPools"]?.array ?? []).compactMap { $0["Id"]?.string }
        }
        let known = Set(listed)
        for id in found where !known.contains(id) {
            if everyPool {
                selected.append(Selected(poolID: id, reason: "every pool (*)"))
            } else if let tag = try await matchingTag(of: id, in: cognito) {
                selected.append(Selected(poolID: id, reason: "tag \(tag)"))
            }
        }
        return selected
    }

    /// Whether `poolID` is selected, asking Cognito only where a tag decides.
    public func contains(_ poolID: String, in cognito: any CognitoAPI) async throws -> Bool {
        if everyPool || listed.contains(poolID) { return true }
        guard !tags.isEmpty else { return false }
        return try await matchingTag(of: poolID, in: cognito) != nil
    }

    /// The first of the selection's tags the pool carries (DescribeUserPool's `UserPoolTags`:
    /// Cognito's ListTagsForResource says the same, with one more permission).
    private func matchingTag(of poolID: String, in cognito: any CognitoAPI) async throws -> Tag? {
        let tags = try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)])["UserPool"]?["UserPoolTags"]
        return self.tags.first { tags?[$0.key]?.string == $0.value }
    }
}
