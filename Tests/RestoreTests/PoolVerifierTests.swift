import JSON
@testable import Restore
import Testing

struct PoolVerifierTests {
    /// The backup as the restored pool shows it: new subs, client ids and dates.
    func restoredPool(_ backup: Backup) -> Backup {
        var pool = backup
        pool.users = backup.users.map { user in
            PoolUser(username: user.username, attributes: user.attributes.map { $0.name == "sub" ? .init("sub", "new-" + $0.value) : $0 },
                     enabled: user.enabled, status: "FORCE_CHANGE_PASSWORD")
        }
        pool.appClients = backup.appClients.map { client in
            var changed = client.object!
            changed["ClientId"] = "new-id"
            changed["CreationDate"] = .number("1.8E9")
            return .object(changed)
        }
        var config = backup.poolConfig.object!
        config["Id"] = "eu-west-1_New"
        config["CreationDate"] = .number("1.8E9")
        pool.poolConfig = .object(config)
        pool.domain = ["Domain": "customers-restored"]
        return pool
    }

    @Test func restoredPoolPassesEveryCheckDespiteNewSubsIdsAndDates() throws {
        let backup = try Backup(reading: Recorded.backup())
        let checks = PoolVerifier(backup: backup, pool: restoredPool(backup)).checks()
        #expect(checks.filter { !$0.passed }.map(\.name) == [])
        #expect(checks.count > 12)
    }

    @Test func changedAttributeIsNamedWithBothValues() throws {
        let backup = try Backup(reading: Recorded.backup())
        var pool = restoredPool(backup)
        pool.users[0] = PoolUser(username: "alice", attributes: pool.users[0].attributes.map { $0.name == "email" ? .init("email", "x@y") : $0 })
        let check = PoolVerifier(backup: backup, pool: pool).checks().first { $0.name == "user attributes and enabled state" }
        #expect(check?.differences == ["alice: email is 'alice@example.com' in the backup, 'x@y' in the pool"])
    }

    @Test func missingMembershipAndDisabledUserEnabledAreDifferences() throws {
        let backup = try Backup(reading: Recorded.backup())
        var pool = restoredPool(backup)
        pool.users[1] = PoolUser(username: "bob", attributes: pool.users[1].attributes, enabled: true)
        pool.memberships = [("admins", ["alice"]), ("staff", ["alice"])]
        let checks = PoolVerifier(backup: backup, pool: pool).checks()
        #expect(checks.first { $0.name == "group memberships" }?.differences == ["staff: bob missing"])
        #expect(checks.first { $0.name == "user attributes and enabled state" }?.differences == ["bob: enabled false in the backup, true in the pool"])
    }

    @Test func changedClientSettingIsNamedByClientAndPath() throws {
        let backup = try Backup(reading: Recorded.backup())
        var pool = restoredPool(backup)
        var client = pool.appClients[0].object!
        client["RefreshTokenValidity"] = 5
        pool.appClients = [.object(client)]
        let check = PoolVerifier(backup: backup, pool: pool).checks().first { $0.name == "app clients" }
        #expect(check?.differences == ["web.RefreshTokenValidity: backup 30, pool 5"])
    }

    @Test func triggersAreNotExpectedAfterSkipTriggers() throws {
        let backup = try Backup(reading: Recorded.backup())
        var pool = restoredPool(backup)
        var config = pool.poolConfig.object!
        config["LambdaConfig"] = [:]
        pool.poolConfig = .object(config)
        #expect(PoolVerifier(backup: backup, pool: pool).checks().contains { $0.name == "Lambda triggers" && !$0.passed })
        #expect(PoolVerifier(backup: backup, pool: pool, expectTriggers: false).checks().allSatisfy { $0.passed })
    }

    @Test func manyDifferencesAreSummedUpAfterTheFirstFive() {
        let lines = (0..<9).map { "line \($0)" }
        #expect(JSONDifference.between(.array(lines.map(JSON.string)), [], at: "x").count == 1)
        let backup = Backup(formatVersion: 2, timestamp: "", sourcePoolID: "p", poolConfig: [:],
                            users: (0..<9).map { PoolUser(username: "u\($0)", attributes: []) })
        let pool = Backup(formatVersion: 2, timestamp: "", sourcePoolID: "q", poolConfig: [:])
        let check = PoolVerifier(backup: backup, pool: pool).checks().first { $0.name == "users" }
        #expect(check?.differences.count == 6)
        #expect(check?.differences.last == "… and 4 more")
    }
}
