import JSON
import Synchronization

/// Cognito as seen through the bill: the distinct users, by name, a billed action
/// (`CognitoTier.billedActions`) was sent for through any client `watching` made, answered or
/// not — a call whose answer was lost may still have made its user active.
public final class BilledUsers: Sendable {
    private let users = Mutex<Set<String>>([])

    public init() {}

    /// `cognito`, counting here what it is sent.
    public func watching(_ cognito: any CognitoAPI) -> any CognitoAPI { Watched(inner: cognito, tally: self) }

    /// Distinct users billed so far.
    public var count: Int { users.withLock { $0.count } }

    fileprivate func note(_ operation: String, _ input: JSON) {
        guard CognitoTier.billedActions.contains(operation),
              let username = input["Username"]?.string ?? input["DestinationUser"]?["ProviderAttributeValue"]?.string else { return }
        users.withLock { _ = $0.insert(username) }
    }

    private struct Watched: CognitoAPI {
        let inner: any CognitoAPI
        let tally: BilledUsers

        func call(_ operation: String, _ input: JSON) async throws -> JSON {
            tally.note(operation, input)
            return try await inner.call(operation, input)
        }

        func callRaw(_ operation: String, _ input: JSON) async throws -> RawJSONObject {
            tally.note(operation, input)
            return try await inner.callRaw(operation, input)
        }
    }
}
