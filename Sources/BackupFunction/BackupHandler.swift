import AWSServices
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
    /// Takes over an event's pool too large for one invocation (`BACKUP_STATE_MACHINE_ARN`).
    let stateMachine: StepFunctions?

    public init(configuration: FunctionConfiguration, job: BackupJob, leases: PoolLeases, log: FunctionLog,
                drills: DrillHandler? = nil, stateMachine: StepFunctions? = nil) {
        self.stateMachine = stateMachine
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
        var resumed: RunContinuation?
        var found = PoolSelection.Found(selected: [], scratchPools: [])
        switch event {
        case .allConfiguredPools, .resumable(poolIDs: nil, _):
            found = try await selectedPools(invocation)
            pools = found.selected.map(\.poolID)
        case .pools(let ids), .resumable(poolIDs: let ids?, _): pools = ids
        case .resume(let run):
            pools = run.poolsLeft
            resumed = run
        case .userCreated(let poolID):
            guard try await isSelected(poolID, invocation) else {
                return Self.answer(message: "Ignored AdminCreateUser in \(poolID): not one of the configured pools (nor a drill's scratch pool)",
                                   RunSoFar(skipped: [RunSoFar.Skipped(poolID: poolID, reason: "not configured")]))
            }
            pools = [poolID]
        case .drill(let poolIDs, let users):
            guard let drills else { throw InvocationError(type: "InvalidEvent", message: "this function does not run drills") }
            return try await drills.handle(poolIDs, users: users, invocation)
        }

        let resumable = switch event {
        case .resumable, .resume: true
        default: false
        }
        var planned: [String: PoolSize] = [:]
        switch event {
        case .allConfiguredPools, .resumable(poolIDs: nil, _):
            let plan = await plan(found, resumable: resumable, invocation)
            log.quotaPlan(plan, requestID: invocation.requestID)
            await reportProtection(of: pools, invocation)
            for pool in plan.pools { planned[pool.poolID] = pool.size }
        default: break
        }

        var run = resumed?.soFar ?? RunSoFar()
        let invocations = (resumed?.invocations ?? 0) + 1
        if let resumed {
            let started = UTCTime.now(), requestsBefore = await userListRequests()
            let outcome = await resume(resumed, invocation)
            await reportQuotaUse(of: resumed.backup.poolID, since: started, requestsBefore: requestsBefore)
            if case .paused(let backup, let lease) = outcome {
                return paused(RunContinuation(backup: backup, lease: lease, poolsLeft: pools, soFar: run, invocations: invocations), invocation)
            }
            settle(resumed.backup.poolID, outcome, started: started, into: &run, invocation)
        }
        for (index, poolID) in pools.enumerated() {
            let started = UTCTime.now(), requestsBefore = await userListRequests()
            var outcome = await backUp(poolID, for: event, planned: planned[poolID], resumable: resumable, invocation)
            await reportQuotaUse(of: poolID, since: started, requestsBefore: requestsBefore)
            if case .paused(let backup, let lease) = outcome {
                let left = RunContinuation(backup: backup, lease: lease, poolsLeft: Array(pools[(index + 1)...]), soFar: run,
                                           invocations: invocations)
                // Only an AdminCreateUser event pauses outside the state machine: it hands the rest on.
                guard case .userCreated = event else { return paused(left, invocation) }
                outcome = await handOn(left, invocation)
            }
            settle(poolID, outcome, started: started, into: &run, invocation)
        }
        guard run.failures.isEmpty else {
            let total = run.backups.count + run.skipped.count + run.failures.count
            throw InvocationError(type: "BackupFailed", message: "\(run.failures.count) of \(total) user pools not backed up; "
                + "\(run.backups.count) succeeded. " + run.failures.joined(separator: "; "))
        }
        let message = run.backups.isEmpty && !run.skipped.isEmpty
            ? "Skipped \(run.skipped.count) user pools" : "Successfully backed up \(run.backups.count) user pools"
        return Self.answer(message: message, run)
    }

    /// Adds a pool's outcome to the run, with its log lines and metrics.
    private func settle(_ poolID: String, _ outcome: PoolOutcome, started: UTCTime, into run: inout RunSoFar, _ invocation: Invocation) {
        switch outcome {
        case .stored(let record):
            run.backups.append(RunSoFar.Stored(record))
            stored(record, invocation)
        case .storedLeaseKept(let record, let error):
            run.backups.append(RunSoFar.Stored(record))
            stored(record, invocation)
            run.failures.append("\(poolID): backed up to \(record.s3Key), but its lease could not be released (\(error.code)): "
                + "runs before \(invocation.deadline.iso8601) skip the pool")
            log.error("lease not released", requestID: invocation.requestID,
                      [("user_pool_id", .string(poolID)), ("error", .string("\(error)"))])
        case .storedEarlier(let record):
            run.backups.append(RunSoFar.Stored(record))
            log.info("already backed up by this request", requestID: invocation.requestID, [("backup", record.json)])
        case .skipped(let reason):
            run.skipped.append(RunSoFar.Skipped(poolID: poolID, reason: reason))
            log.info("backup skipped", requestID: invocation.requestID, [("user_pool_id", .string(poolID)), ("reason", .string(reason))])
        case .failed(let reason, let error):
            run.failures.append("\(poolID): \(reason)")
            log.error("backup failed", requestID: invocation.requestID,
                      [("user_pool_id", .string(poolID)), ("error", .string(error.map { "\($0)" } ?? reason))])
            log.metrics(poolID: poolID, succeeded: false,
                        durationMilliseconds: Int(UTCTime.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch), users: 0, bytes: 0)
        case .paused:
            preconditionFailure("a paused backup is answered with its continuation")
        }
    }

    /// `{"continue": {...}}`: the state machine invokes the function again with it.
    private func paused(_ run: RunContinuation, _ invocation: Invocation) -> [UInt8] {
        log.info("backup paused at a checkpoint", requestID: invocation.requestID,
                 [("continuation", run.backup.json), ("invocations", .number(run.invocations))])
        return (["continue": run.json] as JSON).serializedBytes
    }

    private func stored(_ record: BackupRecord, _ invocation: Invocation) {
        log.info("backup stored", requestID: invocation.requestID, [("backup", record.json)])
        log.metrics(poolID: record.userPoolID, succeeded: true, durationMilliseconds: record.durationMilliseconds,
                    users: record.userCount, bytes: record.sizeBytes)
    }

    /// `{"statusCode":200,"body":"{\"message\":…,\"backups\":[…]}"}`, the original function's shape.
    static func answer(message: String, _ run: RunSoFar) -> [UInt8] {
        var body: JSONObject = [
            "message": .string(message),
            "backups": .array(run.backups.map {
                ["user_pool_id": .string($0.poolID), "s3_key": .string($0.key), "user_count": .number($0.users)]
            }),
        ]
        if !run.skipped.isEmpty {
            body["skipped"] = .array(run.skipped.map { ["user_pool_id": .string($0.poolID), "reason": .string($0.reason)] })
        }
        return (["statusCode": 200, "body": .string(JSON.object(body).serialized)] as JSON).serializedBytes
    }

    /// The pools the selection holds now, and the scratch pools it passed over; a selection that
    /// cannot be read fails the run by name.
    func selectedPools(_ invocation: Invocation) async throws(InvocationError) -> PoolSelection.Found {
        do {
            return try await configuration.selection.find(in: job.cognito)
        } catch {
            throw InvocationError(type: "SelectionFailed", message: "\(Self.code(of: error)) listing the selected pools: \(error)")
        }
    }

    private func isSelected(_ poolID: String, _ invocation: Invocation) async throws(InvocationError) -> Bool {
        do {
            return try await configuration.selection.contains(poolID, in: job.cognito)
        } catch {
            throw InvocationError(type: "SelectionFailed", message: "\(Self.code(of: error)) reading the tags of \(poolID): \(error)")
        }
    }
}
