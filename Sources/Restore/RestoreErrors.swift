import AWSCore
import AWSServices
import JSON

/// A `--source` that names no backup: a malformed S3 URL or a file that is not there. A
/// mistake in the command, told apart from a backup that is there but unusable.
public struct BackupSourceError: Error, CustomStringConvertible, Sendable {
    public let source: String
    public let reason: String

    public var description: String { "--source \(source): \(reason)" }
}

/// A target pool that cannot take the backup as it is; found before anything is written.
public struct IncompatibleTargetError: Error, CustomStringConvertible, Sendable {
    public let poolID: String
    public let problems: [String]

    public var description: String {
        "pool \(poolID) cannot take this backup, nothing was written: " + problems.joined(separator: "; ")
    }
}

/// A mapping file that belongs to another restore, or cannot be read; a restore refuses to
/// overwrite it rather than lose the record of where that restore went.
public struct MappingFileError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { reason }
}

/// A restore or verify step that failed, naming the step, the pool and AWS's reason.
public struct RestoreFailure: Error, CustomStringConvertible, Sendable {
    /// What was being done, in words: "create app client web".
    public let step: String
    public let poolID: String?
    public let underlying: any Error

    public init(step: String, poolID: String?, underlying: any Error) {
        self.step = step
        self.poolID = poolID
        self.underlying = underlying
    }

    public var awsError: AWSError? { underlying as? AWSError }

    public var description: String {
        "\(step)\(poolID.map { " in \($0)" } ?? "") failed: \(underlying)"
    }
}

extension AWSError {
    /// An answer Cognito should not have given (a create without the id of what it created).
    static func unexpectedAnswer(_ operation: String, _ message: String) -> AWSError {
        AWSError(service: "cognito-idp", operation: operation, httpStatus: nil, code: "InvalidResponse", message: message, requestID: nil)
    }
}

extension CognitoAPI {
    /// `call`, with a failure saying which step of the restore it was.
    func call(_ operation: String, _ input: JSON, step: @autoclosure () -> String, poolID: String?) async throws(RestoreFailure) -> JSON {
        do {
            return try await call(operation, input)
        } catch {
            throw RestoreFailure(step: step(), poolID: poolID, underlying: error)
        }
    }
}
