import AWSCore
import AWSServices
import Backup
import BackupFunction
import JSON
import Restore
import Support

/// What the table and the bucket say about one pool's protection, gathered for `status`, and
/// judged by `PoolCompliance`.
struct PoolStatus: Sendable {
    let poolID: String
    /// Newest first.
    var backups: [Backup] = []
    var drill: DrillRecord?
    /// Why the drill is not known (no table to read it from, or the read failed).
    var drillUnknown: String?
    var replication: Replication?
    /// The backups under a legal hold, newest first.
    var held: [Backup] = []
    /// Whether the bucket has Object Lock, so that holds could be asked about at all.
    var holdsKnown = false
    var lease: PoolLeases.Holder?
    var openUploads: [OpenUpload] = []
    var uncataloguedManifests: [String] = []
    /// The keys of rows whose expiry has passed, still in the table until DynamoDB's TTL deletes
    /// them: not counted, but their manifests are catalogued.
    var expiredKeys: [String] = []
    /// What could not be read, in words: shown, never fatal, since the rest still says something.
    var problems: [String] = []

    struct Backup: Sendable {
        let date: String
        let bucket: String
        let key: String
        let sizeBytes: Int
        let users: Int?
        let tier: String?
        /// The object's version: the one a hold names, else the row's or the manifest's.
        let versionID: String?
        /// The hold its row records (`hold` with a table).
        let recordedHold: BackupHold?
        let json: JSON

        var holdObject: LegalHolds.Object { LegalHolds.Object(bucket: bucket, key: key, versionID: versionID) }
    }

    /// An upload S3 still holds, and when the bucket's lifecycle rule removes it.
    struct OpenUpload: Sendable {
        let upload: S3.OpenUpload
        let removal: UploadLeftOpen.Removal

        /// `initiated` plus the rule's days, when both are known.
        var removedBy: String? {
            guard case .afterDays(let days) = removal, let initiated = UTCTime(iso8601: upload.initiated) else { return nil }
            return initiated.adding(milliseconds: Int64(days) * 86_400_000).iso8601
        }

        var removalText: String {
            switch removal {
            case .afterDays(let days): "the lifecycle rule removes it \(days) day\(days == 1 ? "" : "s") after it began"
                + (removedBy.map { ", by \($0)" } ?? "")
            case .never: "no lifecycle rule removes it: abort it by hand"
            case .unknown: "removed per the bucket's lifecycle rule"
            }
        }
    }

    struct Replication: Sendable {
        /// `x-amz-replication-status` of the newest object: nil when no rule covered it.
        let status: String?
        /// The replica check (`verify`'s): nil when no replication rule covers the key, or when
        /// the bucket's rules cannot be read (`replicaUnknown` says why).
        var replica: VerifyCheck?
        var replicaUnknown: String?

        init(status: String?, replica: VerifyCheck? = nil, replicaUnknown: String? = nil) {
            self.status = status
            self.replica = replica
            self.replicaUnknown = replicaUnknown
        }
    }

    var newest: Backup? { backups.first }

    /// How many backups of each tier it holds (rows whose tier's rule has not yet removed the object); `untiered` for backups from before tiers.
    var tiers: [(tier: String, count: Int)] {
        let counts = Dictionary(grouping: backups, by: { $0.tier ?? "untiered" }).mapValues(\.count)
        return ["monthly", "daily", "hourly", "untiered"].compactMap { tier in counts[tier].map { (tier, $0) } }
            + counts.filter { !["monthly", "daily", "hourly", "untiered"].contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    var facts: PoolCompliance.Facts {
        PoolCompliance.Facts(
            poolID: poolID, newestBackup: newest.flatMap { UTCTime(iso8601: $0.date) }, replicationStatus: replication?.status,
            newestDrill: drill.flatMap { drill in
                UTCTime(iso8601: drill.finishedAt).map { PoolCompliance.Facts.Drill(finishedAt: $0, passed: drill.passed, failure: drill.failure) }
            }, drillUnknown: drill == nil ? drillUnknown : nil)
    }
}

extension PoolStatus.Backup {
    init(_ record: BackupRecord) {
        self.init(date: record.backupDate, bucket: record.bucket, key: record.s3Key, sizeBytes: record.sizeBytes, users: record.userCount,
                  tier: record.tier?.rawValue, versionID: record.legalHold?.objectVersionID ?? record.s3VersionID,
                  recordedHold: record.legalHold, json: record.json)
    }

    init(_ listed: ListedBackup) {
        self.init(date: listed.manifest?.backupDate ?? listed.key.startedAt, bucket: listed.bucket, key: listed.key.key,
                  sizeBytes: listed.sizeBytes, users: listed.manifest?.userCount, tier: listed.manifest?.tier?.rawValue,
                  versionID: listed.manifest?.s3VersionID, recordedHold: nil, json: listed.json)
    }
}
