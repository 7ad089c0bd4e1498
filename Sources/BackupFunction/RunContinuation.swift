import Backup
import JSON

/// A run of the function that goes on in the next invocation (the state machine's loop): the
/// pool whose backup stopped at a checkpoint, the lease it still holds, the pools after it, and
/// what the run did so far, which the last invocation's answer reports whole. A few hundred
/// bytes a pool, far inside the 256 KB a Step Functions state may hold.
public struct RunContinuation: Sendable, Equatable {
    var backup: BackupContinuation
    var lease: HeldLease
    var poolsLeft: [String]
    var soFar: RunSoFar
    /// How many invocations this run has taken, the one that returned this included.
    var invocations: Int

    /// The lease a paused backup keeps, as `PoolLeases` needs it to extend or release it.
    struct HeldLease: Sendable, Equatable {
        let token: String
        let requestID: String
        let since: String
    }

    var json: JSON {
        [
            "backup": backup.json,
            "lease": ["token": .string(lease.token), "request_id": .string(lease.requestID), "since": .string(lease.since)],
            "pools_left": .array(poolsLeft.map(JSON.string)),
            "so_far": soFar.json,
            "invocations": .number(invocations),
        ]
    }

    init(backup: BackupContinuation, lease: HeldLease, poolsLeft: [String], soFar: RunSoFar, invocations: Int) {
        self.backup = backup
        self.lease = lease
        self.poolsLeft = poolsLeft
        self.soFar = soFar
        self.invocations = invocations
    }

    init?(json: JSON) {
        guard let backup = json["backup"].flatMap(BackupContinuation.init(json:)), let lease = json["lease"],
              let token = lease["token"]?.string, let requestID = lease["request_id"]?.string, let since = lease["since"]?.string,
              let left = json["pools_left"]?.array, let soFar = json["so_far"].flatMap(RunSoFar.init(json:)),
              let invocations = json["invocations"]?.int else { return nil }
        let pools = left.compactMap(\.string)
        guard pools.count == left.count, pools.allSatisfy(PoolID.isValid) else { return nil }
        self.init(backup: backup, lease: HeldLease(token: token, requestID: requestID, since: since), poolsLeft: pools,
                  soFar: soFar, invocations: invocations)
    }
}

/// What a run has done with its pools so far: its answer's `backups` and `skipped`, and the
/// failures its error names.
struct RunSoFar: Sendable, Equatable {
    struct Stored: Sendable, Equatable {
        let poolID: String
        let key: String
        let users: Int

        init(_ record: BackupRecord) {
            poolID = record.userPoolID
            key = record.s3Key
            users = record.userCount
        }

        init(poolID: String, key: String, users: Int) {
            self.poolID = poolID
            self.key = key
            self.users = users
        }
    }

    var backups: [Stored] = []
    var skipped: [Skipped] = []
    var failures: [String] = []

    struct Skipped: Sendable, Equatable {
        let poolID: String
        let reason: String
    }

    var json: JSON {
        [
            "backups": .array(backups.map { ["user_pool_id": .string($0.poolID), "s3_key": .string($0.key), "user_count": .number($0.users)] }),
            "skipped": .array(skipped.map { ["user_pool_id": .string($0.poolID), "reason": .string($0.reason)] }),
            "failures": .array(failures.map(JSON.string)),
        ]
    }

    init(skipped: [Skipped] = []) { self.skipped = skipped }

    init?(json: JSON) {
        guard let backups = json["backups"]?.array, let skipped = json["skipped"]?.array, let failures = json["failures"]?.array else { return nil }
        for backup in backups {
            guard let poolID = backup["user_pool_id"]?.string, let key = backup["s3_key"]?.string, let users = backup["user_count"]?.int else { return nil }
            self.backups.append(Stored(poolID: poolID, key: key, users: users))
        }
        for skip in skipped {
            guard let poolID = skip["user_pool_id"]?.string, let reason = skip["reason"]?.string else { return nil }
            self.skipped.append(Skipped(poolID: poolID, reason: reason))
        }
        self.failures = failures.compactMap(\.string)
        guard self.failures.count == failures.count else { return nil }
    }
}
