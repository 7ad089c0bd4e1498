import AWSCore
import AWSServices
import Support

/// What a backup needs to know, read from the environment the function and the `backup` command
/// share (`USER_POOL_IDS`, `BACKUP_POOL_TAGS`, `BACKUP_BUCKET`, `BACKUP_TABLE`, `BACKUP_KMS_KEY_ID`,
/// `BACKUP_COMPRESSION`, `BACKUP_USER_MFA`, `BACKUP_USERLIST_SHARE`, `COGNITO_TPS_<CATEGORY>`).
public struct BackupSettings: Sendable {
    /// The pools protected: `USER_POOL_IDS` (ids or `*`) and `BACKUP_POOL_TAGS`.
    public let selection: PoolSelection
    public let bucket: String
    public let table: String
    public let encryption: ServerSideEncryption
    /// BACKUP_COMPRESSION: none (default) or gzip.
    public let compression: BackupCompression
    public let quotas: CognitoQuotas
    /// BACKUP_USER_MFA: whether each user's MFA preferences are read (off by default: each read is an
    /// AdminGetUser, which makes the user a billed monthly active user).
    public let userMFA: UserMFAReading
    /// `BACKUP_USERLIST_SHARE`: the share of Cognito's UserList quota the backups may take.
    public let userListShare: Double
    /// `BACKUP_TIER_RETENTION_DAYS`: each tier's days, from which each row's expiry is computed.
    public let retention: TierRetention?
    /// `BACKUP_OBJECT_LOCK_MODE` and `BACKUP_TIER_RETENTION_DAYS`: each object locked for its tier.
    public let lock: TierLock?

    /// `defaultUserListShare` applies when `BACKUP_USERLIST_SHARE` is not set: unattended runs
    /// take less than a person at the command line may choose to.
    public init(environment: [String: String], defaultUserListShare: Double) throws(ConfigurationError) {
        func value(_ name: String) -> String { environment[name]?.trimmingCharacters(in: " \t\r\n") ?? "" }
        func required(_ name: String) throws(ConfigurationError) -> String {
            let text = value(name)
            guard !text.isEmpty else { throw ConfigurationError("\(name) is not set") }
            return text
        }
        selection = try PoolSelection(poolIDs: value("USER_POOL_IDS"), tags: value("BACKUP_POOL_TAGS"))
        bucket = try required("BACKUP_BUCKET")
        table = try required("BACKUP_TABLE")
        encryption = value("BACKUP_KMS_KEY_ID").isEmpty ? .s3Managed : .kms(keyID: value("BACKUP_KMS_KEY_ID"))
        compression = try BackupCompression(setting: value("BACKUP_COMPRESSION"))
        userListShare = try Self.share(value("BACKUP_USERLIST_SHARE"), default: defaultUserListShare)
        quotas = try CognitoQuotas(environment: environment, userListShare: userListShare)
        let mfa = value("BACKUP_USER_MFA")
        guard let reading = mfa.isEmpty ? .off : UserMFAReading(rawValue: mfa) else {
            throw ConfigurationError("BACKUP_USER_MFA must be auto, on or off, not '\(mfa)'")
        }
        userMFA = reading
        retention = try TierRetention(value("BACKUP_TIER_RETENTION_DAYS"))
        lock = try TierLock(mode: value("BACKUP_OBJECT_LOCK_MODE"), retention: retention)
    }

    /// A share of a quota: above 0 (a backup that may make no call never ends) and at most 1.
    static func share(_ text: String, default defaultShare: Double) throws(ConfigurationError) -> Double {
        if text.isEmpty { return defaultShare }
        guard let share = Double(text), share > 0, share <= 1 else {
            throw ConfigurationError("BACKUP_USERLIST_SHARE must be a number above 0 and at most 1 (a share of Cognito's "
                + "UserList quota of 30 requests/s), not '\(text)'")
        }
        return share
    }
}

public enum PoolID {
    /// Cognito's pattern: `[\w-]+_[0-9a-zA-Z]+`.
    public static func isValid(_ id: String) -> Bool {
        let parts = id.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, id.utf8.count <= 55 else { return false }
        return parts[0].allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
            && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}

extension BackupJob {
    /// The job these settings describe, on `aws`: what the function and the `backup` command run.
    public init(settings: BackupSettings, aws: AWSClient) {
        let destination = BackupDestination(s3: S3(aws: aws), bucket: settings.bucket,
                                            catalog: BackupCatalog(dynamodb: DynamoDB(aws: aws), table: settings.table),
                                            encryption: settings.encryption, compression: settings.compression, lock: settings.lock,
                                            retention: settings.retention)
        self.init(cognito: Cognito(aws: aws, quotas: settings.quotas), destination: destination, logos: LogoDownload(),
                  userMFA: settings.userMFA)
    }
}
