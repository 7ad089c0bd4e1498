import AWSCore
import AWSServices
import Backup
import JSON
import LambdaRuntime
import Support

/// What became of one pool in an invocation.
enum PoolOutcome {
    case stored(BackupRecord)
    /// Stored, but the pool's lease stays until it expires: its runs until then skip it.
    case storedLeaseKept(BackupRecord, AWSError)
    /// An earlier delivery of the same event (Lambda retries with the same request id) took it.
    case storedEarlier(BackupRecord)
    /// Stopped at a checkpoint before the deadline; the lease stays with the run.
    case paused(BackupContinuation, RunContinuation.HeldLease)
    case skipped(String)
    /// `reason` is what the invocation's error says of the pool; `error` the full detail for the log.
    case failed(String, (any Error)?)
}

extension BackupHandler {
    /// How many of a pool's newest rows are searched for one this request took: a redelivery
    /// comes minutes later, and reserved concurrency 1 leaves room for few backups in between.
    static let rowsSearchedForThisRequest = 5

    /// Backs `poolID` up unless this request already did, the event is coalesced, it cannot
    /// finish before the deadline, or another run holds the pool; stops it at the deadline or on
    /// shutdown. `planned` is the pool's size if the quota plan read it already. A `resumable`
    /// backup (the state machine's) starts whatever its size and pauses before the deadline.
    func backUp(_ poolID: String, for event: BackupEvent, planned: PoolSize?, resumable: Bool, _ invocation: Invocation) async -> PoolOutcome {
        if Task.isCancelled { return .failed("not started: the runtime is shutting down", nil) }
        let history: [BackupRecord]
        do { history = try await catalog.backups(of: poolID, limit: Self.rowsSearchedForThisRequest) } catch {
            return .failed("\(Self.code(of: error)) reading the metadata table", error)
        }
        if let earlier = history.first(where: { $0.requestID == invocation.requestID }) { return .storedEarlier(earlier) }
        if case .userCreated = event, let last = history.first, let lastDate = UTCTime(iso8601: last.backupDate),
           UTCTime.now().millisecondsSinceEpoch - lastDate.millisecondsSinceEpoch < Int64(configuration.minimumIntervalSeconds) * 1000 {
            return .skipped("backed up at \(last.backupDate), less than \(configuration.minimumIntervalSeconds)s ago")
        }
        if case .resumable(_, let since?) = event, let last = history.first, let lastDate = UTCTime(iso8601: last.backupDate),
           lastDate >= since {
            return .skipped("backed up at \(last.backupDate), since \(since.iso8601): the AdminCreateUser event that started "
                + "this execution is coalesced into that backup")
        }

        let size: PoolSize
        if let planned { size = planned } else {
            do { size = try await self.size(of: poolID, lastBackup: history.first) } catch {
                return .failed("\(Self.code(of: error)) sizing the pool", error)
            }
        }
        let users = size.users
        let needed = BackupEstimate.milliseconds(lastDurationMilliseconds: history.first?.durationMilliseconds, size: size,
                                                 userListRate: configuration.quotas.limiter(for: .userList).configuredRate)
            + Self.startMarginMilliseconds
        guard resumable || UTCTime.now().adding(milliseconds: needed) <= invocation.deadline else {
            if case .userCreated = event, let stateMachine, let machine = configuration.stateMachineARN {
                return await handOff(poolID, to: stateMachine, machine, invocation)
            }
            return .failed("not started, \(needed / 1000)s needed for about \(users) users and the invocation's deadline is nearer", nil)
        }

        let (job, requestID) = (job, invocation.requestID)
        // An event's backup that outlasts its estimate (a pool without history, a lagging
        // EstimatedNumberOfUsers) pauses too, where a state machine can go on with it.
        let handsOn = if case .userCreated = event { stateMachine != nil && configuration.stateMachineARN != nil } else { false }
        let pauseAt = resumable || handsOn ? invocation.deadline.adding(milliseconds: -Self.pauseBeforeDeadlineMilliseconds) : nil
        return await holdingLease(on: poolID, invocation) { lease in
            await untilDeadline(poolID, about: "about \(users) users", lease: lease, invocation) { () async throws(BackupFailure) -> BackupStep in
                try await job.begin(poolID: poolID, requestID: requestID, pausingAt: pauseAt)
            }
        }
    }

    /// Goes on with the backup a continuation names, under the lease it kept; a backup whose
    /// lease another run took in between is abandoned, as one whose upload or checkpoint is gone.
    func resume(_ run: RunContinuation, _ invocation: Invocation) async -> PoolOutcome {
        let poolID = run.backup.poolID
        if Task.isCancelled { return .failed("not resumed: the runtime is shutting down", nil) }
        do {
            let history = try await catalog.backups(of: poolID, limit: Self.rowsSearchedForThisRequest)
            if let earlier = history.first(where: { $0.requestID == invocation.requestID }) { return .storedEarlier(earlier) }
        } catch {
            return .failed("\(Self.code(of: error)) reading the metadata table", error)
        }
        let held = PoolLeases.Lease(poolID: poolID, holder: PoolLeases.Holder(requestID: run.lease.requestID, since: run.lease.since,
                                                                              until: invocation.deadline), token: run.lease.token)
        let lease: PoolLeases.Lease
        do { lease = try await leases.extend(held, until: invocation.deadline) } catch {
            await job.abandon(run.backup)
            return .failed("\(error.code) keeping the pool's lease; the backup at \(run.backup.key) was abandoned and nothing was stored", error)
        }
        let (job, requestID) = (job, invocation.requestID)
        let pauseAt = invocation.deadline.adding(milliseconds: -Self.pauseBeforeDeadlineMilliseconds)
        return await settling(lease, invocation) {
            await untilDeadline(poolID, about: "resumed", lease: lease, invocation) { () async throws(BackupFailure) -> BackupStep in
                try await job.resume(run.backup, requestID: requestID, pausingAt: pauseAt)
            }
        }
    }

