import AWSServices
import BackupFunction
import JSON
import Support

/// `status`'s answer: a verdict per pool, then what it rests on.
struct StatusReport {
    let settings: StatusPolicy
    let statuses: [PoolStatus]
    let judged: [PoolCompliance]
    let now: UTCTime

    private var policy: ProtectionPolicy { settings.protection }

    private func age(since text: String) -> Int? {
        UTCTime(iso8601: text).map { max(0, Int((now.millisecondsSinceEpoch - $0.millisecondsSinceEpoch) / 1000)) }
    }

    var text: String {
        var lines = [settings.text,
                     "RPO \(ProtectionPolicy.age(policy.rpoSeconds)) (\(settings.origin(of: "rpo_seconds"))); drills "
                         + (policy.drillMaxAgeSeconds.map { "within \(ProtectionPolicy.age($0))" } ?? "not judged by age")
                         + " (\(settings.origin(of: "drill_max_age_seconds"))); pools: \(settings.pools)"]
        for (status, verdict) in zip(statuses, judged) {
            lines.append("")
            lines.append("\(status.poolID): " + (verdict.compliant ? "OK" : "OUT OF POLICY: " + verdict.breaches.map(\.description).joined(separator: "; ")))
            if let newest = status.newest {
                let tier = newest.tier.map { ", \($0)" } ?? ""
                lines.append("  newest backup  \(newest.date) (\(age(since: newest.date).map(ProtectionPolicy.age) ?? "?") old\(tier)) s3://\(newest.bucket)/\(newest.key)")
                lines.append("  tiers          " + status.tiers.map { "\($0.tier) \($0.count)" }.joined(separator: ", "))
            } else {
                lines.append("  newest backup  none")
            }
            if let drill = status.drill {
                lines.append("  drill          \(drill.passed ? "passed" : "FAILED") \(drill.finishedAt) (\(age(since: drill.finishedAt).map(ProtectionPolicy.age) ?? "?") ago)"
                    + (drill.failure.map { ": \($0)" } ?? ""))
            } else {
                lines.append("  drill          " + (status.drillUnknown ?? "none recorded"))
            }
            if let replication = status.replication {
                let replica = replication.replica.map { check in
                    check.passed ? "replica \(check.detail)" : "replica: " + check.differences.joined(separator: "; ")
                } ?? replication.replicaUnknown.map { "replica unknown: \($0)" } ?? "no replication rule covers it"
                lines.append("  replication    \(replication.status ?? "no status"); \(replica)")
            }
            if status.holdsKnown {
                lines.append("  legal holds    " + (status.held.isEmpty ? "none" : String(status.held.count)))
                for held in status.held {
                    let version = held.versionID.map { " version \($0)" } ?? ""
                    let restore = held.versionID.map { "; restore --source s3://\(held.bucket)/\(held.key) --version-id \($0)" } ?? ""
                    lines.append("  held           s3://\(held.bucket)/\(held.key)\(version) (\(held.date)\(held.tier.map { ", \($0)" } ?? "")\(restore))")
                }
            }
            if let lease = status.lease {
                let live = now < lease.until
                lines.append("  running        " + (live ? "a backup since \(lease.since) (request \(lease.requestID)), its lease until \(lease.until.iso8601)"
                                                       : "none (an expired lease of request \(lease.requestID), a run that died)"))
            }
            for open in status.openUploads {
                lines.append("  open upload    \(open.upload.key) (upload \(open.upload.uploadID), begun \(open.upload.initiated); \(open.removalText))")
            }
            for manifest in status.uncataloguedManifests {
                lines.append("  uncatalogued   \(manifest) (no row; the pool's next backup catalogues it if it is from today or yesterday)")
            }
            lines += status.problems.map { "  unknown        \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    var json: JSON {
        let pools: [JSON] = zip(statuses, judged).map { status, verdict in
            var pool: JSONObject = [
                "user_pool_id": .string(status.poolID),
                "compliant": .bool(verdict.compliant),
                "breaches": .array(verdict.breaches.map { ["code": .string($0.code), "message": .string($0.description)] }),
                "newest_backup": status.newest.map { newest in
                    var backup = newest.json.object ?? JSONObject()
                    backup["age_seconds"] = age(since: newest.date).map { .number($0) } ?? .null
                    return JSON.object(backup)
                } ?? .null,
                "tiers": .object(JSONObject(status.tiers.map { ($0.tier, JSON.number($0.count)) })),
                "drill": status.drill.map { drill in
                    var record = drill.json.object ?? JSONObject()
                    record["age_seconds"] = age(since: drill.finishedAt).map { .number($0) } ?? .null
                    return JSON.object(record)
                } ?? .null,
                "legal_holds": status.holdsKnown ? .array(status.held.map { held in
                    ["s3_bucket": .string(held.bucket), "s3_key": .string(held.key), "backup_date": .string(held.date),
                     "s3_version_id": held.versionID.map(JSON.string) ?? .null,
                     "manifest_version_id": held.recordedHold?.manifestVersionID.map(JSON.string) ?? .null,
                     "held_since": held.recordedHold.map { .string($0.since) } ?? .null]
                }) : .null,
                "open_uploads": .array(status.openUploads.map { open in
                    var removal: JSON = .null
                    if case .afterDays(let days) = open.removal { removal = .number(days) }
                    return ["s3_key": .string(open.upload.key), "upload_id": .string(open.upload.uploadID),
                            "initiated": .string(open.upload.initiated), "lifecycle_abort_days": removal,
                            "removed_by": open.removedBy.map(JSON.string) ?? .null]
                }),
                "uncatalogued_manifests": .array(status.uncataloguedManifests.map(JSON.string)),
                "problems": .array(status.problems.map(JSON.string)),
            ]
            pool["replication"] = status.replication.map { replication in
                ["status": replication.status.map(JSON.string) ?? .null, "replica": replication.replica?.json ?? .null,
                 "replica_unknown": replication.replicaUnknown.map(JSON.string) ?? .null]
            } ?? .null
            pool["run_in_progress"] = status.lease.flatMap { lease in
                now < lease.until ? ["request_id": .string(lease.requestID), "since": .string(lease.since),
                                     "lease_until": .string(lease.until.iso8601)] : nil
            } ?? .null
            return .object(pool)
        }
        return [
            "compliant": .bool(judged.allSatisfy(\.compliant)),
            "policy": ["rpo_seconds": .number(policy.rpoSeconds), "drill_max_age_seconds": policy.drillMaxAgeSeconds.map { .number($0) } ?? .null],
            "policy_from": settings.json,
            "pools": .array(pools),
        ]
    }
}
