import Synchronization

/// The users a restore has put in the target so far, in the backup's order: what the journal
/// records when the run ends, however it ends (finished, failed or interrupted); and how many of
/// them must enrol their authenticator app again.
final class RestoredUsers: Sendable {
    enum Entry: Sendable {
        case user(RestoreMapping.User)
        /// Signed in only through an external provider: Cognito recreates it itself.
        case federated(RestoreMapping.User)
    }

    private let entries = Mutex<[Int: Entry]>([:])
    private let reEnrolling = Atomic<Int>(0)

    func record(_ entry: Entry, at index: Int) { entries.withLock { $0[index] = entry } }

    /// A restored user who had an authenticator app, whose secret Cognito never exports.
    func recordReEnrolment() { reEnrolling.add(1, ordering: .relaxed) }
    var reEnrolments: Int { reEnrolling.load(ordering: .relaxed) }

    var users: [RestoreMapping.User] {
        sorted().compactMap { if case .user(let user) = $0 { return user } else { return nil } }
    }

    var federated: [RestoreMapping.User] {
        sorted().compactMap { if case .federated(let user) = $0 { return user } else { return nil } }
    }

    private func sorted() -> [Entry] { entries.withLock { $0.sorted { $0.key < $1.key }.map(\.value) } }
}
