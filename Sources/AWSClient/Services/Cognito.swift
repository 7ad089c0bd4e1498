import JSON
import Synchronization

/// What the backup and restore need of Cognito: one call by operation name, JSON in and out.
/// The seam lets tests answer with recorded Cognito responses.
public protocol CognitoAPI: Sendable {
    func call(_ operation: String, _ input: JSON) async throws -> JSON
    /// The answer kept as its bytes, for pages copied into a backup as they came.
    func callRaw(_ operation: String, _ input: JSON) async throws -> RawJSONObject
}

extension CognitoAPI {
    /// For doubles that answer with values: the same answer, as bytes.
    public func callRaw(_ operation: String, _ input: JSON) async throws -> RawJSONObject {
        try RawJSONObject(validating: try await call(operation, input).serializedBytes)
    }
}

/// Cognito user pools over JSON 1.1. Every call draws on the token bucket of its quota category,
/// shared by all tasks, so parallel readers together stay just under the account's quota.
public final class Cognito: CognitoAPI {
    private let client: JSONProtocolClient
    public let quotas: CognitoQuotas

    public init(aws: AWSClient, quotas: CognitoQuotas = CognitoQuotas(), retry: RetryPolicy = .throttleTolerant) {
        client = JSONProtocolClient(aws: aws, service: .cognitoIdentityProvider,
                                    targetPrefix: "AWSCognitoIdentityProviderService", version: "1.1", retry: retry)
        self.quotas = quotas
    }

    public func call(_ operation: String, _ input: JSON) async throws -> JSON {
        try await client.call(operation, input, limiters: quotas.limiters(for: operation, poolID: input["UserPoolId"]?.string))
    }

    public func callRaw(_ operation: String, _ input: JSON) async throws -> RawJSONObject {
        try await client.callRaw(operation, input, limiters: quotas.limiters(for: operation, poolID: input["UserPoolId"]?.string))
    }
}

extension RetryPolicy {
    /// For callers that deliberately run at a quota: throttling is expected now and then and must
    /// not fail a backup that has read 90 % of a pool. The token bucket already slows every
    /// caller to a tenth of the quota when throttled, so backoffs stay short: a long one would
    /// only leave the quota idle after a storm has passed.
    public static let throttleTolerant = RetryPolicy(maxAttempts: 10, baseDelayMilliseconds: 200, maxDelayMilliseconds: 5_000)
}

/// Cognito's request-rate quota categories (per account and region), with their default quotas.
public enum CognitoQuotaCategory: String, CaseIterable, Sendable {
    case userList = "UserList"
    case userRead = "UserRead"
    case userCreation = "UserCreation"
    case userUpdate = "UserUpdate"
    case userPoolRead = "UserPoolRead"
    case userPoolUpdate = "UserPoolUpdate"
    case userPoolResourceRead = "UserPoolResourceRead"
    case userPoolResourceUpdate = "UserPoolResourceUpdate"
    case userPoolClientRead = "UserPoolClientRead"
    case userPoolClientUpdate = "UserPoolClientUpdate"

    public var defaultQuota: Double {
        switch self {
        case .userList: return 30
        case .userRead: return 120
        case .userCreation: return 50
        case .userUpdate: return 25
        case .userPoolResourceRead: return 20
        case .userPoolRead, .userPoolUpdate, .userPoolResourceUpdate, .userPoolClientRead, .userPoolClientUpdate: return 15
        }
    }

    /// Calls to one operation on one pool in these categories are also capped at 5 per second.
    public var perPoolOperationQuota: Double? {
        switch self {
        case .userPoolResourceRead, .userPoolResourceUpdate, .userPoolClientRead, .userPoolClientUpdate: return 5
        default: return nil
        }
    }

