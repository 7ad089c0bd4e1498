import ArgumentParser
import AWSServices
import Compare
import JSON
import Restore

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a pool against a backup: the restore's validation checklist.",
        discussion: """
            Compares settings, schema, resource servers, identity providers, groups, app clients, \
            domain, UI customization (its CSS), threat protection, managed login branding, terms \
            documents, users (names, attributes, enabled state), their linked identities (for \
            providers the pool has) and group memberships; and, for a backup in a bucket that \
            replicates, that each replica is there with the same size and SHA-256. Users are \
            matched by username (or by email or phone number in pools that sign in with them) and \
            app clients by name (through the restore's mapping file with --mapping); subs, ids, dates, statuses and what else no restore carries are \
            not compared: each check is the changes of one kind that `diff <backup> pool:<id> \
            --mapping <its mapping>` reports, by the same engine, with users and memberships \
            compared a partition at a time from scratch files, so memory stays flat whatever the \
            pool's size. Exits 0 only when every check passes.

            Example:
              cognito-backup verify --source backup.json --pool-id us-east-1_NewPool1
            """
    )

    @OptionGroup var source: SourceOptions

    @Option(name: .customLong("pool-id"), help: "The pool to check.")
    var poolID: String

    @Flag(name: .customLong("skip-triggers"), help: "Do not expect the backup's Lambda triggers (restored with --skip-triggers).")
    var skipTriggers = false

    @Option(help: ArgumentHelp("The restore's mapping file: app clients are paired through it rather than by name.", valueName: "file"))
    var mapping: String?

    @Flag(help: "Print the checks as JSON.")
    var json = false

    @OptionGroup var aws: AWSOptions

    func run() async throws {
        try await reportingFailure {
            let (backup, location, s3) = try await source.read(aws: aws)
            var clients: [String: String] = [:]
            if let mapping {
                clients = try await RestoredClients(mappingPath: mapping, backup: backup, backupName: source.source, poolID: poolID).pairs
            }
            var checks = try await PoolVerifier(backup: backup, pool: .pool(id: poolID, cognito: try aws.cognito()),
                                                expectTriggers: !skipTriggers, clients: clients).checks()
            if case let .s3(bucket, key) = location {
                do {
                    if let replication = try await ReplicationCheck(s3: s3).check(bucket: bucket, key: key) { checks.append(replication) }
                } catch {
                    warn("replication not checked: the replication configuration of \(bucket) cannot be read (\(error))")
                }
            }
            let failed = checks.filter { !$0.passed }
            if json {
                print(JSON.object(["pool_id": .string(poolID), "passed": .bool(failed.isEmpty),
                                   "checks": .array(checks.map(\.json))]).serialized)
            } else {
                for check in checks {
                    print("\(check.passed ? "PASS" : "FAIL")  \(check.name): \(check.detail)")
                    for difference in check.differences { print("        \(difference)") }
                }
            }
            if !failed.isEmpty {
                throw CLIError(message: "\(failed.count) of \(checks.count) checks failed: " + failed.map(\.name).joined(separator: ", "),
                               exitCode: CLIError.failed)
            }
        }
    }
}
