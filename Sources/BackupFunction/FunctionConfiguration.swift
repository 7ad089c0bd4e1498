import AWSServices
import Backup
import Support

/// The function's settings: the backup's own (`BackupSettings`), from the same environment
/// variables as the original Python function, and what only a scheduled function needs.
public struct FunctionConfiguration: Sendable {
    public let backup: BackupSettings
    /// An AdminCreateUser event within this many seconds of the pool's last backup is skipped.
    public let minimumIntervalSeconds: Int
    /// `BACKUP_SCHEDULE`: what the quota plan measures a run against.
    public let schedule: ScheduleExpression
    /// `BACKUP_STATE_MACHINE_ARN`: where an AdminCreateUser event hands a pool too large for one
    /// invocation, to be backed up across as many as it takes; unset, such an event fails.
    public let stateMachineARN: String?
    /// `BACKUP_RPO_MINUTES` and `BACKUP_DRILL_MAX_AGE_DAYS`: what the protection metrics judge by.
    public let protection: ProtectionPolicy
    /// `BACKUP_DR_BUCKET_ARN`: the bucket S3 replicates the backups to. Set, each scheduled run
    /// reads every pool's newest backup's replication status; unset, there is none to read.
    public let replicationDestination: String?

    /// A scheduled backup takes half the UserList quota and leaves the rest to the applications.
    public static let functionUserListShare = 0.5

    public init(environment: [String: String]) throws(ConfigurationError) {
        backup = try BackupSettings(environment: environment, defaultUserListShare: Self.functionUserListShare)
        let interval = environment["BACKUP_MIN_INTERVAL_SECONDS"]?.trimmingCharacters(in: " \t\r\n") ?? ""
        guard interval.isEmpty || Int(interval).map({ $0 >= 0 }) == true else {
            throw ConfigurationError("BACKUP_MIN_INTERVAL_SECONDS must be a whole number of seconds, not '\(interval)'")
        }
        minimumIntervalSeconds = Int(interval) ?? 300
        let schedule = environment["BACKUP_SCHEDULE"]?.trimmingCharacters(in: " \t\r\n") ?? ""
        self.schedule = schedule.isEmpty ? .hourly : try ScheduleExpression(parsing: schedule)
        let machine = environment["BACKUP_STATE_MACHINE_ARN"]?.trimmingCharacters(in: " \t\r\n") ?? ""
        stateMachineARN = machine.isEmpty ? nil : machine
        protection = try ProtectionPolicy(environment: environment)
        let destination = environment["BACKUP_DR_BUCKET_ARN"]?.trimmingCharacters(in: " \t\r\n") ?? ""
        guard destination.isEmpty || (destination.hasPrefix("arn:") && destination.contains(":s3:::")) else {
            throw ConfigurationError("BACKUP_DR_BUCKET_ARN must be an S3 bucket ARN (arn:aws:s3:::name), not '\(destination)'")
        }
        replicationDestination = destination.isEmpty ? nil : destination
    }

    public var selection: PoolSelection { backup.selection }
    public var table: String { backup.table }
    public var quotas: CognitoQuotas { backup.quotas }
    public var userListShare: Double { backup.userListShare }
}
