import JSON
import Support

/// The backup object's layout. Values are Cognito's JSON as the API returned it; the keys are
/// those of the original Python function, plus what it did not keep.
public enum BackupFormat {
    /// 1 is the original Python function's layout (no version field); 2 adds the components
    /// below it and streams users.
    public static let version = 2

    /// `cognito-backup/YYYY/MM/DD/<pool>-HHMMSS.json`; a second backup of the pool started in the
    /// same second takes `-HHMMSS-2.json`, and so on, never the first one's key.
    public static func objectKey(poolID: String, startedAt time: UTCTime, attempt: Int = 1,
                                 compression: BackupCompression = .none) -> String {
        "\(keyPrefix(poolID: poolID, day: time))\(time.compactTime)\(attempt > 1 ? "-\(attempt)" : "")\(compression.keySuffix)"
    }

    /// What every key of the pool's backups of that day starts with.
    public static func keyPrefix(poolID: String, day: UTCTime) -> String {
        "cognito-backup/\(day.datePart("/"))/\(poolID)-"
    }

    /// The manifest beside an object: its record (size, SHA-256, counts) as plain JSON, so the
    /// object describes itself wherever it is copied, without the metadata table.
    public static func manifestKey(objectKey: String) -> String { objectKey + manifestSuffix }
    public static let manifestSuffix = ".manifest.json"
}

extension BackupFormat {
    /// The backup object's member names, top-level in the order a backup writes them. Every
    /// writer (`PoolReader`, `BackupJob`) and reader (`BackupContents(reading:)`) names them from
    /// here, so a new member or version 3 changes one place.
    public enum Member {
        public static let formatVersion = "format_version"
        public static let timestamp = "timestamp"
        public static let userPoolID = "user_pool_id"
        public static let userPoolConfig = "user_pool_config"
        public static let mfaConfig = "mfa_config"
        public static let appClients = "app_clients"
        public static let identityProviders = "identity_providers"
        public static let resourceServers = "resource_servers"
        public static let userPoolDomain = "user_pool_domain"
        public static let uiCustomization = "ui_customization"
        public static let uiLogos = "ui_logos"
        public static let riskConfiguration = "risk_configuration"
        public static let logDeliveryConfiguration = "log_delivery_configuration"
        public static let managedLoginBranding = "managed_login_branding"
        public static let terms = "terms"
        public static let groups = "groups"
        public static let users = "users"
        public static let groupMemberships = "group_memberships"
        public static let usersFoundInGroups = "users_found_in_groups"
        public static let warnings = "warnings"
        public static let readWindow = "read_window"

        /// The top-level members that hold a list (the reader refuses anything else).
        public static let lists = [appClients, identityProviders, resourceServers, groups, terms]

        /// Inside `user_pool_domain`: the prefix domain's and the custom domain's DomainDescription.
        public enum Domain {
            public static let prefix = "domain"
            public static let custom = "custom_domain"
        }

        /// Inside `ui_customization` and `risk_configuration`: the pool's own setting, and each
        /// app client's by client id.
        public enum PerClient {
            public static let pool = "pool"
            public static let clients = "clients"
        }

        /// One entry of `ui_logos`, by `PerClient.pool` or a client id.
        public enum Logo {
            public static let url = "url"
            public static let contentType = "content_type"
            public static let base64 = "base64"
        }

        /// Inside `read_window`.
        public enum ReadWindow {
            public static let started = "started"
            public static let finished = "finished"
        }
    }
}

/// One thing the backup could not read because the pool does not have it: recorded in the object
/// so that a restore knows it was absent, not forgotten.
public struct BackupWarning: Sendable, Equatable {
    public let component: String
    public let reason: String

    public init(component: String, reason: String) {
        self.component = component
        self.reason = reason
    }

    public var json: JSON { ["component": .string(component), "reason": .string(reason)] }
}

/// How a backup object is stored: the JSON text itself, or gzip of it (`.json.gz`), which hourly
/// backups kept for weeks, and copied to the DR region, make the main running cost. The size and
/// SHA-256 recorded are always of the bytes stored.
public enum BackupCompression: String, Sendable, CaseIterable {
    case none
    case gzip

    public var keySuffix: String { self == .gzip ? ".json.gz" : ".json" }

    var contentType: String { self == .gzip ? "application/gzip" : "application/json" }

    /// `BACKUP_COMPRESSION`'s value: `none` (or empty) or `gzip`.
    public init(setting text: String) throws(ConfigurationError) {
        guard let known = BackupCompression(rawValue: text.isEmpty ? "none" : text.lowercased()) else {
            throw ConfigurationError("BACKUP_COMPRESSION must be none or gzip, not '\(text)'")
        }
        self = known
    }
}
