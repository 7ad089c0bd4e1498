import AWSCore
import ArgumentParser
import Backup
import Restore
import Support
#if canImport(Glibc)
import Glibc
#endif

/// A failure told to a person in one line, with the exit code the help text documents.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32

    var description: String { message }

    static let failed: Int32 = 1
    static let configuration: Int32 = 2
    static let aws: Int32 = 3

    /// Sorts any error into the documented exit codes.
    init(_ error: any Error) {
        switch error {
        case let error as CLIError: self = error
        case let error as AWSError where error.code == "MissingCredentials": self.init(message: error.message, exitCode: Self.configuration)
        case let error as AWSError: self.init(message: error.description + IAMAction.hint(for: error), exitCode: Self.aws)
        case let error as CredentialError: self.init(message: error.message, exitCode: Self.configuration)
        case let error as ConfigurationError: self.init(message: error.message, exitCode: Self.configuration)
        case let error as BackupSourceError: self.init(message: error.description, exitCode: Self.configuration)
        case let error as RestoreSelectionError: self.init(message: error.description, exitCode: Self.configuration)
        case let error as BackupFailure where error.underlying is AWSError: self.init(message: error.description, exitCode: Self.aws)
        case let error as RestoreFailure where error.awsError != nil: self.init(message: error.description, exitCode: Self.aws)
        default: self.init(message: "\(error)", exitCode: Self.failed)
        }
    }

    init(message: String, exitCode: Int32) {
        self.message = message
        self.exitCode = exitCode
    }
}

/// A warning a person should see, on stderr beside the progress.
func warn(_ message: String) {
    StandardStream.error.write("cognito-backup: warning: \(message)\n")
}

/// Runs a command body, turning its failure into one line on stderr and the right exit code.
func reportingFailure(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        let failure = CLIError(error)
        StandardStream.error.write("cognito-backup: \(failure.message)\n")
        throw ExitCode(failure.exitCode)
    }
}
