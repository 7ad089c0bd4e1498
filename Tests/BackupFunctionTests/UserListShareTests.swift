@testable import BackupFunction
import AWSServices
import Backup
import Support
import Testing

struct UserListShareTests {
    static let required = ["USER_POOL_IDS": "us-east-1_AbCdEf123", "BACKUP_BUCKET": "backups", "BACKUP_TABLE": "metadata"]

    /// The function's settings, or with `defaultShare` the backup settings another caller (the CLI) reads.
    static func configuration(_ extra: [String: String], defaultShare: Double? = nil) throws -> BackupSettings {
        let environment = required.merging(extra) { $1 }
        if let defaultShare { return try BackupSettings(environment: environment, defaultUserListShare: defaultShare) }
        return try FunctionConfiguration(environment: environment).backup
    }

    static func userListRate(_ configuration: BackupSettings) -> Double {
        configuration.quotas.limiter(for: .userList).configuredRate
    }

    @Test func theFunctionTakesHalfTheUserListQuotaByDefault() throws {
        let configuration = try Self.configuration([:])
        #expect(configuration.userListShare == 0.5)
        #expect(Self.userListRate(configuration) == 15)
    }

    @Test func theCallerChoosesTheDefaultShareTheCommandLineTakesAll93Percent() throws {
        #expect(Self.userListRate(try Self.configuration([:], defaultShare: CognitoQuotas.defaultShare)) == 30 * 0.93)
    }

    @Test func theShareSetsTheUserListRateAndNoOtherCategorysRate() throws {
        let configuration = try Self.configuration(["BACKUP_USERLIST_SHARE": "0.2"], defaultShare: CognitoQuotas.defaultShare)
        #expect(abs(Self.userListRate(configuration) - 6) < 1e-9)
        #expect(configuration.quotas.limiter(for: .userRead).configuredRate == 120 * 0.93)
    }

    @Test func anExplicitUserListRateOverridesTheShare() throws {
        let configuration = try Self.configuration(["BACKUP_USERLIST_SHARE": "0.2", "COGNITO_TPS_USERLIST": "28"])
        #expect(Self.userListRate(configuration) == 28)
    }

    @Test func theWholeQuotaMayBeTaken() throws {
        #expect(Self.userListRate(try Self.configuration(["BACKUP_USERLIST_SHARE": "1"])) == 30)
    }

    @Test(arguments: ["0", "-0.1", "1.01", "50%", "half", "nan", "inf"])
    func aShareOutsideZeroToOneIsRefused(_ text: String) {
        #expect {
            try Self.configuration(["BACKUP_USERLIST_SHARE": text])
        } throws: { error in
            "\(error)".contains("BACKUP_USERLIST_SHARE must be a number above 0 and at most 1") && "\(error)".contains("'\(text)'")
        }
    }

    @Test func theScheduleIsHourlyUnlessSet() throws {
        func schedule(_ extra: [String: String]) throws -> ScheduleExpression {
            try FunctionConfiguration(environment: Self.required.merging(extra) { $1 }).schedule
        }
        #expect(try schedule([:]).periodSeconds == 3_600)
        #expect(try schedule(["BACKUP_SCHEDULE": "rate(6 hours)"]).periodSeconds == 21_600)
        #expect(throws: ConfigurationError.self) { try schedule(["BACKUP_SCHEDULE": "hourly"]) }
    }
}
