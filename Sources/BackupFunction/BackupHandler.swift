import Backup
import JSON
import LambdaRuntime
import Support

/// The function: turns an event into the pools to back up, backs each one up, and answers as
/// the original Python function did — but reports any failed pool as an invocation error, so
/// Lambda's Errors metric, alarms and retries see it.
public struct BackupHandler: LambdaHandler {
    let configuration: FunctionConfiguration
    let job: BackupJob
    let catalog: BackupCatalog
    let leases: PoolLeases
    let log: FunctionLog
    /// Serves the drill event; without it (tests of the backup alone) the event is refused.
    let drills: DrillHandler?

    public init(configuration: FunctionConfiguration, job: BackupJob, leases: PoolLeases, log: FunctionLog,
                drills: DrillHandler? = nil) {
        self.configuration = configuration
        self.job = job
        catalog = job.destination.catalog
        self.leases = leases
        self.log = log
        self.drills = drills
    }

    public func handle(_ invocation: Invocation) async throws(InvocationError) -> [UInt8] {
        let event = try BackupEvent.parse(invocation.body)
        log.info("event received", requestID: invocation.requestID, [("event", .string("\(event)"))])
        let pools: [String]
        switch event {
        case .allConfiguredPools: pools = configuration.poolIDs
        case .pools(let ids): pools = ids
        case .userCreated(let poolID):
            guard configuration.poolIDs.contains(poolID) else {
                return Self.answer(message: "Ignored AdminCreateUser in \(poolID): not one of the configured pools", backups: [],
                                   skipped: [(poolID, "not configured")])
            }
            pools = [poolID]
        case .drill(let poolIDs):
            guard let drills else { throw InvocationError(type: "InvalidEvent", message: "this function does not run drills") }
            return try await drills.handle(poolIDs, invocation)
        }

        var planned: [String: PoolSize] = [:]
        if case .allConfiguredPools = event {
            let plan = await plan(pools, invocation)
            log.quotaPlan(plan, requestID: invocation.requestID)
            for pool in plan.pools { planned[pool.poolID] = pool.size }
        }

        var backups: [BackupRecord] = []
        var skipped: [(String, String)] = []
        var failures: [String] = []
        for poolID in pools {
            let started = UTCTime.now()
            switch await backUp(poolID, for: event, planned: planned[poolID], invocation) {
            case .stored(let record):
                backups.append(record)
                stored(record, invocation)
            case .storedLeaseKept(let record, let error):
                backups.append(record)
                stored(record, invocation)
                failures.append("\(poolID): backed up to \(record.s3Key), but its lease could not be released (\(error.code)): "
                    + "runs before \(invocation.deadline.iso8601) skip the pool")
                log.error("lease not released", requestID: invocation.requestID,
                          [("user_pool_id", .string(poolID)), ("error", .string("\(error)"))])
            case .storedEarlier(let record):
                backups.append(record)
                log.info("already backed up by this request", requestID: invocation.requestID, [("backup", record.json)])
            case .skipped(let reason):
                skipped.append((poolID, reason))
                log.info("backup skipped", requestID: invocation.requestID, [("user_pool_id", .string(poolID)), ("reason", .string(reason))])
            case .failed(let reason, let error):
                failures.append("\(poolID): \(reason)")
                log.error("backup failed", requestID: invocation.requestID,
                          [("user_pool_id", .string(poolID)), ("error", .string(error.map { "\($0)" } ?? reason))])
                log.metrics(poolID: poolID, succeeded: false,
                            durationMilliseconds: Int(UTCTime.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch), users: 0, bytes: 0)
            }
        }
        guard failures.isEmpty else {
            throw InvocationError(type: "BackupFailed", message: "\(failures.count) of \(pools.count) user pools not backed up; "
                + "\(backups.count) succeeded. " + failures.joined(separator: "; "))
        }
        let message = backups.isEmpty && !skipped.isEmpty
            ? "Skipped \(skipped.count) user pools" : "Successfully backed up \(backups.count) user pools"
        return Self.answer(message: message, backups: backups, skipped: skipped)
    }

    private func stored(_ record: BackupRecord, _ invocation: Invocation) {
        log.info("backup stored", requestID: invocation.requestID, [("backup", record.json)])
        log.metrics(poolID: record.userPoolID, succeeded: true, durationMilliseconds: record.durationMilliseconds,
                    users: record.userCount, bytes: record.sizeBytes)
    }

    /// `{"statusCode":200,"body":"{\"message\":…,\"backups\":[…]}"}`, the original function's shape.
    static func answer(message: String, backups: [BackupRecord], skipped: [(String, String)]) -> [UInt8] {
        var body: JSONObject = [
            "message": .string(message),
            "backups": .array(backups.map {
                ["user_pool_id": .string($0.userPoolID), "s3_key": .string($0.s3Key), "user_count": .number($0.userCount)]
            }),
        ]
        if !skipped.isEmpty {
            body["skipped"] = .array(skipped.map { ["user_pool_id": .string($0.0), "reason": .string($0.1)] })
        }
        return (["statusCode": 200, "body": .string(JSON.object(body).serialized)] as JSON).serializedBytes
    }
}
