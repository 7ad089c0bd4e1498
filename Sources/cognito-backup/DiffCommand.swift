import ArgumentParser
import AWSServices
import Backup
import Compare
import JSON
import Restore
import Support

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed between two backups, or between a backup and the live pool.",
        discussion: """
            Each side is a backup (s3://bucket/key or a local file) or a live pool (pool:<id>, read \
            the way a backup reads it, at the UserList share). Reports, kind by kind, what the \
            second side added, removed and changed: pool settings (by path, such as \
            Policies.PasswordPolicy.MinimumLength), schema, MFA configuration, domain, resource \
            servers, identity providers, groups, app clients (setting by setting), UI \
            customization, threat protection, managed login branding, terms, log delivery, users \
            (attributes old -> new, enabled, status) and group memberships. Items are matched by \
            name (username, group, client and provider names), so ids, subs, dates and regenerated \
            client secrets are never changes; unchanged items are not listed. Users and \
            memberships are compared a partition at a time from scratch files, so memory stays \
            flat whatever the pool's size. Both sides are read whole before the first line is \
            printed: a side that cannot be read is an error, never a shorter list.

            With --mapping F (the mapping file of a restore of the first side, a backup, into \
            the second), what never survives a restore is reported as not carried by a restore, \
            never as a change: subs, usernames in pools that sign in by email or phone (users are \
            matched by them), user statuses, ids, dates, the pool's id and ARN, the prefix of the \
            domain, regenerated client secrets, the restore's tag, what Cognito writes itself; app \
            clients are paired through the mapping. Settings are compared as the restore writes \
            them: the second side's differences are exactly what verify reports.

            Exit status: 0 identical, 1 different, 2 usage or configuration, 3 AWS.

            Examples:
              cognito-backup diff s3://my-backups/cognito-backup/2026/12/06/us-east-1_Abc-020000.json pool:us-east-1_Abc
              cognito-backup diff monday.json tuesday.json --summary
              cognito-backup diff backup.json pool:us-east-1_New --mapping backup.restore-us-east-1_New.json
            """
    )

    @Argument(help: ArgumentHelp("The first side, the older one: a backup (s3://bucket/key or a file) or pool:<id>.", valueName: "old"))
    var old: String

    @Argument(help: ArgumentHelp("The second side, compared against the first.", valueName: "new"))
    var new: String

    @Option(name: .customLong("old-version-id"), help: "Read this version of the first side's S3 object.")
    var oldVersionID: String?

    @Option(name: .customLong("new-version-id"), help: "Read this version of the second side's S3 object.")
    var newVersionID: String?

    @Option(help: ArgumentHelp("A restore's mapping file: the second side is that restore of the first (a backup); what no restore carries is reported apart.",
                               valueName: "file"))
    var mapping: String?

    @Flag(help: "Print the changes as JSON: {identical, changes: [...], summary} (docs/format.md).")
    var json = false

    @Flag(help: "Print only the counts per kind.")
    var summary = false

    @OptionGroup var aws: AWSOptions

    func run() async throws {
        try await reportingFailure {
            let (first, second) = (try await side(old, versionID: oldVersionID), try await side(new, versionID: newVersionID))
            let comparison = if let mapping { try await restoreComparison(first, second, mappingPath: mapping) }
                else { PoolComparison(old: first, new: second) }
            let output = DiffOutput(json: json, countsOnly: summary)
            let summary = try await comparison.run(output.print)
            output.finish(summary)
            if !summary.identical { throw ExitCode(CLIError.failed) }
        }
    }

    private func side(_ text: String, versionID: String?) async throws -> ComparedSide {
        if text.hasPrefix("pool:") {
            guard versionID == nil else { throw CLIError(message: "a version id is for a backup in S3, not \(text)", exitCode: CLIError.configuration) }
            return .pool(id: String(text.dropFirst("pool:".count)), cognito: try aws.cognito())
        }
        let location = try BackupSource(text)
        return .backup(try await location.backup(s3: S3(aws: try aws.client()), versionID: versionID, warn: warn))
    }
}

extension DiffCommand {
    /// The first side against its restore, the second, as the mapping file at `path` records it.
    private func restoreComparison(_ first: ComparedSide, _ second: ComparedSide, mappingPath path: String) async throws -> PoolComparison {
        guard case .backup(let backup) = first else {
            throw CLIError(message: "--mapping compares a backup with a restore of it: the first side must be the backup, not \(old)",
                           exitCode: CLIError.configuration)
        }
        let poolID: String? = if case .pool(let id, _) = second { id } else { nil }
        let clients = try await RestoredClients(mappingPath: path, backup: backup, backupName: old, poolID: poolID).pairs
        return PoolComparison(backup: backup, restored: second, restoration: .restore(triggers: true, clients: clients))
    }
}

/// The app clients a restore's mapping file pairs (backup client id → restored id), once the file
/// is known to record a restore of this backup into this pool: any other mapping is a usage error.
struct RestoredClients {
    let pairs: [String: String]

    init(mappingPath path: String, backup: BackupContents, backupName: String, poolID: String?) async throws {
        let loaded: RestoreMapping?
        do { loaded = try await MappingFile(path: path).load() } catch {
            throw CLIError(message: "\(error)", exitCode: CLIError.configuration)
        }
        guard let mapping = loaded else { throw CLIError(message: "mapping file \(path) does not exist", exitCode: CLIError.configuration) }
        guard mapping.records(backup) else {
            throw CLIError(message: "\(path) records a restore of the backup of \(mapping.sourcePoolID) taken at \(mapping.backupTimestamp), "
                + "not of \(backupName) (\(backup.sourcePoolID) at \(backup.timestamp))", exitCode: CLIError.configuration)
        }
        if let poolID, let target = mapping.targetPoolID, target != poolID {
            throw CLIError(message: "\(path) records a restore into \(target), not pool:\(poolID)", exitCode: CLIError.configuration)
        }
        pairs = Dictionary(mapping.appClients.map { ($0.oldID, $0.newID) }, uniquingKeysWith: { first, _ in first })
    }
}

/// Prints changes as they come: one line each for people, one array element each for `--json`,
/// nothing but the counts for `--summary`. What no restore carries is an element of `--json`'s
/// list; people see it summed up per kind at the end, since it is every user of a restore.
final class DiffOutput {
    let json: Bool
    let countsOnly: Bool
    private var printed = 0

    init(json: Bool, countsOnly: Bool) {
        self.json = json
        self.countsOnly = countsOnly
    }

    func print(_ change: Change) {
        guard !countsOnly, json || change.action != .notCarried else { return }
        if json {
            StandardStream.output.write((printed == 0 ? "{\"changes\":[" : ",") + change.json.serialized)
        } else {
            StandardStream.output.write(change.text + "\n")
        }
        printed += 1
    }

    func finish(_ summary: PoolComparison.Summary) {
        if json {
            let opening = countsOnly || printed == 0 ? "{\"changes\":[" : ""
            StandardStream.output.write(opening + "],\"identical\":\(summary.identical),\"summary\":\(summary.json.serialized)}\n")
        } else if countsOnly || summary.identical {
            StandardStream.output.write(summary.text + "\n")
        } else {
            for kind in Change.Kind.allCases where summary.count(kind, .notCarried) > 0 {
                let paths = summary.notCarriedPaths[kind].map { " (" + $0.sorted().joined(separator: ", ") + ")" } ?? ""
                StandardStream.output.write("= \(kind.rawValue): \(summary.count(kind, .notCarried)) not carried by a restore\(paths)\n")
            }
        }
    }
}
