import AWSClient
import Backup
import JSON
#if canImport(Glibc)
import Glibc
#endif

/// Lambda's JSON log format on stdout, one object a line, and CloudWatch Embedded Metric Format
/// records that CloudWatch turns into metrics without an API call. Nothing secret is ever logged:
/// only pool ids, keys, counts and error descriptions (which carry no credentials).
public struct FunctionLog: Sendable {
    let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void = { line in
        StandardStream.output.write(line + "\n")
    }) {
        self.write = write
    }

    public func info(_ message: String, requestID: String? = nil, _ fields: [(String, JSON)] = []) {
        entry("INFO", message, requestID: requestID, fields)
    }

    public func error(_ message: String, requestID: String? = nil, _ fields: [(String, JSON)] = []) {
        entry("ERROR", message, requestID: requestID, fields)
    }

    private func entry(_ level: String, _ message: String, requestID: String?, _ fields: [(String, JSON)]) {
        var line: JSONObject = ["timestamp": .string(UTCTime.now().iso8601), "level": .string(level), "message": .string(message)]
        if let requestID { line["requestId"] = .string(requestID) }
        for (key, value) in fields { line[key] = value }
        write(JSON.object(line).serialized)
    }

    static let namespace = "CognitoBackup"

    /// One metrics record per pool: with the pool as dimension, and without, so an alarm can
    /// watch every pool at once.
    public func metrics(poolID: String, succeeded: Bool, durationMilliseconds: Int, users: Int, bytes: Int) {
        let metrics: [(String, String)] = [
            ("BackupSucceeded", "Count"), ("BackupFailed", "Count"), ("BackupDuration", "Milliseconds"),
            ("UsersBackedUp", "Count"), ("BackupBytes", "Bytes"),
        ]
        let record: JSON = [
            "_aws": [
                "Timestamp": .number(Int(UTCTime.now().millisecondsSinceEpoch)),
                "CloudWatchMetrics": [[
                    "Namespace": .string(Self.namespace),
                    "Dimensions": [["UserPoolId"], []],
                    "Metrics": .array(metrics.map { ["Name": .string($0.0), "Unit": .string($0.1)] }),
                ]],
            ],
            "UserPoolId": .string(poolID),
            "BackupSucceeded": .number(succeeded ? 1 : 0),
            "BackupFailed": .number(succeeded ? 0 : 1),
            "BackupDuration": .number(durationMilliseconds),
            "UsersBackedUp": .number(users),
            "BackupBytes": .number(bytes),
        ]
        write(record.serialized)
    }
}
