import JSON
import Synchronization

/// Cognito as seen through the bill: passes every call on and remembers, by name, each distinct
/// user a billed action (`CognitoTier.billedActions`) was sent for, answered or not — a call
/// whose answer was lost may still have made its user active.
public final class BilledUsers: CognitoAPI {
    private let inner: any CognitoAPI
    private let users = Mutex<Set<String>>([])

    public init(_ inner: any CognitoAPI) { self.inner = inner }

    public func call(_ operation: String, _ input: JSON) async throws -> JSON {
        note(operation, input)
        return try await inner.call(operation, input)
    }

    public func callRaw(_ operation: String, _ input: JSON) async throws -> RawJSONObject {
        note(operation, input)
        return try await inner.callRaw(operation, input)
    }

    /// Distinct users billed so far.
    public var count: Int { users.withLock { $0.count } }

    private func note(_ operation: String, _ input: JSON) {
        guard CognitoTier.billedActions.contains(operation),
              let username = input["Username"]?.string ?? input["DestinationUser"]?["ProviderAttributeValue"]?.string else { return }
        users.withLock { _ = $0.insert(username) }
    }
}