    /// The backup itself, stopped 10 s before the invocation's deadline or at shutdown.
    private func untilDeadline(_ poolID: String, about size: String, lease: PoolLeases.Lease, _ invocation: Invocation,
                               _ body: @escaping @Sendable () async throws(BackupFailure) -> BackupStep) async -> PoolOutcome {
        let started = UTCTime.now()
        let (result, cutOff) = await Cutoff.run(until: invocation.deadline.adding(milliseconds: -Self.stopBeforeDeadlineMilliseconds), body)
        switch result {
        case .success(.stored(let record)):
            return .stored(record)
        case .success(.paused(let continuation)):
            return .paused(continuation, RunContinuation.HeldLease(token: lease.token, requestID: lease.holder.requestID, since: lease.holder.since))
        case .failure(let failure) where cutOff:
            let seconds = (UTCTime.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch) / 1000
            return .failed("stopped at the invocation's deadline, unfinished after \(seconds)s (\(size)); \(Self.leftBehind(failure))", failure)
        case .failure(let failure) where Task.isCancelled:
            return .failed("stopped because the runtime is shutting down; \(Self.leftBehind(failure))", failure)
        case .failure(let failure):
            return .failed("\(failure.awsCode ?? Self.name(of: failure.underlying)) (\(failure.underlying))"
                + (failure.leftOpen.map { "; \($0)" } ?? ""), failure)
        }
    }

    static func code(of error: any Error) -> String { (error as? AWSError)?.code ?? "Error" }

    /// A failure's name where AWS gave no code: `UploadVanished`, `CheckpointMissing`…
    /// What a stopped backup left in S3: nothing, unless its upload could not be aborted.
    static func leftBehind(_ failure: BackupFailure) -> String {
        failure.leftOpen.map { "\($0)" } ?? "its upload was aborted and nothing was stored"
    }

    static func name(of error: any Error) -> String { String(describing: type(of: error)) }

    /// Starts the state machine on `poolID` alone, as the schedule starts it on every pool. The
    /// execution is named after the pool and the coalescing window, so every event of one burst
    /// (and a redelivery) starts it once; a burst that straddles the window's end starts a
    /// second, which skips the pool if the first backed it up since the second window began.
    func handOff(_ poolID: String, to stateMachine: StepFunctions, _ machine: String, _ invocation: Invocation) async -> PoolOutcome {
        let interval = Int64(configuration.minimumIntervalSeconds)
        let window = interval > 0 ? UTCTime.now().secondsSinceEpoch / interval : nil
        let name = String("event-\(poolID)-\(window.map { String($0) } ?? invocation.requestID)".prefix(80))
        var input: JSONObject = ["resumable": true, "user_pool_ids": .array([.string(poolID)])]
        // The window's start, not the event's time less the interval: the same for every event
        // of the window (one input, so a start while the execution runs is that execution), and
        // no earlier than any of them less the interval, so it never skips more than they would.
        if let window { input["unless_backed_up_since"] = .string(UTCTime(millisecondsSinceEpoch: window * interval * 1000).iso8601) }
        do {
            let started = try await stateMachine.startExecution(stateMachineARN: machine, name: name, input: .object(input))
            return .skipped("too large for one invocation: handed to the state machine, execution \(name)"
                + (started ? "" : " (started already by an earlier event of this window)"))
        } catch {
            return .failed("\(Self.code(of: error)) handing the pool to the state machine", error)
        }
    }

    /// Hands a backup this invocation paused at a checkpoint to the state machine, which goes on
    /// with it as with its own (`{"continue": …}` is its loop's input too). The execution is
    /// named after this request alone. If it cannot start, the backup is given up and its lease
    /// released, so that the pool's next run is not kept waiting.
    func handOn(_ run: RunContinuation, _ invocation: Invocation) async -> PoolOutcome {
        let poolID = run.backup.poolID
        guard let stateMachine, let machine = configuration.stateMachineARN else {
            preconditionFailure("an event's backup pauses only where a state machine can go on with it")
        }
        let name = String("continue-\(invocation.requestID)".prefix(80))
        let failure: String
        let cause: (any Error)?
        do {
            if try await stateMachine.startExecution(stateMachineARN: machine, name: name, input: ["continue": run.json]) {
                log.info("backup handed on at a checkpoint", requestID: invocation.requestID,
                         [("user_pool_id", .string(poolID)), ("execution", .string(name)), ("continuation", run.backup.json)])
                return .skipped("unfinished before the invocation's deadline: paused at a checkpoint and handed to the state "
                    + "machine, execution \(name)")
            }
            (failure, cause) = ("execution \(name) exists already, with another input", nil)
        } catch {
            (failure, cause) = ("\(Self.code(of: error)) handing the paused backup to the state machine", error)
        }
        await job.abandon(run.backup)
        let lease = PoolLeases.Lease(poolID: poolID, holder: PoolLeases.Holder(requestID: run.lease.requestID, since: run.lease.since,
                                                                               until: invocation.deadline), token: run.lease.token)
        let released = await Task { () async -> Bool in
            do throws(AWSError) { try await leases.release(lease) } catch { return false }
            return true
        }.value
        return .failed("\(failure); the backup at \(run.backup.key) was abandoned and nothing was stored"
            + (released ? "" : "; its lease could not be released"), cause)
    }
}
