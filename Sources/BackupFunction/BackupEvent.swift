import Backup
import JSON
import LambdaRuntime
import Restore
import Support

/// What an event asks the function to back up.
public enum BackupEvent: Equatable, Sendable {
    /// The hourly schedule, or a manual invoke with an empty payload: every configured pool.
    case allConfiguredPools(trigger: String)
    /// A manual invoke naming pools: `{"user_pool_ids": [...]}`.
    case pools([String])
    /// CloudTrail's AdminCreateUser: the pool a user was just created in.
    case userCreated(poolID: String)
    /// A restore drill of each pool's newest backup: `{"drill": {"user_pool_ids": [...]}}`, or
    /// `{"drill": {}}` for every configured pool (the drill schedule's event); `"users": N` or
    /// `"all"` says how many users each restores (1,000 by default: each one is billed).
    case drill(poolIDs: [String]?, users: DrillUsers = .sample(DrillUsers.defaultSample))
    /// The state machine's first invocation: `{"resumable": true}` (every configured pool) or
    /// `{"resumable": true, "user_pool_ids": [...]}`. A backup that does not finish before the
    /// deadline stops at a checkpoint, and the answer says how to go on. An execution an
    /// AdminCreateUser event started adds `"unless_backed_up_since": "<ISO 8601>"` (the start of
    /// the event's `BACKUP_MIN_INTERVAL_SECONDS` window): a pool backed up since then is skipped,
    /// so two executions of one burst that straddles a window's end make one backup.
    case resumable(poolIDs: [String]?, unlessBackedUpSince: UTCTime? = nil)
    /// The state machine's next invocations: `{"continue": {...}}`, as the last answer gave it.
    case resume(RunContinuation)

    public static func parse(_ body: [UInt8]) throws(InvocationError) -> BackupEvent {
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: " \t\r\n")
        if text.isEmpty { return .allConfiguredPools(trigger: "manual") }
        let event: JSON
        do { event = try JSON(parsing: text) } catch {
            throw InvocationError(type: "InvalidEvent", message: "the event is not JSON: \(error)")
        }
        if event.isNull || event.object?.isEmpty == true { return .allConfiguredPools(trigger: "manual") }
        if let drill = event["drill"] {
            guard drill.object != nil else { throw InvocationError(type: "InvalidEvent", message: "drill must be an object") }
            var users = DrillUsers.sample(DrillUsers.defaultSample)
            if let asked = drill["users"] {
                guard let parsed = asked.int.map({ DrillUsers(String($0)) }) ?? asked.string.map(DrillUsers.init), let parsed else {
                    throw InvocationError(type: "InvalidEvent", message: "drill.users must be a number of users above 0 or \"all\"")
                }
                users = parsed
            }
            return .drill(poolIDs: try drill["user_pool_ids"].map(poolIDs), users: users)
        }
        if let run = event["continue"] {
            guard let continuation = RunContinuation(json: run) else {
                throw InvocationError(type: "InvalidEvent", message: "continue must be what the last answer's continue was")
            }
            return .resume(continuation)
        }
        if let resumable = event["resumable"] {
            guard resumable.bool == true else { throw InvocationError(type: "InvalidEvent", message: "resumable must be true") }
            var since: UTCTime?
            if let given = event["unless_backed_up_since"] {
                guard let time = given.string.flatMap(UTCTime.init(iso8601:)) else {
                    throw InvocationError(type: "InvalidEvent", message: "unless_backed_up_since must be an ISO 8601 time")
                }
                since = time
            }
            return .resumable(poolIDs: try event["user_pool_ids"].map(poolIDs), unlessBackedUpSince: since)
        }
        if let ids = event["user_pool_ids"] { return .pools(try poolIDs(ids)) }
        switch (event["source"]?.string, event["detail-type"]?.string) {
        case ("aws.events", "Scheduled Event"):
            return .allConfiguredPools(trigger: "schedule")
        case (_, "AWS API Call via CloudTrail"):
            guard event["detail"]?["eventName"]?.string == "AdminCreateUser" else {
                throw InvocationError(type: "InvalidEvent", message: "CloudTrail event \(event["detail"]?["eventName"]?.string ?? "without eventName") is not AdminCreateUser")
            }
            guard let pool = event["detail"]?["requestParameters"]?["userPoolId"]?.string, PoolID.isValid(pool) else {
                throw InvocationError(type: "InvalidEvent", message: "AdminCreateUser event has no detail.requestParameters.userPoolId")
            }
            return .userCreated(poolID: pool)
        default:
            throw InvocationError(type: "InvalidEvent", message: "unrecognised event: expected a schedule, an AdminCreateUser CloudTrail event, {\"user_pool_ids\": [...]}, {\"drill\": {...}}, {\"resumable\": true}, {\"continue\": {...}} or an empty payload")
        }
    }

    private static func poolIDs(_ ids: JSON) throws(InvocationError) -> [String] {
        guard let list = ids.array, !list.isEmpty, list.allSatisfy({ $0.string.map(PoolID.isValid) == true }) else {
            throw InvocationError(type: "InvalidEvent", message: "user_pool_ids must be a non-empty list of user pool ids")
        }
        return list.compactMap(\.string)
    }
}
