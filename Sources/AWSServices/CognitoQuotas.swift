import AWSCore
import Support
import Synchronization

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
