import AWSClient
import JSON
import Synchronization

/// Where backups go: the bucket for objects and the table that catalogues them.
public struct BackupDestination: Sendable {
    public let s3: S3
    public let bucket: String
    public let catalog: BackupCatalog
    public let encryption: ServerSideEncryption
    public let compression: BackupCompression

    public init(s3: S3, bucket: String, catalog: BackupCatalog, encryption: ServerSideEncryption,
                compression: BackupCompression = .none) {
        self.s3 = s3
        self.bucket = bucket
        self.catalog = catalog
        self.encryption = encryption
        self.compression = compression
    }
}

/// How far a running backup has got, for progress bars and logs.
public struct BackupProgress: Sendable {
    public let poolID: String
    public let usersRead: Int
    /// DescribeUserPool's estimate; Cognito updates it lazily.
    public let estimatedUsers: Int?
}

/// A pool's backup that did not complete; nothing was left in the bucket or the table, unless
/// `description` says where.
public struct BackupFailure: Error, CustomStringConvertible, Sendable {
    public let poolID: String
    public let underlying: any Error

    /// The AWS error code behind the failure, when AWS refused something.
    public var awsCode: String? {
        (underlying as? AWSError)?.code ?? ((underlying as? CatalogWriteFailed)?.underlying as? AWSError)?.code
    }
    public var description: String { "backup of \(poolID) failed: \(underlying)" }
}

/// The object was complete but its row could not be written.
public struct CatalogWriteFailed: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let underlying: any Error
    /// Set when removing the object failed too: it stays, with its manifest, for the next backup
    /// of the pool to catalogue.
    public let objectLeft: Bool

    public var description: String {
        objectLeft
            ? "the metadata row could not be written (\(underlying)), nor the object removed; it stays at \(key) with its manifest, and the pool's next backup catalogues it"
            : "the metadata row could not be written (\(underlying)); the object was removed"
    }
}

/// pool → snapshot → object + manifest + metadata. The object is streamed to S3 while the pool is
/// read, under a key no other backup holds; once it is complete its manifest is written beside it,
/// and only then the metadata row. On any failure the upload is aborted, and an object whose row
/// cannot be written is removed, so a backup either exists whole, catalogued, or not at all.
public struct BackupJob: Sendable {
    public let cognito: any CognitoAPI
    public let destination: BackupDestination
    /// Fetches the UI customization's logos into the backup (see `PoolReader.logos`).
    public let logos: LogoDownload?
    /// Whether each user's MFA preferences are read (see `UserMFAReading`).
    public let userMFA: UserMFAReading
    /// How many keys a backup tries when others' objects hold the first ones.
    static let keyAttempts = 3

    public init(cognito: any CognitoAPI, destination: BackupDestination, logos: LogoDownload? = nil, userMFA: UserMFAReading = .auto) {
        self.cognito = cognito
        self.destination = destination
        self.logos = logos
        self.userMFA = userMFA
    }

    /// `requestID` is the Lambda invocation's, recorded in the row so a redelivered event can find it.
    public func run(poolID: String, requestID: String? = nil,
                    progress: (@Sendable (BackupProgress) -> Void)? = nil) async throws(BackupFailure) -> BackupRecord {
        do {
            try await catalogueStrayObjects(poolID: poolID)
            let started = UTCTime.now()
            for attempt in 1...Self.keyAttempts {
                let key = BackupFormat.objectKey(poolID: poolID, startedAt: started, attempt: attempt,
                                                 compression: destination.compression)
                if try await destination.s3.exists(bucket: destination.bucket, key: key) { continue }
                do {
                    // The row's date is its key in the table: backups started in the same
                    // millisecond take different keys, so each key taken moves the date on by one.
                    return try await backUp(poolID: poolID, key: key, started: started.adding(milliseconds: Int64(attempt - 1)),
                                            requestID: requestID, progress: progress)
                } catch is ObjectKeyTaken {
                    continue
                }
            }
            throw ObjectKeyTaken(key: BackupFormat.objectKey(poolID: poolID, startedAt: started, attempt: Self.keyAttempts,
                                                             compression: destination.compression))
        } catch {
            throw BackupFailure(poolID: poolID, underlying: error)
        }
    }