    public static func of(_ operation: String) -> CognitoQuotaCategory {
        switch operation {
        case "ListUsers", "ListUsersInGroup": return .userList
        case "AdminGetUser", "AdminListGroupsForUser": return .userRead
        case "AdminCreateUser": return .userCreation
        case _ where operation.hasPrefix("Admin"): return .userUpdate
        case "DescribeUserPool", "GetUserPoolMfaConfig", "ListUserPools", "ListTagsForResource", "GetLogDeliveryConfiguration":
            return .userPoolRead
        case "CreateUserPool", "UpdateUserPool", "SetUserPoolMfaConfig", "AddCustomAttributes", "TagResource",
             "SetLogDeliveryConfiguration":
            return .userPoolUpdate
        case "ListUserPoolClients", "DescribeUserPoolClient": return .userPoolClientRead
        case "CreateUserPoolClient", "UpdateUserPoolClient", "DeleteUserPoolClient": return .userPoolClientUpdate
        case _ where operation.hasPrefix("List") || operation.hasPrefix("Describe") || operation.hasPrefix("Get"):
            return .userPoolResourceRead
        default: return .userPoolResourceUpdate
        }
    }
}

/// One token bucket per category, at a configurable rate that defaults a little under the quota:
/// close enough to use it, far enough to leave room for the account's other callers. Categories
/// with a per-pool cap get one more bucket per operation and pool.
public struct CognitoQuotas: Sendable {
    private let limiters: [CognitoQuotaCategory: RateLimiter]
    private let perPool = PerPoolLimiters()

    public static let defaultShare = 0.93

    /// `rates` overrides the rate per category (requests per second).
    public init(rates: [CognitoQuotaCategory: Double] = [:]) {
        var limiters: [CognitoQuotaCategory: RateLimiter] = [:]
        for category in CognitoQuotaCategory.allCases {
            let rate = rates[category] ?? category.defaultQuota * Self.defaultShare
            limiters[category] = RateLimiter(name: category.rawValue, ratePerSecond: rate)
        }
        self.limiters = limiters
    }

    /// Reads `COGNITO_TPS_<CATEGORY>` (for example `COGNITO_TPS_USERLIST=28`). Without it, UserList
    /// runs at `userListShare` of its quota: the quota is the account's, and a scheduled backup
    /// should leave the applications' own ListUsers calls room.
    public init(environment: [String: String], userListShare: Double = defaultShare) throws(ConfigurationError) {
        var rates: [CognitoQuotaCategory: Double] = [.userList: CognitoQuotaCategory.userList.defaultQuota * userListShare]
        for category in CognitoQuotaCategory.allCases {
            let name = "COGNITO_TPS_\(category.rawValue.uppercased())"
            guard let text = environment[name], !text.isEmpty else { continue }
            guard let rate = Double(text), rate > 0 else { throw ConfigurationError("\(name) must be a positive number, not '\(text)'") }
            rates[category] = rate
        }
        self.init(rates: rates)
    }

    public func limiter(for category: CognitoQuotaCategory) -> RateLimiter { limiters[category]! }

    /// Every bucket a call to `operation` on `poolID` draws from.
    public func limiters(for operation: String, poolID: String?) -> [RateLimiter] {
        let category = CognitoQuotaCategory.of(operation)
        guard let cap = category.perPoolOperationQuota, let poolID else { return [limiters[category]!] }
        return [limiters[category]!, perPool.limiter("\(operation) \(poolID)", rate: cap * Self.defaultShare)]
    }
}

final class PerPoolLimiters: Sendable {
    private let limiters = Mutex<[String: RateLimiter]>([:])

