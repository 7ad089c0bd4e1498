import AWSServices
import Backup
import LambdaRuntime
import Restore
import Support

extension BackupHandler {
    /// What every scheduled run says of the protection itself, before it backs anything up: each
    /// selected pool's backup age, how many pools have no backup younger than the RPO, and, where
    /// drills are judged, how many lack a passed drill young enough. Emitted on every run, zeros
    /// included, so that an alarm on silence (missing data as breaching) fires when runs stop.
    func reportProtection(of pools: [String], _ invocation: Invocation) async {
        let policy = configuration.protection
        let now = UTCTime.now()
        let drills = DrillRecords(dynamodb: catalog.dynamodb, table: configuration.table)
        var withoutRecentBackup = 0, drillsOverdue = 0
        for poolID in pools {
            let judged: PoolCompliance
            do {
                let newest = try await catalog.backups(of: poolID, limit: 1).first
                let drill = policy.drillMaxAgeSeconds == nil ? nil : try await drills.newest(of: poolID)
                let facts = PoolCompliance.Facts(
                    poolID: poolID, newestBackup: newest.flatMap { UTCTime(iso8601: $0.backupDate) },
                    newestDrill: drill.flatMap { drill in UTCTime(iso8601: drill.finishedAt).map {
                        PoolCompliance.Facts.Drill(finishedAt: $0, passed: drill.passed, failure: drill.failure)
                    } })
                judged = PoolCompliance(facts, policy: policy, now: now)
                if let started = facts.newestBackup {
                    log.metrics(poolID: poolID, [("BackupAgeSeconds", "Seconds", PoolCompliance.seconds(from: started, to: now))])
                }
                if configuration.replicationDestination != nil, let newest { await reportReplication(of: newest, now: now, invocation) }
            } catch {
                // What cannot be read cannot be vouched for: the pool counts as unprotected.
                log.warn("protection not judged", requestID: invocation.requestID,
                         [("user_pool_id", .string(poolID)), ("error", .string("\(error)"))])
                withoutRecentBackup += 1
                if policy.drillMaxAgeSeconds != nil { drillsOverdue += 1 }
                continue
            }
            if judged.breaches.contains(where: { $0.code == "no-backup" || $0.code == "backup-too-old" }) { withoutRecentBackup += 1 }
            if judged.breaches.contains(where: { $0.code == "drill-overdue" || $0.code == "drill-failed" }) { drillsOverdue += 1 }
        }
        log.protection(poolsWithoutRecentBackup: withoutRecentBackup, drillsOverdue: policy.drillMaxAgeSeconds == nil ? nil : drillsOverdue)
    }
}
