import AWSCore
import AWSServices
import BackupFunction
import JSON
import Support

/// The policy `status` judges by, and where each part of it came from: a flag given, else the
/// deployed function's environment (`--function`: the selection, table, bucket, RPO and drill age
/// it runs by, so a cron need not repeat them), else the operator's environment, else defaults.
struct StatusPolicy {
    /// The variables the settings are read from: the function's, or the operator's environment.
    let variables: [String: String]
    /// The function's ARN, when its configuration is the policy.
    let functionARN: String?
    let table: String?
    let bucket: String?
    let protection: ProtectionPolicy
    /// For each setting, what set it: a flag (`--max-age`), `function`, `environment`, `default`.
    let origins: [(setting: String, origin: String)]

    /// Reads the function's configuration when one is named (`--function`, else
    /// `BACKUP_FUNCTION_NAME`); `flags` are the options given on the command line.
    static func resolve(function: String?, environment: [String: String], lambda: @autoclosure () -> Lambda,
                        flags: StatusCommand) async throws -> StatusPolicy {
        func setting(_ name: String, in variables: [String: String]) -> String? {
            variables[name].flatMap { $0.trimmingCharacters(in: " \t\r\n").isEmpty ? nil : $0 }
        }
        let named = function ?? environment["BACKUP_FUNCTION_NAME"].flatMap { $0.trimmingCharacters(in: " \t\r\n").isEmpty ? nil : $0 }
        var variables = environment, functionARN: String?
        if let named {
            guard let function = Lambda.FunctionName(named) else {
                throw CLIError(message: "BACKUP_FUNCTION_NAME '\(named)' is not a function's name or ARN", exitCode: CLIError.configuration)
            }
            let configuration = try await readConfiguration(of: function, lambda: lambda())
            variables = configuration.variables
            functionARN = configuration.arn
        }
        let source = functionARN == nil ? "environment" : "function"
        func origin(flag: String, given: Bool, variables names: [String], otherwise: String) -> String {
            given ? flag : names.contains { setting($0, in: variables) != nil } ? source : otherwise
        }
        let table = flags.table ?? (flags.bucket == nil ? setting("BACKUP_TABLE", in: variables) : nil)
        let bucket = flags.bucket ?? setting("BACKUP_BUCKET", in: variables)
        let configured: ProtectionPolicy
        do { configured = try ProtectionPolicy(environment: variables) } catch {
            throw CLIError(message: (functionARN.map { "function \($0): " } ?? "") + error.message, exitCode: CLIError.configuration)
        }
        let protection = ProtectionPolicy(
            rpoSeconds: flags.maxAge.flatMap(ProtectionPolicy.seconds(parsing:)) ?? configured.rpoSeconds,
            drillMaxAgeSeconds: flags.drillMaxAge.flatMap(ProtectionPolicy.seconds(parsing:)) ?? configured.drillMaxAgeSeconds)
        let origins = [
            ("pools", origin(flag: "--pool-id", given: !flags.poolIDs.isEmpty, variables: ["USER_POOL_IDS", "BACKUP_POOL_TAGS"],
                             otherwise: "backups")),
            ("table", table == nil ? "none" : origin(flag: "--table", given: flags.table != nil, variables: ["BACKUP_TABLE"], otherwise: "none")),
            ("bucket", bucket == nil ? "none" : origin(flag: "--bucket", given: flags.bucket != nil, variables: ["BACKUP_BUCKET"], otherwise: "none")),
            ("rpo_seconds", origin(flag: "--max-age", given: flags.maxAge != nil, variables: ["BACKUP_RPO_MINUTES", "BACKUP_SCHEDULE"],
                                   otherwise: "default")),
            // A function without a drill age has drills off (EnableDrills): that is its policy, not a default.
            ("drill_max_age_seconds", origin(flag: "--drill-max-age", given: flags.drillMaxAge != nil, variables: ["BACKUP_DRILL_MAX_AGE_DAYS"],
                                             otherwise: functionARN == nil ? "default" : "function")),
        ]
        return StatusPolicy(variables: variables, functionARN: functionARN, table: table, bucket: bucket, protection: protection,
                            origins: origins.map { (setting: $0.0, origin: $0.1) })
    }

    /// The function's configuration, or why not in the terms a person acts on: a function that
    /// is not there is a configuration error (exit 2), a refusal names the action to grant (3).
    private static func readConfiguration(of function: Lambda.FunctionName, lambda: Lambda) async throws -> Lambda.FunctionConfiguration {
        do {
            return try await lambda.functionConfiguration(function)
        } catch let error as AWSError where error.httpStatus == 404 || error.code == "ResourceNotFoundException" {
            throw CLIError(message: "no function \(function) (\(error.code): \(error.message)): name the deployed backup function, "
                + "the stack's FunctionArn output", exitCode: CLIError.configuration)
        } catch let error as AWSError where error.httpStatus == 403 {
            throw CLIError(message: "cannot read the configuration of function \(function) (\(error.code): \(error.message)): "
                + "the identity needs lambda:GetFunctionConfiguration on it", exitCode: CLIError.aws)
        } catch let error as Lambda.WrongAccount {
            throw CLIError(message: error.description, exitCode: CLIError.configuration)
        }
    }

    func origin(of setting: String) -> String { origins.first { $0.setting == setting }?.origin ?? "default" }

    var json: JSON {
        .object([("function", functionARN.map(JSON.string) ?? .null)] + origins.map { ($0.setting, JSON.string($0.origin)) })
    }

    /// Which pools are judged, in words.
    var pools: String {
        switch origin(of: "pools") {
        case "--pool-id": "those named"
        case "function": "the function's selection"
        case "environment": "the environment's selection"
        default: "every pool with backups"
        }
    }

    var text: String {
        let from = functionARN.map { "the configuration of function \($0)" } ?? "the environment"
        let flags = origins.map(\.origin).filter { $0.hasPrefix("--") }
        return "policy from \(from)" + (flags.isEmpty ? "" : "; given on the command line: " + flags.joined(separator: ", "))
    }
}
