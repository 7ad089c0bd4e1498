import AWSServices
import Backup
import JSON
import Support

/// What a restore would do, found by running it against `PlannedCognito`: per component what it
/// would create, apply and skip, the calls it would make by quota category and how long they
/// take at the configured rates, the users it would bill, its warnings, and what would stop it.
public struct RestorePlan: Sendable {
    public let target: String
    public let counts: [(component: String, counts: RestoreReport.Counts)]
    /// What `--exact` would remove, per component: how many and the first names.
    public let removals: [(component: String, count: Int, names: [String])]
    public let warnings: [String]
    /// Items Cognito would refuse, as far as a plan can tell (it assumes every create accepted).
    public let failures: [String]
    /// Why the restore would not start or would stop: an incompatible target, a journal of
    /// another restore, a read the restore needs and may not make.
    public let refusal: String?
    public let callsByCategory: [(category: CognitoQuotaCategory, calls: Int, rate: Double)]
    public let writes: Int
    /// The writes by operation, so that a plan shows what it would change as well as how much.
    public let writesByOperation: [(operation: String, count: Int)]
    public let billedUsers: Int
    public let tier: CognitoTier
    /// Users the import jobs would take: their time is the jobs', not the calls'.
    public let importedUsers: Int

    /// Users a second an import job takes. AWS publishes no rate; its retired reference
    /// solution imported 90,000 users in 48.18 minutes beyond its first 10,000 (31.1/s), and
    /// its time barely changed when its API rate was halved: the jobs' own pace, rounded down.
    public static let assumedImportRate = 30.0

    public var importSeconds: Double { Double(importedUsers) / Self.assumedImportRate }

    public var wouldGoThrough: Bool { refusal == nil && failures.isEmpty }

    /// Calls of one category wait on its own rate; categories run side by side, so the slowest
    /// category bounds the restore from below and their sum from above. Import jobs run before
    /// the users' other calls, and add their time to both.
    public var seconds: (atLeast: Double, atMost: Double) {
        let each = callsByCategory.map { Double($0.calls) / $0.rate }
        return ((each.max() ?? 0) + importSeconds, each.reduce(0, +) + importSeconds)
    }

    public var json: JSON {
        [
            "plan": true,
            "target": .string(target),
            "would_go_through": .bool(wouldGoThrough),
            "refusal": refusal.map(JSON.string) ?? .null,
            "removals": .object(removals.map { entry in
                (entry.component, ["count": .number(entry.count), "names": .array(entry.names.map(JSON.string))])
            }),
            "counts": RestoreReport.json(counts),
            "calls": .object(callsByCategory.map { entry in
                (entry.category.rawValue, ["calls": .number(entry.calls), "rate": .number(entry.rate),
                                           "seconds": .number((Double(entry.calls) / entry.rate * 10).rounded() / 10)])
            }),
            "writes": .number(writes),
            "writes_by_operation": .object(writesByOperation.map { ($0.operation, .number($0.count)) }),
            "import_jobs": ["users": .number(importedUsers), "assumed_users_per_second": .number(Self.assumedImportRate),
                            "seconds": .number(importSeconds.rounded(.up))],
            "recovery_seconds": ["at_least": .number(seconds.atLeast.rounded(.up)), "at_most": .number(seconds.atMost.rounded(.up))],
            "billed_users": .number(billedUsers),
            "tier": .string(tier.rawValue),
            "billed_cost_usd": .number(tier.costInCents(users: billedUsers)),
            "warnings": .array(warnings.map(JSON.string)),
            "failures": .array(failures.map(JSON.string)),
        ]
    }

