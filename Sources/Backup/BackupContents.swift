import JSON

/// A backup as restore and verify read it: the members of the current format, whichever format
/// the file was written in. Configuration stays Cognito's JSON; users are read from the file
/// when needed, since a pool may hold a million of them.
public struct BackupContents: Sendable {
    public var formatVersion: Int
    public var timestamp: String
    public var sourcePoolID: String
    /// DescribeUserPool's `UserPool`.
    public var poolConfig: JSON
    /// GetUserPoolMfaConfig's answer; the original format did not keep it.
    public var mfaConfig: JSON?
    public var appClients: [JSON]
    public var identityProviders: [JSON]
    public var resourceServers: [JSON]
    /// DomainDescriptions of the prefix and the custom domain.
    public var domain: JSON?
    public var customDomain: JSON?
    public var uiCustomization: PerClient
    /// The UI customizations' logos as base64, by "pool" or the backup's client id; backups
    /// before `ui_logos` have only the URLs.
    public var uiLogos: [String: String]
    public var riskConfiguration: PerClient
    public var logDelivery: JSON?
    /// DescribeManagedLoginBrandingByClient's `ManagedLoginBranding`, by the backup's client id
    /// (the branding itself does not name its client).
    public var managedLoginBranding: [(clientID: String, value: JSON)]
    /// DescribeTerms' `Terms`, each naming its client by the backup's client id.
    public var terms: [JSON]
    public var groups: [JSON]
    /// What the backup recorded it could not read (`warnings`).
    public var warnings: [BackupWarning] = []
    /// Read from the backup's file when needed, not held (see `BackupUsers`).
    public var users: BackupUsers
    /// Read from the backup's file when needed, not held (see `BackupMemberships`).
    public var memberships: BackupMemberships

    /// A pool-wide setting and the same setting per app client (by the backup's client ids).
    public struct PerClient: Sendable {
        public var pool: JSON?
        public var clients: [(clientID: String, value: JSON)]

        public static let none = PerClient(pool: nil, clients: [])
    }

    public init(formatVersion: Int, timestamp: String, sourcePoolID: String, poolConfig: JSON, mfaConfig: JSON? = nil,
                appClients: [JSON] = [], identityProviders: [JSON] = [], resourceServers: [JSON] = [],
                domain: JSON? = nil, customDomain: JSON? = nil, uiCustomization: PerClient = .none, uiLogos: [String: String] = [:],
                riskConfiguration: PerClient = .none, logDelivery: JSON? = nil,
                managedLoginBranding: [(clientID: String, value: JSON)] = [], terms: [JSON] = [], groups: [JSON] = [],
                users: [PoolUser] = [], memberships: [(group: String, usernames: [String])] = []) {
        self.formatVersion = formatVersion
        self.timestamp = timestamp
        self.sourcePoolID = sourcePoolID
        self.poolConfig = poolConfig
        self.mfaConfig = mfaConfig
        self.appClients = appClients
        self.identityProviders = identityProviders
        self.resourceServers = resourceServers
        self.domain = domain
        self.customDomain = customDomain
        self.uiCustomization = uiCustomization
        self.uiLogos = uiLogos
        self.riskConfiguration = riskConfiguration
        self.logDelivery = logDelivery
        self.managedLoginBranding = managedLoginBranding
        self.terms = terms
        self.groups = groups
        self.users = BackupUsers(users)
        self.memberships = BackupMemberships(memberships, users: self.users)
    }

    /// The custom (and developer-only) attributes of the pool's schema: what a target pool
    /// must have for every user to fit.
    public var customAttributes: [JSON] {
        (poolConfig["SchemaAttributes"]?.array ?? []).filter { $0["Name"]?.string.map(SchemaAttribute.isCustom) ?? false }
    }
}

/// One user as ListUsers describes it, in the backup or in the target pool.
public struct PoolUser: Sendable, Equatable {
    public let username: String
    public let attributes: [Attribute]
    public let enabled: Bool
    public let status: String
    /// AdminGetUser's `UserMFASettingList` and `PreferredMfaSetting`, where the backup read them.
    public let mfaSettings: [String]
    public let preferredMFA: String?

    public struct Attribute: Sendable, Equatable {
        public let name: String
        public let value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(username: String, attributes: [Attribute], enabled: Bool = true, status: String = "CONFIRMED",
                mfaSettings: [String] = [], preferredMFA: String? = nil) {
        self.username = username
        self.attributes = attributes
        self.enabled = enabled
        self.status = status
        self.mfaSettings = mfaSettings
        self.preferredMFA = preferredMFA
    }

    /// From a ListUsers `UserType`; nil when it has no username.
    public init?(_ user: JSON) {
        guard let username = user["Username"]?.string else { return nil }
        self.username = username
        attributes = (user["Attributes"]?.array ?? []).compactMap { entry in
            guard let name = entry["Name"]?.string else { return nil }
            return Attribute(name, entry["Value"]?.string ?? "")
        }
        enabled = user["Enabled"]?.bool ?? true
        status = user["UserStatus"]?.string ?? "UNKNOWN"
        mfaSettings = (user["UserMFASettingList"]?.array ?? []).compactMap(\.string)
        preferredMFA = user["PreferredMfaSetting"]?.string.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func attribute(_ name: String) -> String? { attributes.first { $0.name == name }?.value }
    public var sub: String? { attribute("sub") }

    /// Signed in only through a SAML, OIDC or social provider: Cognito makes such users itself, at
    /// their next sign-in, and offers no way to create one.
    public var isFederatedOnly: Bool { status == "EXTERNAL_PROVIDER" }
}

public enum SchemaAttribute {
    public static func isCustom(_ name: String) -> Bool { name.hasPrefix("custom:") || name.hasPrefix("dev:") }
}
