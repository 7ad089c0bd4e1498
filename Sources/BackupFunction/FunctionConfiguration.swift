import AWSClient
import Backup

/// The function's settings, from the same environment variables as the original Python function.
public struct FunctionConfiguration: Sendable {
    public let poolIDs: [String]
    public let bucket: String
    public let table: String
    public let encryption: ServerSideEncryption
    /// BACKUP_COMPRESSION: none (default) or gzip.
    public let compression: BackupCompression
    /// An AdminCreateUser event within this many seconds of the pool's last backup is skipped.
    public let minimumIntervalSeconds: Int
    public let quotas: CognitoQuotas
    /// BACKUP_USER_MFA: whether each user's MFA preferences are read (auto, on, off).
    public let userMFA: UserMFAReading
    /// `BACKUP_USERLIST_SHARE`: the share of Cognito's UserList quota the backups may take.
    public let userListShare: Double
    /// `BACKUP_SCHEDULE`: what the quota plan measures a run against.
    public let schedule: ScheduleExpression

    /// A scheduled backup takes half the UserList quota and leaves the rest to the applications.
    public static let functionUserListShare = 0.5

    /// `defaultUserListShare` applies when `BACKUP_USERLIST_SHARE` is not set: the function's is
    /// `functionUserListShare`; a person at the command line may choose to take more.
    public init(environment: [String: String], defaultUserListShare: Double = functionUserListShare) throws(ConfigurationError) {
        func required(_ name: String) throws(ConfigurationError) -> String {
            guard let value = environment[name]?.trimmingSpaces, !value.isEmpty else { throw ConfigurationError("\(name) is not set") }
            return value
        }
        poolIDs = try Self.poolList(required("USER_POOL_IDS"))
        bucket = try required("BACKUP_BUCKET")
        table = try required("BACKUP_TABLE")
        if let key = environment["BACKUP_KMS_KEY_ID"]?.trimmingSpaces, !key.isEmpty { encryption = .kms(keyID: key) } else { encryption = .s3Managed }
        compression = try BackupCompression(setting: environment["BACKUP_COMPRESSION"]?.trimmingSpaces ?? "")
        let interval = environment["BACKUP_MIN_INTERVAL_SECONDS"]?.trimmingSpaces ?? ""
        guard interval.isEmpty || Int(interval).map({ $0 >= 0 }) == true else {
            throw ConfigurationError("BACKUP_MIN_INTERVAL_SECONDS must be a whole number of seconds, not '\(interval)'")
        }
        minimumIntervalSeconds = Int(interval) ?? 300
        userListShare = try Self.share(environment["BACKUP_USERLIST_SHARE"]?.trimmingSpaces ?? "", default: defaultUserListShare)
        quotas = try CognitoQuotas(environment: environment, userListShare: userListShare)
        let schedule = environment["BACKUP_SCHEDULE"]?.trimmingSpaces ?? ""
        self.schedule = schedule.isEmpty ? .hourly : try ScheduleExpression(parsing: schedule)
        let mfa = environment["BACKUP_USER_MFA"]?.trimmingSpaces ?? ""
        guard let reading = mfa.isEmpty ? .auto : UserMFAReading(rawValue: mfa) else {
            throw ConfigurationError("BACKUP_USER_MFA must be auto, on or off, not '\(mfa)'")
        }
        userMFA = reading
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

    /// `us-east-1_abc, us-east-1_def` → two ids; each must look like a pool id.
    public static func poolList(_ text: String) throws(ConfigurationError) -> [String] {
        let ids = text.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        guard !ids.isEmpty else { throw ConfigurationError("USER_POOL_IDS names no user pool") }
        for id in ids where !PoolID.isValid(id) {
            throw ConfigurationError("'\(id)' is not a user pool id (expected REGION_ID, like us-east-1_AbCdEf123)")
        }
        return ids
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

extension String {
    var trimmingSpaces: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}

extension BackupJob {
    /// The job these settings describe, on `aws`: what the function and the `backup` command run.
    public init(configuration: FunctionConfiguration, aws: AWSClient) {
        let destination = BackupDestination(s3: S3(aws: aws), bucket: configuration.bucket,
                                            catalog: BackupCatalog(dynamodb: DynamoDB(aws: aws), table: configuration.table),
                                            encryption: configuration.encryption, compression: configuration.compression)
        self.init(cognito: Cognito(aws: aws, quotas: configuration.quotas), destination: destination, logos: LogoDownload(),
                  userMFA: configuration.userMFA)
    }
}
