import JSON

/// What Cognito bills: each user an identity operation touches in a calendar month is a monthly
/// active user (MAU), priced by the pool's feature plan. ListUsers and CSV import jobs touch no one;
/// administrative creation, attribute and group-membership changes and AdminGetUser do (AWS's
/// quotas page, "monthly active users").
public enum CognitoTier: String, Sendable, CaseIterable {
    case lite = "LITE"
    case essentials = "ESSENTIALS"
    case plus = "PLUS"

    /// The pool's `UserPoolTier` from DescribeUserPool; a pool that does not say is priced as
    /// Essentials, the plan new pools get.
    public init(pool: JSON) {
        self = pool["UserPoolTier"]?.string.flatMap(CognitoTier.init(rawValue:)) ?? .essentials
    }

    /// US dollars per MAU past the free tier.
    public var pricePerMAU: Double {
        switch self {
        case .lite: return 0.0055
        case .essentials: return 0.015
        case .plus: return 0.020
        }
    }

    /// MAUs free each month, per account and shared by all its pools: so never counted against
    /// one operation's cost, which is stated before it.
    public var freeMAUPerAccount: Int { self == .plus ? 0 : 10_000 }

    /// `users` billed once each, before the account's free MAUs.
    public func cost(users: Int) -> Double { Double(users) * pricePerMAU }

    /// The same in dollars to the cent, as reports state it.
    public func costInCents(users: Int) -> Double { Self.cents(cost(users: users)) }

    public static func cents(_ dollars: Double) -> Double { (dollars * 100).rounded() / 100 }

    /// "$14.85 (990 users at Essentials' $0.015)" for a person.
    public func describe(users: Int) -> String {
        "$\(Self.dollars(cost(users: users))) (\(users) users at \(name)'s $\(pricePerMAU) per monthly active user)"
    }

    public var name: String { rawValue.prefix(1) + rawValue.dropFirst().lowercased() }

    public static func dollars(_ amount: Double) -> String {
        let cents = Int((amount * 100).rounded())
        let rest = cents % 100
        return "\(cents / 100).\(rest < 10 ? "0" : "")\(rest)"
    }

    /// Actions that make the user they name an active user: the administrative ones that create,
    /// change, read in detail or sign in a user. Counted generously, so a stated cost is never low:
    /// AWS's pricing counts any identity operation on a user and says nothing of AdminDeleteUser.
    public static let billedActions: Set<String> = [
        "AdminCreateUser", "AdminDeleteUser", "AdminGetUser", "AdminUpdateUserAttributes", "AdminDeleteUserAttributes",
        "AdminAddUserToGroup", "AdminRemoveUserFromGroup", "AdminSetUserMFAPreference", "AdminSetUserPassword",
        "AdminResetUserPassword", "AdminLinkProviderForUser", "AdminDisableUser", "AdminEnableUser",
        "AdminConfirmSignUp", "AdminUserGlobalSignOut", "AdminInitiateAuth", "AdminRespondToAuthChallenge",
    ]
}
