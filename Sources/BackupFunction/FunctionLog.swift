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
        metrics(poolID: poolID, [
            ("BackupSucceeded", "Count", succeeded ? 1 : 0), ("BackupFailed", "Count", succeeded ? 0 : 1),
            ("BackupDuration", "Milliseconds", durationMilliseconds), ("UsersBackedUp", "Count", users), ("BackupBytes", "Bytes", bytes),
        ])
    }

    /// An Embedded Metric Format record of `values` for one pool, in both dimension sets.
    func metrics(poolID: String, _ values: [(name: String, unit: String, value: Int)]) {
        var record: JSONObject = [
            "_aws": [
                "Timestamp": .number(Int(UTCTime.now().millisecondsSinceEpoch)),
                "CloudWatchMetrics": [[
                    "Namespace": .string(Self.namespace),
                    "Dimensions": [["UserPoolId"], []],
                    "Metrics": .array(values.map { ["Name": .string($0.name), "Unit": .string($0.unit)] }),
                ]],
            ],
            "UserPoolId": .string(poolID),
        ]
        for (name, _, value) in values { record[name] = .number(value) }
        write(JSON.object(record).serialized)
    }
}
