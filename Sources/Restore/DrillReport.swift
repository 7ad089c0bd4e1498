import AWSServices
import Backup
import JSON
import Support

/// What a drill found: each step with how long it took, the verify checklist, and what of the
/// backup was left out. It passes only when every step did.
public struct DrillReport: Sendable {
    public enum Step: String, Sendable, CaseIterable {
        /// The newest catalogued backup, read and compared with its row and its manifest.
        case integrity
        /// Into the scratch pool.
        case restore
        /// Every check of `verify`, the scratch pool against the backup.
        case verify
        /// The scratch pool deleted (or kept, with `--keep`).
        case cleanup
    }

    public struct StepResult: Sendable {
        public let step: Step
        public let passed: Bool
        public let milliseconds: Int
        public let detail: String
    }

    public let poolID: String
    public internal(set) var record: BackupRecord?
    /// Where the backup was read: `s3://bucket/key`.
    public internal(set) var source: String?
    public internal(set) var scratchPoolName: String?
    public internal(set) var scratchPoolID: String?
    public internal(set) var kept = false
    public internal(set) var steps: [StepResult] = []
    public internal(set) var checks: [VerifyCheck] = []
    public internal(set) var notDrilled: [String] = []
    /// The restore's warnings and the items it could not restore.
    public internal(set) var warnings: [String] = []
    public internal(set) var failures: [String] = []
    /// The users restored and verified, of the users in the backup (a sample unless `--users all`).
    public internal(set) var usersChecked = 0
    public internal(set) var usersInBackup = 0
    /// Groups with members of which none was drawn: a sample smaller than the pool's groups.
    public internal(set) var groupsNotRepresented = 0
    /// Distinct users any billed call of the drill named, and the scratch pool's plan that prices them.
    public internal(set) var billedUsers = 0
    /// How the users went into the scratch pool: `create` (AdminCreateUser, each one billed) or
    /// `import` (user import jobs, with AdminCreateUser for the users a job could not take).
    public internal(set) var usersVia = "create"
    /// Users an import job put in the scratch pool: not billed for that, only for what the
    /// restore did to them afterwards (disabled, added to a group, given MFA preferences).
    public internal(set) var usersImported = 0
    public internal(set) var tier: CognitoTier = .essentials

    public init(poolID: String) { self.poolID = poolID }

    /// Every step ran and passed: a drill stopped early is a failed drill.
    public var passed: Bool {
        Step.allCases.allSatisfy { step in steps.contains { $0.step == step && $0.passed } }
    }

    /// How long getting a verified pool back from this backup took: integrity, restore and
    /// verify (the cleanup is the drill's own cost).
    public var recoveryMilliseconds: Int {
        steps.filter { $0.step != .cleanup }.map(\.milliseconds).reduce(0, +)
    }

    public var totalMilliseconds: Int { steps.map(\.milliseconds).reduce(0, +) }

    /// The first failed step, in words, for an error message.
    public var failure: String? {
        if let failed = steps.first(where: { !$0.passed }) { return "\(failed.step.rawValue): \(failed.detail)" }
        return passed ? nil : "stopped before \(Step.allCases.first { step in !steps.contains { $0.step == step } }?.rawValue ?? "the end")"
    }

    mutating func finish(_ step: Step, passed: Bool, since start: ContinuousClock.Instant, _ detail: String) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        steps.append(StepResult(step: step, passed: passed, milliseconds: milliseconds, detail: detail))
    }

    public var json: JSON {
        [
            "user_pool_id": .string(poolID),
            "passed": .bool(passed),
            "backup": record?.json ?? .null,
            "source": source.map(JSON.string) ?? .null,
            "scratch_pool_name": scratchPoolName.map(JSON.string) ?? .null,
            "scratch_pool_id": scratchPoolID.map(JSON.string) ?? .null,
            "kept": .bool(kept),
            "steps": .array(steps.map {
                ["step": .string($0.step.rawValue), "passed": .bool($0.passed), "duration_ms": .number($0.milliseconds),
                 "detail": .string($0.detail)]
            }),
            "recovery_time_ms": .number(recoveryMilliseconds),
            "duration_ms": .number(totalMilliseconds),
            "checks": .array(checks.map(\.json)),
            "not_drilled": .array(notDrilled.map(JSON.string)),
            "warnings": .array(warnings.map(JSON.string)),
            "failures": .array(failures.map(JSON.string)),
            "users_checked": .number(usersChecked),
            "users_in_backup": .number(usersInBackup),
            "groups_not_represented": .number(groupsNotRepresented),
            "billed_users": .number(billedUsers),
            "users_via": .string(usersVia),
            "users_imported": .number(usersImported),
            "tier": .string(tier.rawValue),
            "billed_cost_usd": .number(tier.costInCents(users: billedUsers)),
        ]
    }

    /// The report as a person reads it: a verdict, one line per step, the failed checks.
    public var text: String {
        var lines = ["Drill of \(poolID): \(passed ? "PASSED" : "FAILED")"]
        if let source, let record {
            lines.append("  backup    \(source) (\(record.backupDate), \(record.userCount) users, \(record.sizeBytes) bytes)")
        }
        for step in steps {
            lines.append("  \(step.passed ? "PASS" : "FAIL")  \(step.step.rawValue.padding(to: 9)) \(Self.seconds(step.milliseconds).padding(to: 7)) \(step.detail)")
        }
        for check in checks where !check.passed {
            lines.append("        FAIL \(check.name): \(check.detail)")
            lines += check.differences.map { "             \($0)" }
        }
        lines += failures.prefix(10).map { "        not restored: \($0)" }
        if failures.count > 10 { lines.append("        … and \(failures.count - 10) more (see --json)") }
        lines.append("  recovery time (integrity + restore + verify): \(Self.seconds(recoveryMilliseconds))")
        lines.append("  users     \(usersChecked) of \(usersInBackup) restored and verified"
            + (usersChecked < usersInBackup ? " (a sample: every user and membership of the file was read and parsed)" : "")
            + (groupsNotRepresented > 0 ? "; \(groupsNotRepresented) groups had no member in the sample" : ""))
        lines.append("  billed    \(tier.describe(users: billedUsers)), before the account's free tier"
            + (usersVia == "import" ? "; \(usersImported) users were imported, billed only if then disabled, grouped or given MFA preferences" : ""))
        if !notDrilled.isEmpty {
            lines.append("  not drilled:")
            lines += notDrilled.map { "    - \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// Milliseconds as seconds to a tenth: `4.1s`.
    static func seconds(_ milliseconds: Int) -> String { "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s" }
}
