import AWSCore
import LambdaRuntime

extension BackupHandler {
    /// Runs `backup` while this invocation holds the pool's lease, or skips the pool, naming the
    /// run that holds it. The lease is released whatever became of the backup, unless it paused.
    func holdingLease(on poolID: String, _ invocation: Invocation, _ backup: (PoolLeases.Lease) async -> PoolOutcome) async -> PoolOutcome {
        let lease: PoolLeases.Lease
        do {
            switch try await leases.take(poolID, requestID: invocation.requestID, until: invocation.deadline) {
            case .heldBy(let holder):
                return .skipped("a backup by request \(holder.requestID) has held the pool's UserList quota since \(holder.since), "
                    + "until \(holder.until.iso8601) at the latest")
            case .taken(let taken, let previous):
                lease = taken
                if let previous {
                    log.warn("took over an expired lease", requestID: invocation.requestID, [
                        ("user_pool_id", .string(poolID)), ("expired_holder", .string(previous.requestID)),
                        ("expired_at", .string(previous.until.iso8601)),
                    ])
                }
            }
        } catch {
            return .failed("\(error.code) taking the pool's lease in the metadata table", error)
        }
        return await settling(lease, invocation) { await backup(lease) }
    }

    /// Runs `backup` under `lease`, then releases the lease; or, if the backup paused, extends it
    /// past this invocation so that no other run starts the pool before the next one goes on.
    func settling(_ lease: PoolLeases.Lease, _ invocation: Invocation, _ backup: () async -> PoolOutcome) async -> PoolOutcome {
        let outcome = await backup()
        // A shutdown cancels this task, and a cancelled task makes no call; the lease must still
        // be settled, or the pool's next runs skip it until it expires. One call, awaited here.
        let (leases, until) = (leases, invocation.deadline.adding(milliseconds: Self.leaseGapMilliseconds))
        if case .paused = outcome {
            let notExtended = await Task { () async -> AWSError? in
                do throws(AWSError) { _ = try await leases.extend(lease, until: until) } catch { return error }
                return nil
            }.value
            // The lease still holds until this invocation's deadline, and the next invocation
            // extends it first thing: only a next invocation later than that loses the pool.
            if let notExtended {
                log.warn("lease not extended past the invocation", requestID: invocation.requestID,
                         [("user_pool_id", .string(lease.poolID)), ("error", .string("\(notExtended)"))])
            }
            return outcome
        }
        let notReleased = await Task { () async -> AWSError? in
            do throws(AWSError) { try await leases.release(lease) } catch { return error }
            return nil
        }.value
        guard let notReleased else { return outcome }
        switch outcome {
        case .stored(let record): return .storedLeaseKept(record, notReleased)
        case .failed(let reason, let error): return .failed("\(reason); and its lease could not be released (\(notReleased.code))", error)
        case .storedLeaseKept, .storedEarlier, .skipped, .paused: return outcome
        }
    }
}
