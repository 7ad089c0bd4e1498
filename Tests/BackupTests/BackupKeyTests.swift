@testable import Backup
import Support
import Testing

/// A bucket describes its backups by their keys alone: the pool and the start are read back from
/// the key `BackupFormat.objectKey` wrote, and nothing else under the prefix is taken for a backup.
struct BackupKeyTests {
    @Test func keyWrittenForABackupReadsBackAsItsPoolAndStart() throws {
        let started = try #require(UTCTime(iso8601: "2025-06-02T10:15:30.123Z"))
        let key = try #require(BackupKey(BackupFormat.objectKey(poolID: "us-east-1_AbCdEf123", startedAt: started)))
        #expect(key.poolID == "us-east-1_AbCdEf123")
        #expect(key.startedAt == "2025-06-02T10:15:30Z")
        #expect(key.attempt == 1)
    }

    @Test func secondBackupOfTheSameSecondIsItsSecondAttempt() throws {
        let started = try #require(UTCTime(iso8601: "2025-06-02T10:15:30Z"))
        let key = try #require(BackupKey(BackupFormat.objectKey(poolID: "eu-west-1_123456789", startedAt: started, attempt: 2)))
        #expect(key.poolID == "eu-west-1_123456789")
        #expect(key.attempt == 2)
    }

    @Test(arguments: [
        "cognito-backup/2025/06/02/us-east-1_AbCdEf123-101530.json.manifest.json",
        "cognito-backup/2025/06/02/us-east-1_AbCdEf123-101530.json.checkpoint.json",
        "cognito-backup/2025/06/02/us-east-1_AbCdEf123-101530.json.gz.checkpoint.json",
        "cognito-backup/2025/06/02/us-east-1_AbCdEf123-101530.restore-us-west-2_XyZ987654.json",
        "cognito-backup/2025/06/02/notes.txt",
        "cognito-backup/2025/06/02/us-east-1_AbCdEf123.json",
        "cognito-backup/2025/6/02/us-east-1_AbCdEf123-101530.json",
        "elsewhere/2025/06/02/us-east-1_AbCdEf123-101530.json",
    ])
    func otherObjectsUnderThePrefixAreNotBackups(_ key: String) {
        #expect(BackupKey(key) == nil)
    }

    @Test func newestFirstOrdersByStartThenAttempt() throws {
        let keys = [
            "cognito-backup/2025/06/02/us-east-1_A-101530.json",
            "cognito-backup/2025/06/03/us-east-1_A-000000.json",
            "cognito-backup/2025/06/02/us-east-1_A-101530-2.json",
        ].compactMap(BackupKey.init)
        #expect(keys.sorted(by: BackupKey.newestFirst).map(\.key) == [
            "cognito-backup/2025/06/03/us-east-1_A-000000.json",
            "cognito-backup/2025/06/02/us-east-1_A-101530-2.json",
            "cognito-backup/2025/06/02/us-east-1_A-101530.json",
        ])
    }
}
