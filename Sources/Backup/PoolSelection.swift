import AWSServices
import JSON
import Support

/// Which pools are protected: those listed by id, every pool of the region (`*`), and every pool
/// carrying one of the tags. `*` and tags are judged at each run, so a pool created after the
/// function was configured is backed up at its next run, with nobody editing the stack. A restore
/// drill's scratch pool is never found by `*` or a tag (it copies its source's tags): it lives
/// for minutes, and backing it up would judge a pool nobody protects. Only listing its id, which
/// exists only once its drill has begun, selects it.
public struct PoolSelection: Sendable, Equatable {
    /// The tag every drill scratch pool carries (`DrillScratchPool`), set to `true`.
    public static let scratchPoolTagKey = "cognito-backup:drill"
    /// How a scratch pool's name begins: with `*`, only such pools are described to read their tags.
    public static let scratchPoolNamePrefix = "drill-"

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

    /// What a run found: the pools selected, and the scratch pools `*` or a tag passed over.
    public struct Found: Sendable, Equatable {
        public let selected: [Selected]
        public let scratchPools: [String]

        public init(selected: [Selected], scratchPools: [String]) {
            self.selected = selected
            self.scratchPools = scratchPools
        }
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
    public func pools(in cognito: any CognitoAPI) async throws -> [Selected] { try await find(in: cognito).selected }

    /// The same, with the drill scratch pools left out (a run logs them).
    public func find(in cognito: any CognitoAPI) async throws -> Found {
        var selected = listed.map { Selected(poolID: $0, reason: "listed") }
        guard !isListedOnly else { return Found(selected: selected, scratchPools: []) }
        var found: [(id: String, name: String)] = []
        try await cognito.forEachPage("ListUserPools", ["MaxResults": 60]) { page in
            found += (page["UserPools"]?.array ?? []).compactMap { pool in pool["Id"]?.string.map { ($0, pool["Name"]?.string ?? "") } }
        }
        let known = Set(listed)
        var scratch: [String] = []
        for (id, name) in found where !known.contains(id) {
            let tags = everyPool && !name.hasPrefix(Self.scratchPoolNamePrefix) ? nil : try await self.tags(of: id, in: cognito)
            if Self.isScratchPool(tags) {
                scratch.append(id)
            } else if everyPool {
                selected.append(Selected(poolID: id, reason: "every pool (*)"))
            } else if let tag = matchingTag(tags) {
                selected.append(Selected(poolID: id, reason: "tag \(tag)"))
            }
        }
        return Found(selected: selected, scratchPools: scratch)
    }

    /// Whether `poolID` is selected, asking Cognito only where `*` or a tag decides.
    public func contains(_ poolID: String, in cognito: any CognitoAPI) async throws -> Bool {
        if listed.contains(poolID) { return true }
        guard everyPool || !tags.isEmpty else { return false }
        let tags = try await self.tags(of: poolID, in: cognito)
        return !Self.isScratchPool(tags) && (everyPool || matchingTag(tags) != nil)
    }

    static func isScratchPool(_ tags: JSON?) -> Bool { tags?[scratchPoolTagKey]?.string == "true" }

    /// A pool's tags: DescribeUserPool's `UserPoolTags` (Cognito's ListTagsForResource says the
    /// same, with one more permission).
    private func tags(of poolID: String, in cognito: any CognitoAPI) async throws -> JSON? {
        try await cognito.call("DescribeUserPool", ["UserPoolId": .string(poolID)])["UserPool"]?["UserPoolTags"]
    }

    /// The first of the selection's tags the pool carries.
    private func matchingTag(_ tags: JSON?) -> Tag? {
        self.tags.first { tags?[$0.key]?.string == $0.value }
    }
}
