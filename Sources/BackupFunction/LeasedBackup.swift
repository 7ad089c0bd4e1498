import AWSCore
import LambdaRuntime

extension BackupHandler {
    /// Runs `backup` while this invocation holds the pool's lease, or skips the pool, naming the
    /// run that holds it. The lease is released whatever became of the backup.
    func holdingLease(on poolID: String, _ invocation: Invocation, _ backup: () async -> PoolOutcome) async -> PoolOutcome {
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
        let outcome = await backup()
        // A shutdown cancels this task, and a cancelled task makes no call; the lease must still
        // go, or the pool's next runs skip it until it expires. One call, awaited here.
        let leases = leases
        let notReleased = await Task { () async -> AWSError? in
            do throws(AWSError) { try await leases.release(lease) } catch { return error }
            return nil
        }.value
        guard let notReleased else { return outcome }
        switch outcome {
        case .stored(let record): return .storedLeaseKept(record, notReleased)
        case .failed(let reason, let error): return .failed("\(reason); and its lease could not be released (\(notReleased.code))", error)
        case .storedLeaseKept, .storedEarlier, .skipped: return outcome
        }
    }
}
