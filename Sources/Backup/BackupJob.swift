import AWSClient
import JSON
import Synchronization

/// Where backups go: the bucket for objects and the table that catalogues them.
public struct BackupDestination: Sendable {
    public let s3: S3
    public let bucket: String
    public let catalog: BackupCatalog
    public let encryption: ServerSideEncryption

    public init(s3: S3, bucket: String, catalog: BackupCatalog, encryption: ServerSideEncryption) {
        self.s3 = s3
        self.bucket = bucket
        self.catalog = catalog
        self.encryption = encryption
    }
}

/// How far a running backup has got, for progress bars and logs.
public struct BackupProgress: Sendable {
    public let poolID: String
    public let usersRead: Int
    /// DescribeUserPool's estimate; Cognito updates it lazily.
    public let estimatedUsers: Int?
}

/// A pool's backup that did not complete; nothing was left in the bucket or the table.
public struct BackupFailure: Error, CustomStringConvertible, Sendable {
    public let poolID: String
    public let underlying: any Error

    /// The AWS error code behind the failure, when AWS refused something.
    public var awsCode: String? { (underlying as? AWSError)?.code }
    public var description: String { "backup of \(poolID) failed: \(underlying)" }
}

/// pool → snapshot → object + metadata. The object is streamed to S3 while the pool is read;
/// only once it is complete is the metadata row written, and on any failure the partial upload
/// is aborted, so a backup either exists whole or not at all.
public struct BackupJob: Sendable {
    public let cognito: any CognitoAPI
    public let destination: BackupDestination

    public init(cognito: any CognitoAPI, destination: BackupDestination) {
        self.cognito = cognito
        self.destination = destination
    }

    /// `requestID` is the Lambda invocation's, recorded in the row so a redelivered event can find it.
    public func run(poolID: String, requestID: String? = nil,
                    progress: (@Sendable (BackupProgress) -> Void)? = nil) async throws(BackupFailure) -> BackupRecord {
        let started = UTCTime.now()
        let key = BackupFormat.objectKey(poolID: poolID, startedAt: started)
        let upload = S3ObjectUpload(s3: destination.s3, bucket: destination.bucket, key: key, encryption: destination.encryption)
        let writer = SnapshotWriter(sink: upload)
        do {
            let snapshot = try await write(poolID: poolID, startedAt: started, into: writer, progress: progress)
            let stored = try await writer.finish()
            let record = BackupRecord(
                userPoolID: poolID, backupDate: started.iso8601, bucket: destination.bucket, s3Key: key,
                userCount: snapshot.users, groupCount: snapshot.configuration.groups.count, membershipCount: snapshot.memberships,
                appClientCount: snapshot.configuration.count("app_clients"),
                identityProviderCount: snapshot.configuration.count("identity_providers"),
                resourceServerCount: snapshot.configuration.count("resource_servers"),
                sizeBytes: stored.size, sha256: stored.sha256, s3VersionID: stored.versionID,
                durationMilliseconds: Int(UTCTime.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch),
                formatVersion: BackupFormat.version, warningCount: snapshot.configuration.warnings.count, requestID: requestID)
            try await destination.catalog.record(record)
            return record
        } catch {
            await writer.abort()
            throw BackupFailure(poolID: poolID, underlying: error)
        }
    }

    struct Snapshot {
        let configuration: PoolReader.Configuration
        let users: Int
        let memberships: Int
    }

    /// The object's members, in order: identity and configuration first, then users and group
    /// memberships (the large parts, streamed), then what the backup noticed on the way.
    func write(poolID: String, startedAt: UTCTime, into writer: SnapshotWriter,
               progress: (@Sendable (BackupProgress) -> Void)?) async throws -> Snapshot {
        let reader = PoolReader(cognito: cognito, poolID: poolID)
        let configuration = try await reader.readConfiguration()
        try await writer.member("format_version", .number(BackupFormat.version))
        try await writer.member("timestamp", .string(startedAt.iso8601))
        try await writer.member("user_pool_id", .string(poolID))
        for member in configuration.members { try await writer.member(member.key, member.value) }
        try await writer.member("groups", .array(configuration.groups))

        let users = Counter()
        await writer.beginArray("users")
        try await reader.forEachUserPage { page in
            // A cancelled job (deadline, shutdown) stops between pages; `run` then aborts the upload.
            try Task.checkCancellation()
            try await writer.elements(page)
            let total = users.add(page.count)
            progress?(BackupProgress(poolID: poolID, usersRead: total, estimatedUsers: configuration.estimatedUsers))
        }
        await writer.end()

        let memberships = Counter()
        await writer.beginObject("group_memberships")
        try await reader.forEachGroupMembership(configuration.groups.compactMap { $0["GroupName"]?.string }) { group, usernames in
            try Task.checkCancellation()
            try await writer.member(group, .array(usernames.map(JSON.string)))
            _ = memberships.add(usernames.count)
        }
        await writer.end()

        try await writer.member("warnings", .array(configuration.warnings.map(\.json)))
        return Snapshot(configuration: configuration, users: users.value, memberships: memberships.value)
    }
}

final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func add(_ n: Int) -> Int { count.add(n, ordering: .relaxed).newValue }
    var value: Int { count.load(ordering: .relaxed) }
}
