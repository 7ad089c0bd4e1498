import Support

/// Whether one pool is protected under a policy, from what the table and the bucket say about it:
/// the judgement alone, with no AWS in it, so each rule is tested by itself.
public struct PoolCompliance: Sendable, Equatable {
    /// What is known about the pool.
    public struct Facts: Sendable, Equatable {
        public var poolID: String
        /// When its newest backup started; nil when it has none.
        public var newestBackup: UTCTime?
        /// The newest backup object's `x-amz-replication-status`.
        public var replicationStatus: String?
        public var newestDrill: Drill?
        /// Why the newest drill is not known (no table to read it from, or the read failed); nil
        /// when it was read, drill or none.
        public var drillUnknown: String?

        public struct Drill: Sendable, Equatable {
            public var finishedAt: UTCTime
            public var passed: Bool
            public var failure: String?

            public init(finishedAt: UTCTime, passed: Bool, failure: String?) {
                self.finishedAt = finishedAt
                self.passed = passed
                self.failure = failure
            }
        }

        public init(poolID: String, newestBackup: UTCTime?, replicationStatus: String? = nil, newestDrill: Drill? = nil,
                    drillUnknown: String? = nil) {
            self.poolID = poolID
            self.newestBackup = newestBackup
            self.replicationStatus = replicationStatus
            self.newestDrill = newestDrill
            self.drillUnknown = drillUnknown
        }
    }

    /// Why a pool is out of policy.
    public enum Breach: Sendable, Equatable, CustomStringConvertible {
        case noBackup
        case backupTooOld(ageSeconds: Int, rpoSeconds: Int)
        case replicationFailed
        case drillFailed(String?)
        case neverDrilled(maxAgeSeconds: Int)
        case drillOverdue(ageSeconds: Int, maxAgeSeconds: Int)
        /// Drills are judged, but the record could not be read: not proven, which is not overdue.
        case drillUnknown(reason: String, maxAgeSeconds: Int)

        public var code: String {
            switch self {
            case .noBackup: "no-backup"
            case .backupTooOld: "backup-too-old"
            case .replicationFailed: "replication-failed"
            case .drillFailed: "drill-failed"
            case .neverDrilled, .drillOverdue: "drill-overdue"
            case .drillUnknown: "drill-unknown"
            }
        }

        public var description: String {
            switch self {
            case .noBackup: "no backup"
            case let .backupTooOld(age, rpo):
                "newest backup is \(ProtectionPolicy.age(age)) old, older than the RPO of \(ProtectionPolicy.age(rpo))"
            case .replicationFailed: "S3 failed to replicate the newest backup (FAILED)"
            case .drillFailed(let failure): "newest drill failed" + (failure.map { ": \($0)" } ?? "")
            case .neverDrilled(let max): "never drilled (drills must be younger than \(ProtectionPolicy.age(max)))"
            case let .drillOverdue(age, max):
                "newest drill is \(ProtectionPolicy.age(age)) old, older than \(ProtectionPolicy.age(max))"
            case let .drillUnknown(reason, max):
                "no drill within \(ProtectionPolicy.age(max)) can be shown: \(reason)"
            }
        }
    }

    public let poolID: String
    public let breaches: [Breach]

    public var compliant: Bool { breaches.isEmpty }

    public init(_ facts: Facts, policy: ProtectionPolicy, now: UTCTime) {
        poolID = facts.poolID
        var breaches: [Breach] = []
        if let backup = facts.newestBackup {
            let age = Self.seconds(from: backup, to: now)
            if age > policy.rpoSeconds { breaches.append(.backupTooOld(ageSeconds: age, rpoSeconds: policy.rpoSeconds)) }
        } else {
            breaches.append(.noBackup)
        }
        if facts.replicationStatus == "FAILED" { breaches.append(.replicationFailed) }
        // A failed drill is a finding whether or not drills are judged by age: someone ran it.
        if let drill = facts.newestDrill, !drill.passed { breaches.append(.drillFailed(drill.failure)) }
        if let max = policy.drillMaxAgeSeconds {
            if let drill = facts.newestDrill {
                let age = Self.seconds(from: drill.finishedAt, to: now)
                if age > max { breaches.append(.drillOverdue(ageSeconds: age, maxAgeSeconds: max)) }
            } else if let reason = facts.drillUnknown {
                breaches.append(.drillUnknown(reason: reason, maxAgeSeconds: max))
            } else {
                breaches.append(.neverDrilled(maxAgeSeconds: max))
            }
        }
        self.breaches = breaches
    }

    /// Whole seconds, never negative: a clock a little behind the backup's is not an age.
    static func seconds(from start: UTCTime, to now: UTCTime) -> Int {
        max(0, Int((now.millisecondsSinceEpoch - start.millisecondsSinceEpoch) / 1000))
    }
}
