import Backup
import Compare
import JSON
import Restore

/// What a plan into an existing pool shows besides its counts: each difference between the pool
/// and the backup in `diff`'s terms (`diff pool:<target> <backup>`, read the same way), so that a
/// person sees which users, clients and settings a repair would touch before anything is
/// written. `+` the restore brings back, `~` only `--revert` puts back, `-` only `--exact` removes.
/// Only the kinds the selection restores are shown; the first `shown` are kept, with the counts.
struct PlanDifferences {
    let changes: [Change]
    let summary: PoolComparison.Summary
    static let shown = 100

    static func read(pool poolID: String, backup: BackupContents, selection: RestoreSelection, aws: AWSOptions) async throws -> PlanDifferences {
        var kept: [Change] = []
        var counted = PoolComparison.Summary()
        _ = try await PoolComparison(old: .pool(id: poolID, cognito: try aws.cognito()), new: .backup(backup)).run { change in
            guard selection.coversAll(change.kind.restored) else { return }
            counted.count(change)
            if kept.count < shown { kept.append(change) }
        }
        return PlanDifferences(changes: kept, summary: counted)
    }

    var total: Int {
        Change.Kind.allCases.reduce(0) { sum, kind in
            sum + [Change.Action.added, .removed, .changed].reduce(0) { $0 + summary.count(kind, $1) }
        }
    }

    var text: String {
        guard !changes.isEmpty else { return "Differences from the backup: none" }
        var lines = ["Differences from the backup (+ the restore brings back, ~ only --revert puts back, - only --exact removes):"]
        lines += changes.map { "  " + $0.text }
        if total > changes.count { lines.append("  … and \(total - changes.count) more: `diff` lists every one") }
        return lines.joined(separator: "\n")
    }

    var json: JSON {
        ["changes": .array(changes.map(\.json)), "more": .number(max(0, total - changes.count)), "summary": summary.json]
    }
}

extension Change.Kind {
    /// The kind of `restore --only` that restores this kind of item.
    var restored: RestoreSelection.Kind {
        switch self {
        case .settings, .schema, .mfaConfiguration: .settings
        case .domain: .domain
        case .resourceServers: .resourceServers
        case .identityProviders: .providers
        case .groups: .groups
        case .appClients: .clients
        case .uiCustomization: .ui
        case .riskConfiguration: .risk
        case .managedLoginBranding, .terms: .branding
        case .logDelivery: .logs
        case .users: .users
        case .memberships: .memberships
        }
    }
}
