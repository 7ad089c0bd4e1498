import ArgumentParser
import AWSServices
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

            Exit status: 0 identical, 1 different, 2 usage or configuration, 3 AWS.

            Examples:
              cognito-backup diff s3://my-backups/cognito-backup/2026/12/06/us-east-1_Abc-020000.json pool:us-east-1_Abc
              cognito-backup diff monday.json tuesday.json --summary
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

    @Flag(help: "Print the changes as JSON: {identical, changes: [...], summary} (docs/format.md).")
    var json = false

    @Flag(help: "Print only the counts per kind.")
    var summary = false

    @OptionGroup var aws: AWSOptions

    func run() async throws {
        try await reportingFailure {
            let comparison = PoolComparison(old: try await side(old, versionID: oldVersionID), new: try await side(new, versionID: newVersionID))
            let output = DiffOutput(json: json, countsOnly: summary)
            let summary = try await comparison.run(output.print)
            output.finish(summary)
            if !summary.identical { throw ExitCode(CLIError.failed) }
        }
    }

    private func side(_ text: String, versionID: String?) async throws -> ComparedSide {
        if text.hasPrefix("pool:") {
            guard versionID == nil else { throw CLIError(message: "a version id is for a backup in S3, not \(text)", exitCode: CLIError.configuration) }
            let client = try aws.client()
            let cognito = Cognito(aws: client, quotas: try CognitoQuotas(environment: client.configuration.environment))
            return .pool(id: String(text.dropFirst("pool:".count)), cognito: cognito)
        }
        let location = try BackupSource(text)
        return .backup(try await location.backup(s3: S3(aws: try aws.client()), versionID: versionID, warn: warn))
    }
}

/// Prints changes as they come: one line each for people, one array element each for `--json`,
/// nothing but the counts for `--summary`.
final class DiffOutput {
    let json: Bool
    let countsOnly: Bool
    private var printed = 0

    init(json: Bool, countsOnly: Bool) {
        self.json = json
        self.countsOnly = countsOnly
    }

    func print(_ change: Change) {
        guard !countsOnly else { return }
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
        }
    }
}