    private func backUp(poolID: String, key: String, started: UTCTime, requestID: String?,
                        progress: (@Sendable (BackupProgress) -> Void)?) async throws -> BackupRecord {
        let identity = UploadIdentity(backupID: Self.newBackupID(), poolID: poolID, started: started.iso8601)
        let upload = S3ObjectUpload(s3: destination.s3, bucket: destination.bucket, key: key, identity: identity,
                                    encryption: destination.encryption, contentType: destination.compression.contentType)
        let writer = SnapshotWriter(sink: upload, compression: destination.compression)
        let snapshot: Snapshot
        let stored: SnapshotWriter.Result
        do {
            snapshot = try await write(poolID: poolID, startedAt: started, into: writer, progress: progress)
            stored = try await writer.finish()
        } catch {
            await writer.abort()
            throw error
        }
        let record = BackupRecord(
            userPoolID: poolID, backupDate: started.iso8601, bucket: destination.bucket, s3Key: key,
            userCount: snapshot.users, groupCount: snapshot.configuration.groups.count, membershipCount: snapshot.memberships,
            appClientCount: snapshot.configuration.count("app_clients"),
            identityProviderCount: snapshot.configuration.count("identity_providers"),
            resourceServerCount: snapshot.configuration.count("resource_servers"),
            sizeBytes: stored.size, sha256: stored.sha256, s3VersionID: stored.versionID,
            durationMilliseconds: Int(UTCTime.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch),
            formatVersion: BackupFormat.version, warningCount: snapshot.warnings, requestID: requestID)
        try await publish(record, identity: identity)
        return record
    }

    /// Writes the manifest, then the row; undoes the object if either cannot be written.
    private func publish(_ record: BackupRecord, identity: UploadIdentity) async throws {
        let s3 = destination.s3, bucket = destination.bucket
        let manifestKey = BackupFormat.manifestKey(objectKey: record.s3Key)
        do {
            let manifest = S3ObjectUpload(s3: s3, bucket: bucket, key: manifestKey, identity: identity, encryption: destination.encryption)
            try await manifest.write(record.json.serializedBytes)
            _ = try await manifest.finish()
            try await destination.catalog.record(record)
        } catch {
            // Outside this task: removal matters most when the task was cancelled.
            let removed = await Task {
                do {
                    try await s3.deleteObject(bucket: bucket, key: manifestKey)
                    try await s3.deleteObject(bucket: bucket, key: record.s3Key)
                    return true
                } catch {
                    return false
                }
            }.value
            throw CatalogWriteFailed(key: record.s3Key, underlying: error, objectLeft: !removed)
        }
    }

    /// Catalogues the pool's objects of today and yesterday that have a manifest but no row: a
    /// process stopped between the two writes left them. Rows are never replaced. Only manifests
    /// of backups started no earlier than the newest row's second, other than that row's own, are
    /// read: the others are older than a catalogued one, so a normal run reads none.
    func catalogueStrayObjects(poolID: String) async throws {
        let newestRow = try await destination.catalog.backups(of: poolID, limit: 1).first
        let newest = newestRow?.backupDate ?? ""
        let today = UTCTime.now()
        for day in [today.adding(milliseconds: -86_400_000), today] {
            let prefix = BackupFormat.keyPrefix(poolID: poolID, day: day)
            for key in try await destination.s3.allKeys(bucket: destination.bucket, prefix: prefix)
            where key.hasSuffix(BackupFormat.manifestSuffix) {
                guard let backup = BackupKey(String(key.dropLast(BackupFormat.manifestSuffix.count))),
                      backup.startedAt.prefix(19) >= newest.prefix(19), backup.key != newestRow?.s3Key else { continue }
                let record = BackupRecord(plain: try JSON(parsing: try await destination.s3.getObject(bucket: destination.bucket, key: key)))
                guard record.backupDate > newest, record.userPoolID == poolID else { continue }
                try await destination.catalog.record(record)
            }
        }
    }

    static func newBackupID() -> String {
        (0..<2).map { _ in String(UInt64.random(in: .min ... .max), radix: 16) }.joined(separator: "-")
    }

