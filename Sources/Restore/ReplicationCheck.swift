import AWSCore
import AWSServices
import Backup
import JSON

/// "Cross-region replication active": when the backup's bucket replicates it, S3 says the copy
/// is made, and each destination holds an object of the same size whose manifest carries the
/// same SHA-256. A copy nobody checked is a copy nobody can count on in a region outage.
public struct ReplicationCheck: Sendable {
    public static let name = "cross-region replication"

    let s3: S3

    public init(s3: S3) { self.s3 = s3 }

    /// The check for the backup at `key` in `bucket`; nil when no replication rule covers it.
    /// Throws only when the bucket's replication configuration cannot be read (an identity that
    /// may only read backups, as in the DR runbook): then nothing is known either way.
    public func check(bucket: String, key: String) async throws(AWSError) -> VerifyCheck? {
        guard let configured = try await s3.replicationRules(bucket: bucket) else { return nil }
        let rules = configured.filter { key.hasPrefix($0.prefix) }
        guard !rules.isEmpty else { return nil }
        var differences: [String] = []
        let source: (size: Int, status: String?)
        let manifest: BackupRecord
        do {
            source = try await s3.replicationState(bucket: bucket, key: key)
            manifest = try await manifestRecord(bucket: bucket, key: key)
        } catch {
            return VerifyCheck(name: Self.name, detail: "bucket \(bucket)", differences: ["cannot read the backup or its manifest: \(error)"])
        }
        if let problem = Self.problem(withStatus: source.status) { differences.append(problem) }
        for rule in rules {
            differences += await replicaDifferences(in: rule.destinationBucket, key: key, size: source.size, sha256: manifest.sha256)
        }
        let destinations = rules.map(\.destinationBucket).joined(separator: ", ")
        return VerifyCheck(name: Self.name, detail: "\(source.status ?? "no status") → \(destinations)", differences: differences)
    }

    /// What an object's `x-amz-replication-status` says is wrong; nil when it is COMPLETED, or
    /// absent (S3 left it unset, as emulators do: the replica itself then decides).
    static func problem(withStatus status: String?) -> String? {
        switch status {
        case nil, "COMPLETED": return nil
        case "PENDING": return "S3 has not finished replicating the backup (PENDING): it has no copy yet"
        case "FAILED": return "S3 failed to replicate the backup (FAILED): check the replication role and the destination's policy"
        case "REPLICA": return "the backup is itself a replica (REPLICA): verify it from the bucket it was written to"
        case let other?: return "unexpected replication status \(other)"
        }
    }

    private func replicaDifferences(in destination: String, key: String, size: Int, sha256: String) async -> [String] {
        do {
            let replica = try await s3.replicationState(bucket: destination, key: key)
            var differences: [String] = []
            if replica.size != size { differences.append("\(destination)/\(key): \(replica.size) bytes, the backup \(size)") }
            let replicaSHA256 = try await manifestRecord(bucket: destination, key: key).sha256
            if replicaSHA256 != sha256 {
                differences.append("\(destination)/\(key): its manifest says SHA-256 \(replicaSHA256), the backup's \(sha256)")
            }
            return differences
        } catch where error.httpStatus == 404 {
            return ["\(destination)/\(key): no replica (or no manifest beside it)"]
        } catch {
            return ["\(destination)/\(key): cannot read the replica: \(error)"]
        }
    }

    private func manifestRecord(bucket: String, key: String) async throws(AWSError) -> BackupRecord {
        let bytes = try await s3.getObject(bucket: bucket, key: BackupFormat.manifestKey(objectKey: key))
        do { return BackupRecord(plain: try JSON(parsing: bytes)) } catch {
            throw AWSError(service: "s3", operation: "GetObject", httpStatus: nil, code: "InvalidManifest",
                           message: "the manifest beside \(key) in \(bucket) is not JSON: \(error)", requestID: nil)
        }
    }
}