    public var text: String {
        var lines = ["Plan: restore into \(target) (nothing is written)"]
        let width = max(20, (counts.map(\.component.count).max() ?? 0) + 1)
        if !removals.isEmpty {
            // First: what a person must agree to lose, before what is put back.
            lines.append("Would remove (the backup lacks them):")
            for removal in removals {
                let more = removal.count > removal.names.count ? ", … and \(removal.count - removal.names.count) more" : ""
                lines.append("  \(removal.component.padding(to: width)) \(removal.count): \(removal.names.joined(separator: ", "))\(more)")
            }
        }
        for (component, counts) in counts {
            var parts: [String] = []
            if counts.created > 0 { parts.append("\(counts.created) to create") }
            if counts.applied > 0 { parts.append("\(counts.applied) to apply") }
            if counts.removed > 0 { parts.append("\(counts.removed) to remove") }
            if counts.skipped > 0 { parts.append("\(counts.skipped) already there, skipped") }
            if counts.failed > 0 { parts.append("\(counts.failed) refused") }
            lines.append("  \(component.padding(to: width)) \(parts.joined(separator: ", "))")
        }
        lines.append("Cognito calls, at the configured rates:")
        for entry in callsByCategory {
            lines.append("  \(entry.category.rawValue.padding(to: width)) \(entry.calls) calls at \(entry.rate)/s: \(Self.duration(Double(entry.calls) / entry.rate))")
        }
        if !writesByOperation.isEmpty {
            lines.append("Writes: " + writesByOperation.map { "\($0.operation) \($0.count)" }.joined(separator: ", "))
        }
        if importedUsers > 0 {
            lines.append("  import jobs: \(importedUsers) users at about \(Int(Self.assumedImportRate))/s (AWS publishes no rate; "
                + "its reference solution's pace): \(Self.duration(importSeconds))")
        }
        lines.append("  recovery time: \(Self.duration(seconds.atLeast)) to \(Self.duration(seconds.atMost))")
        lines.append("Billed: \(tier.describe(users: billedUsers)), before the account's free tier")
        if !warnings.isEmpty {
            lines.append("Notes:")
            lines += warnings.map { "  - \($0)" }
        }
        if !failures.isEmpty {
            lines.append("Would not restore (\(failures.count)):")
            lines += failures.prefix(20).map { "  - \($0)" }
        }
        lines.append(refusal.map { "The restore would stop: \($0)" }
            ?? (failures.isEmpty ? "The restore would go through." : "The restore would finish with \(failures.count) items not restored."))
        return lines.joined(separator: "\n")
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.up))
        return whole < 120 ? "\(whole)s" : whole < 7200 ? "\(whole / 60) min" : "\(whole / 3600) h \(whole % 3600 / 60) min"
    }
}

extension RestoreJob {
    /// The restore this job would make, made against `PlannedCognito`: every read the restore
    /// needs is made, nothing is written to Cognito or to the mapping store.
    public func plan(quotas: CognitoQuotas) async -> RestorePlan {
        let region: String
        switch options.target {
        case .existingPool(let id): region = String(id.prefix { $0 != "_" })
        case .newPool: region = String(backup.sourcePoolID.prefix { $0 != "_" })
        }
        let planned = PlannedCognito(target: cognito, region: region)
        let billed = BilledUsers()
        let counted = billed.watching(planned)
        var refusal: String?
        var report = RestoreReport()
        var target: String
        switch options.target {
        case .existingPool(let id): target = id
        case .newPool(let name): target = "a new pool \"\(name ?? backup.poolConfig["Name"]?.string ?? "restored-\(backup.sourcePoolID)")\""
        }
        do {
            let journal = MemoryJournal(try await mappings.load())
            var options = options
            if case .importJobs = options.usersVia { options.usersVia = .rehearsedImportJobs }
            let rehearsal = RestoreJob(cognito: counted, creating: counted, backup: backup, options: options, mappings: journal, logo: logo)
            let result = try await rehearsal.run()
            report = result.report
            if result.resumed, let id = result.mapping.targetPoolID { target = "\(id), resuming an earlier run" }
        } catch {
            refusal = "\(error)"
        }
        var tier = CognitoTier(pool: backup.poolConfig)
        if case .existingPool(let id) = options.target,
           let described = try? await cognito.call("DescribeUserPool", ["UserPoolId": .string(id)]) {
            // A target that cannot be described was already the refusal above.
            tier = CognitoTier(pool: described["UserPool"] ?? .null)
        }
        var byCategory: [CognitoQuotaCategory: Int] = [:]
        for (operation, calls) in planned.calls { byCategory[CognitoQuotaCategory.of(operation), default: 0] += calls }
        return RestorePlan(target: target, counts: report.counts, removals: report.removals, warnings: report.warnings, failures: report.failures,
                           refusal: refusal,
                           callsByCategory: CognitoQuotaCategory.allCases.compactMap { category in
                               byCategory[category].map { (category, $0, quotas.limiter(for: category).configuredRate) }
                           },
                           writes: planned.writes.values.reduce(0, +),
                           writesByOperation: planned.writes.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, billedUsers: billed.count, tier: tier,
                           importedUsers: report.counts("users_imported").created)
    }
}