    func limiter(_ key: String, rate: Double) -> RateLimiter {
        limiters.withLock { all in
            if let existing = all[key] { return existing }
            let limiter = RateLimiter(name: key, ratePerSecond: rate)
            all[key] = limiter
            return limiter
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Which request and response members carry the page token of each paginated Cognito operation.
public enum CognitoPagination {
    static func tokenName(_ operation: String) -> String {
        operation == "ListUsers" ? "PaginationToken" : "NextToken"
    }

    /// A pool's list operations: the member holding the items, and the largest page Cognito gives.
    static let lists: [String: (items: String, pageSize: (name: String, value: Int))] = [
        "ListUserPoolClients": ("UserPoolClients", ("MaxResults", 60)),
        "ListIdentityProviders": ("Providers", ("MaxResults", 60)),
        "ListResourceServers": ("ResourceServers", ("MaxResults", 50)),
        "ListGroups": ("Groups", ("Limit", 60)),
        "ListTerms": ("Terms", ("MaxResults", 60)),
    ]
}

extension CognitoAPI {
    /// Calls `operation` page after page, handing each page to `body`, until the last.
    public func forEachPage(_ operation: String, _ input: JSON, _ body: (JSON) async throws -> Void) async throws {
        let tokenName = CognitoPagination.tokenName(operation)
        try await paginate(operation, input, fetch: { try await call(operation, $0) }, token: { $0[tokenName]?.string }, body)
    }

    /// Every item a list operation of one pool has (`ListGroups`, `ListUserPoolClients`…), to its
    /// last page, in the largest pages Cognito gives.
    public func listAll(_ operation: String, poolID: String) async throws -> [JSON] {
        guard let list = CognitoPagination.lists[operation] else { preconditionFailure("\(operation) is not a pool's list operation") }
        var items: [JSON] = []
        try await forEachPage(operation, ["UserPoolId": .string(poolID), list.pageSize.name: .number(list.pageSize.value)]) {
            items += $0[list.items]?.array ?? []
        }
        return items
    }

    /// The same, each page kept as the bytes that came.
    public func forEachRawPage(_ operation: String, _ input: JSON, _ body: (RawJSONObject) async throws -> Void) async throws {
        let tokenName = CognitoPagination.tokenName(operation)
        try await paginate(operation, input, fetch: { try await callRaw(operation, $0) }, token: { $0[tokenName]?.string }, body)
    }

    /// Pages from `token` (nil: the first page) for as long as `proceed` says yes before each
    /// page; returns the token to resume at, or nil once the last page was handed to `body`. A
    /// backup longer than one invocation keeps the token in its checkpoint.
    public func forEachPage(_ operation: String, _ input: JSON, from token: String?, while proceed: () -> Bool,
                            _ body: (JSON) async throws -> Void) async throws -> String? {
        let tokenName = CognitoPagination.tokenName(operation)
        return try await paginate(operation, input, from: token, while: proceed, fetch: { try await call(operation, $0) },
                                  token: { $0[tokenName]?.string }, body)
    }

    /// The same, each page kept as the bytes that came.
    public func forEachRawPage(_ operation: String, _ input: JSON, from token: String?, while proceed: () -> Bool,
                               _ body: (RawJSONObject) async throws -> Void) async throws -> String? {
        let tokenName = CognitoPagination.tokenName(operation)
        return try await paginate(operation, input, from: token, while: proceed, fetch: { try await callRaw(operation, $0) },
                                  token: { $0[tokenName]?.string }, body)
    }

    /// Pagination, written once for every paginated Cognito operation and both page forms.
    @discardableResult
    private func paginate<Page>(_ operation: String, _ input: JSON, from start: String? = nil, while proceed: () -> Bool = { true },
                                fetch: (JSON) async throws -> Page, token: (Page) -> String?,
                                _ body: (Page) async throws -> Void) async throws -> String? {
        let tokenName = CognitoPagination.tokenName(operation)
        var request = input.object ?? JSONObject()
        if let start { request[tokenName] = .string(start) }
        // Hashes, not tokens: a pool of millions has thousands of pages, each token hundreds of bytes.
        var seen: Set<Int> = []
        while true {
            if let resumeAt = request[tokenName]?.string, !proceed() { return resumeAt }
            let page = try await fetch(.object(request))
            try await body(page)
            guard let next = token(page), !next.isEmpty else { return nil }
            // A service that hands back a token it gave before would keep us here forever.
            guard seen.insert(next.hashValue).inserted else {
                throw AWSError(service: "cognito-idp", operation: operation, httpStatus: nil, code: "PaginationLoop",
                               message: "the service returned page token it returned before", requestID: nil)
            }
            request[tokenName] = .string(next)
        }
    }
}
