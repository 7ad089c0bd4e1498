import AWSCore
import Backup
import LambdaRuntime
import Support

/// What became of one pool in an invocation.
enum PoolOutcome {
    case stored(BackupRecord)
    /// Stored, but the pool's lease stays until it expires: its runs until then skip it.
    case storedLeaseKept(BackupRecord, AWSError)
    /// An earlier delivery of the same event (Lambda retries with the same request id) took it.
    case storedEarlier(BackupRecord)
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
    /// shutdown. `planned` is the pool's size if the quota plan read it already.
    func backUp(_ poolID: String, for event: BackupEvent, planned: PoolSize?, _ invocation: Invocation) async -> PoolOutcome {
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
        guard UTCTime.now().adding(milliseconds: needed) <= invocation.deadline else {
            return .failed("not started, \(needed / 1000)s needed for about \(users) users and the invocation's deadline is nearer", nil)
        }

        return await holdingLease(on: poolID, invocation) { await run(poolID, users: users, invocation) }
    }

    /// The backup itself, stopped 10 s before the invocation's deadline or at shutdown.
    private func run(_ poolID: String, users: Int, _ invocation: Invocation) async -> PoolOutcome {
        let started = UTCTime.now()
        let (job, requestID) = (job, invocation.requestID)
        let (result, cutOff) = await Cutoff.run(until: invocation.deadline.adding(milliseconds: -Self.stopBeforeDeadlineMilliseconds)) {
            () async throws(BackupFailure) -> BackupRecord in try await job.run(poolID: poolID, requestID: requestID)
        }
        switch result {
        case .success(let record):
            return .stored(record)
        case .failure(let failure) where cutOff:
            let seconds = (UTCTime.now().millisecondsSinceEpoch - started.millisecondsSinceEpoch) / 1000
            return .failed("stopped at the invocation's deadline, unfinished after \(seconds)s (about \(users) users); "
                + "its upload was aborted and nothing was stored", failure)
        case .failure(let failure) where Task.isCancelled:
            return .failed("stopped because the runtime is shutting down; its upload was aborted and nothing was stored", failure)
        case .failure(let failure):
            return .failed("\(failure.awsCode ?? "Error") (\(failure.underlying))", failure)
        }
    }

    static func code(of error: any Error) -> String { (error as? AWSError)?.code ?? "Error" }
}
