import JSON
import Synchronization

/// What a restore did, component by component, collected from many tasks at once.
public final class RestoreReport: Sendable {
    /// `applied`: a setting written whether or not the target already had it (Cognito's Set
    /// calls replace, so writing again is harmless and cheaper than reading first).
    /// `removed`: something the backup lacks taken out of the target (`restore --exact`).
    public enum Outcome: Sendable { case created, applied, skipped, removed, failed }

    public struct Counts: Sendable, Equatable {
        public var created = 0
        public var applied = 0
        public var skipped = 0
        public var removed = 0
        public var failed = 0
    }

    private struct State {
        var order: [String] = []
        var counts: [String: Counts] = [:]
        var warnings: [String] = []
        var failures: [String] = []
        /// The first `removedNamesKept` names removed, per component, for a plan to show.
        var removedNames: [String: [String]] = [:]
        var removedOrder: [String] = []
    }

    private let state = Mutex(State())

    public init() {}

    func record(_ component: String, _ outcome: Outcome) {
        state.withLock { state in
            if state.counts[component] == nil { state.order.append(component) }
            switch outcome {
            case .created: state.counts[component, default: Counts()].created += 1
            case .applied: state.counts[component, default: Counts()].applied += 1
            case .skipped: state.counts[component, default: Counts()].skipped += 1
            case .removed: state.counts[component, default: Counts()].removed += 1
            case .failed: state.counts[component, default: Counts()].failed += 1
            }
        }
    }

    /// Something restored only in part, or left for a person to do; the restore still succeeds.
    func warn(_ text: String) { state.withLock { $0.warnings.append(text) } }

    /// One item Cognito refused; the restore goes on with the rest and fails at the end.
    func fail(_ component: String, _ text: String) {
        record(component, .failed)
        state.withLock { $0.failures.append(text) }
    }

    public var counts: [(component: String, counts: Counts)] {
        state.withLock { state in state.order.map { ($0, state.counts[$0]!) } }
    }
    public func counts(_ component: String) -> Counts { state.withLock { $0.counts[component] ?? Counts() } }
    public var warnings: [String] { state.withLock { $0.warnings } }

    /// `counts` as the restore's and the plan's `--json` print them.
    static func json(_ counts: [(component: String, counts: Counts)]) -> JSON {
        .object(counts.map { entry in
            (entry.component, ["created": .number(entry.counts.created), "applied": .number(entry.counts.applied),
                               "skipped": .number(entry.counts.skipped), "removed": .number(entry.counts.removed),
                               "failed": .number(entry.counts.failed)])
        })
    }

    static let removedNamesKept = 20

    /// Components something was removed from, with how many and the first names, in the order
    /// the restore removed them.
    public var removals: [(component: String, count: Int, names: [String])] {
        state.withLock { state in
            state.removedOrder.map { ($0, state.counts[$0]?.removed ?? 0, (state.removedNames[$0] ?? []).sorted()) }
        }
    }

    /// Runs one removal; counted as removed, and named, if it does not throw.
    func attemptRemoval(_ component: String, name: String, _ body: () async throws(RestoreFailure) -> Void) async throws(RestoreFailure) {
        try await attempt(component) { () throws(RestoreFailure) in
            try await body()
            state.withLock { state in
                if state.removedNames[component] == nil { state.removedOrder.append(component) }
                if state.removedNames[component, default: []].count < Self.removedNamesKept { state.removedNames[component, default: []].append(name) }
            }
            return .removed
        }
    }
    public var failures: [String] { state.withLock { $0.failures } }

    /// AWS error codes that refuse one item for what it says; any other error (access denied, a
    /// missing pool, throttling that outlasted every retry) stops the restore, to be resumed.
    static let itemRefusals: Set<String> = [
        "InvalidParameterException", "InvalidOAuthFlowException", "ScopeDoesNotExistException", "DuplicateProviderException",
        "UnsupportedIdentityProviderException", "InvalidSmsRoleAccessPolicyException", "InvalidSmsRoleTrustRelationshipException",
        "InvalidEmailRoleAccessPolicyException", "FeatureUnavailableInTierException", "UserPoolAddOnNotEnabledException",
        "AliasExistsException", "UsernameExistsException", "UserLambdaValidationException", "UnexpectedLambdaException",
        "InvalidLambdaResponseException", "InvalidPasswordException", "CodeDeliveryFailureException", "GroupExistsException",
        "UserNotFoundException", "InvalidUserPoolConfigurationException",
    ]

    /// Runs one item's calls; an item refusal is counted and told, anything else is thrown.
    func attempt(_ component: String, _ body: () async throws(RestoreFailure) -> Outcome) async throws(RestoreFailure) {
        do {
            record(component, try await body())
        } catch let failure {
            guard let code = failure.awsError?.code, Self.itemRefusals.contains(code) else { throw failure }
            fail(component, failure.description)
        }
    }
}