    struct Snapshot {
        let configuration: PoolReader.Configuration
        let users: Int
        let memberships: Int
        let warnings: Int
    }

    /// The object's members, in order: identity and configuration first, then users and group
    /// memberships (the large parts, streamed), then what changed or was missing while the pool
    /// was read, and the read's time window.
    ///
    /// Users are read before memberships, so a user who joined the pool and a group in between is
    /// met only in the memberships: such users are kept, whole, in `users_found_in_groups`, and
    /// every username in `group_memberships` is then a user of the backup. Only users created
    /// shortly before or during the backup can be such users (`RecentUsers`).
    func write(poolID: String, startedAt: UTCTime, into writer: SnapshotWriter,
               progress: (@Sendable (BackupProgress) -> Void)?) async throws -> Snapshot {
        let reader = PoolReader(cognito: cognito, poolID: poolID, logos: logos)
        let configuration = try await reader.readConfiguration()
        try await writer.member("format_version", .number(BackupFormat.version))
        try await writer.member("timestamp", .string(startedAt.iso8601))
        try await writer.member("user_pool_id", .string(poolID))
        for member in configuration.members { try await writer.member(member.key, member.value) }
        try await writer.member("groups", .array(configuration.groups))

        let users = Counter()
        let recentUsers = Mutex(RecentUsers(backupStarted: startedAt))
        let cutoff = recentUsers.withLock { $0.cutoff }
        let readMFA = userMFA.applies(to: configuration.members.first { $0.key == "mfa_config" }?.value ?? .null)
        await writer.beginArray("users")
        try await reader.forEachUserPage { page in
            // A cancelled job (deadline, shutdown) stops between pages; `run` then aborts the upload.
            try Task.checkCancellation()
            let recent: [String]
            if readMFA {
                // Preferences are added to each user, so these users are built and written anew;
                // the AdminGetUser calls, not this, set the pace.
                let described = try await reader.withMFAPreferences(page.values)
                try await writer.elements(described)
                recent = described.filter { (RecentUsers.seconds($0["UserCreateDate"]) ?? .infinity) >= cutoff }
                    .map { $0["Username"]?.string ?? "" }
            } else {
                try await writer.elements(raw: page.users)
                recent = page.usernames(createdSince: cutoff)
            }
            if !recent.isEmpty { recentUsers.withLock { set in for name in recent { set.insert(name) } } }
            let total = users.add(page.users.count)
            progress?(BackupProgress(poolID: poolID, usersRead: total, estimatedUsers: configuration.estimatedUsers))
        }
        await writer.end()

        let lateUsers = Mutex<[String: JSON]>([:])
        let deletedGroups = Mutex<[String]>([])
        await writer.beginObject("group_memberships")
        let section = GroupMembershipSection(writer: writer)
        try await reader.forEachGroupMembershipPage(configuration.groups.compactMap { $0["GroupName"]?.string }, page: { group, members in
            try Task.checkCancellation()
            let names = members.compactMap { $0["Username"]?.string }
            let missing = recentUsers.withLock { recent in members.filter(recent.lacks) }
            if !missing.isEmpty { lateUsers.withLock { for user in missing { $0[user["Username"]?.string ?? ""] = user } } }
            try await section.page(group, names)
        }, finished: { group, deleted in
            if deleted { deletedGroups.withLock { $0.append(group) } }
            try await section.finish(group)
        })
        try await section.close()
        await writer.end()

        let found = lateUsers.withLock { $0 }.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map(\.value)
        try await writer.member("users_found_in_groups", .array(found))
        let warnings = configuration.warnings + deletedGroups.withLock { $0 }.sorted().map {
            BackupWarning(component: "group_memberships.\($0)", reason: "the group was deleted while the backup read it")
        }
        try await writer.member("warnings", .array(warnings.map(\.json)))
        try await writer.member("read_window", ["started": .string(startedAt.iso8601), "finished": .string(UTCTime.now().iso8601)])
        return Snapshot(configuration: configuration, users: users.value + found.count, memberships: await section.memberships,
                        warnings: warnings.count)
    }
}
