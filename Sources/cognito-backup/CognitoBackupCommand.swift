import ArgumentParser
import BackupFunction
import Support
#if canImport(Glibc)
import Glibc
#endif

@main
struct CognitoBackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cognito-backup",
        abstract: "Back up and restore Amazon Cognito user pools.",
        discussion: """
            Run with no subcommand and AWS_LAMBDA_RUNTIME_API set, it is a Lambda function (the \
            provided.al2023 bootstrap) backing up the pools in USER_POOL_IDS.

            Exit codes: 0 success; 1 a backup, restore or check failed, or `status` found a pool out of policy; 2 bad configuration \
            (missing settings or credentials, a bucket or --source that does not exist); 3 AWS \
            refused or could not be reached; 64 a malformed command line; 130 or 143 a backup \
            stopped by SIGINT or SIGTERM (its upload aborted; a second signal exits at once).
            """,
        subcommands: [BackupCommand.self, ListCommand.self, RestoreCommand.self, VerifyCommand.self, DiffCommand.self, DrillCommand.self,
                      StatusCommand.self, HoldCommand.self]
    )

    static func main() async {
        let environment = ProcessEnvironment.current
        if CommandLine.arguments.count == 1, let runtimeAPI = environment["AWS_LAMBDA_RUNTIME_API"], !runtimeAPI.isEmpty {
            // Lambda sends SIGTERM at shutdown: the backup in flight is stopped and its upload aborted.
            let (status, signal) = await TerminationSignals.cancelling { await LambdaFunction.run(runtimeAPI: runtimeAPI, environment: environment) }
            Glibc.exit(signal.map { 128 + $0 } ?? status)
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
