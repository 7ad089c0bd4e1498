import AWSCore
import AWSServices
import Backup
import BackupFunction
import JSON
import Restore
import Support

/// Reads, for each pool, what `status` reports: its backups from the table (or, without one, from
/// the bucket's manifests), its newest drill and lease from the table, and from S3 the newest
/// object's replication, the legal holds, open uploads and manifests no row catalogues.
struct ProtectionSurvey: Sendable {
    let s3: S3
    /// nil: the bucket alone (a DR region), which knows nothing of drills and leases.
    let table: String?
    let dynamodb: DynamoDB
    /// The bucket named on the command line or in BACKUP_BUCKET; with a table, the buckets the
    /// newest rows name are looked at too.
    let bucket: String?
    /// Each tier's days (`BACKUP_TIER_RETENTION_DAYS`), for rows written without an expiry.
    var retention: TierRetention? = nil
    var now = UTCTime.now()

    static let prefix = "cognito-backup/"

    func statuses(of poolIDs: [String]) async throws -> [PoolStatus] {
        var statuses = try await backups(of: poolIDs)
        let buckets = Set([bucket].compactMap { $0 } + statuses.compactMap { $0.newest?.bucket }).sorted()
        for bucket in buckets {
            try await surveyBucket(bucket, into: &statuses)
        }
        return try await concurrentMap(statuses, limit: 4) { status in try await self.completed(status) }
    }

    /// Each pool's backups, newest first.
    private func backups(of poolIDs: [String]) async throws -> [PoolStatus] {
        if let table {
            let catalog = BackupCatalog(dynamodb: dynamodb, table: table)
            return try await concurrentMap(poolIDs, limit: 4) { poolID in
                // Expired rows wait up to two days for DynamoDB's TTL: their objects are gone, or go today.
                let rows = try await catalog.backups(of: poolID)
                var status = PoolStatus(poolID: poolID, backups: rows.filter { !$0.hasExpired(at: now, retention: retention) }.map(PoolStatus.Backup.init))
                status.expiredKeys = rows.filter { $0.hasExpired(at: now, retention: retention) }.map(\.s3Key)
                return status
            }
        }
        guard let bucket else { return poolIDs.map { PoolStatus(poolID: $0) } }
        let listed = try await BackupListing(s3: s3, bucket: bucket).backups()
        let byPool = Dictionary(grouping: listed, by: \.key.poolID)
        return poolIDs.map { poolID in
            var status = PoolStatus(poolID: poolID, backups: (byPool[poolID] ?? []).map(PoolStatus.Backup.init))
            status.problems += (byPool[poolID] ?? []).compactMap(\.problem)
            return status
        }
    }

    /// What one listing of the bucket says of every pool: its open uploads and, with a table,
    /// the manifests beside objects no row catalogues (a process stopped between the two writes).
    private func surveyBucket(_ bucket: String, into statuses: inout [PoolStatus]) async throws {
        func pool(of key: String) -> String? {
            BackupKey(key.hasSuffix(BackupFormat.manifestSuffix) ? String(key.dropLast(BackupFormat.manifestSuffix.count)) : key)?.poolID
        }
        do {
            let poolIDs = Set(statuses.map(\.poolID))
            let uploads = try await s3.openUploads(bucket: bucket, prefix: Self.prefix).filter { pool(of: $0.key).map(poolIDs.contains) ?? false }
            let described = try await concurrentMap(uploads, limit: 4) { [s3] upload in
                PoolStatus.OpenUpload(upload: upload, removal: await UploadLeftOpen.Removal.lookingUp(s3: s3, bucket: bucket, key: upload.key))
            }
            for index in statuses.indices {
                statuses[index].openUploads += described.filter { pool(of: $0.upload.key) == statuses[index].poolID }
            }
        } catch {
            for index in statuses.indices {
                statuses[index].problems.append("cannot list the open uploads of \(bucket): \(error)\(IAMAction.hint(for: error))")
            }
        }
        guard table != nil else { return }
        let manifests = try await s3.allKeys(bucket: bucket, prefix: Self.prefix).filter { $0.hasSuffix(BackupFormat.manifestSuffix) }
        for index in statuses.indices {
            let catalogued = Set(statuses[index].backups.filter { $0.bucket == bucket }.map(\.key) + statuses[index].expiredKeys)
            statuses[index].uncataloguedManifests += manifests.filter {
                pool(of: $0) == statuses[index].poolID && !catalogued.contains(String($0.dropLast(BackupFormat.manifestSuffix.count)))
            }
        }
    }

    /// The pool's drill, lease, replication and holds; what cannot be read is a problem, shown.
    private func completed(_ status: PoolStatus) async throws -> PoolStatus {
        var status = status
        if let table {
            do {
                status.drill = try await DrillRecords(dynamodb: dynamodb, table: table).newest(of: status.poolID)
            } catch {
                status.drillUnknown = "cannot read the drill record: \(error)\(IAMAction.hint(for: error))"
            }
            do {
                status.lease = try await PoolLeases(dynamodb: dynamodb, table: table).holder(of: status.poolID)
            } catch {
                status.problems.append("cannot read the lease, whether a backup runs now: \(error)\(IAMAction.hint(for: error))")
            }
        } else {
            status.drillUnknown = "drills are recorded in the table; pass --table to see them"
        }
        guard let newest = status.newest else { return status }
        do {
            let state = try await s3.replicationState(bucket: newest.bucket, key: newest.key)
            var replication = PoolStatus.Replication(status: state.status)
            // The object's own status decides replication-failed; the replica check needs the bucket's rules as well.
            do { replication.replica = try await ReplicationCheck(s3: s3).check(bucket: newest.bucket, key: newest.key) } catch {
                replication.replicaUnknown = "cannot read the replication configuration of \(newest.bucket): \(error)\(IAMAction.hint(for: error))"
            }
            status.replication = replication
        } catch {
            status.problems.append("cannot read the replication of s3://\(newest.bucket)/\(newest.key): \(error)\(IAMAction.hint(for: error))")
        }
        do {
            var refused: [String] = []
            let states = try await LegalHolds(s3: s3).states(status.backups.map(\.holdObject)) { refused.append($0) }
            status.holdsKnown = states.contains { $0 != nil }
            status.held = zip(status.backups, states).filter { $0.1 == true }.map(\.0)
            status.problems += refused + zip(status.backups, states).filter { $0.0.recordedHold != nil && $0.1 == false }.map { backup, _ in
                "the row of \(backup.key) records a legal hold on version \(backup.versionID ?? "?") but S3 says it has none "
                    + "(lifted outside `hold`): `hold --release` clears the row"
            }
        } catch {
            status.problems.append("cannot read the legal holds: \(error)")
        }
        return status
    }
}
