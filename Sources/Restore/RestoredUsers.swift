import AWSServices
import Support
import Synchronization

/// The users a restore has put in the target so far, written to the journal (`MappedUsers`) as
/// they are restored, in the backup's order: users finish out of order, and wait here only until
/// those before them have. What the journal records when the run ends, however it ends
/// (finished, failed or interrupted); and how many of them must enrol their authenticator app again.
final class RestoredUsers: Sendable {
    enum Entry: Sendable {
        case user(RestoreMapping.User)
        /// Signed in only through an external provider: Cognito recreates it itself.
        case federated(RestoreMapping.User)
        /// Not restored (refused, or it failed): nothing to record.
        case none
    }

    let mapped: MappedUsers
    /// The index of the next user to write, and entries after it that finished first.
    private let pending = Mutex<(next: Int, early: [Int: Entry])>((0, [:]))
    private let reEnrolling = Atomic<Int>(0)

    init(into mapped: MappedUsers) { self.mapped = mapped }

    func record(_ entry: Entry, at index: Int) throws(FileError) {
        try pending.withLock { (pending) throws(FileError) in
            pending.early[index] = entry
            while let entry = pending.early.removeValue(forKey: pending.next) {
                try write(entry)
                pending.next += 1
            }
        }
    }

    /// Writes what still waits for users that never finished (the run stopped).
    func finish() throws(FileError) {
        try pending.withLock { (pending) throws(FileError) in
            for index in pending.early.keys.sorted() { try write(pending.early[index]!) }
            pending.early = [:]
        }
    }

    private func write(_ entry: Entry) throws(FileError) {
        switch entry {
        case .user(let user): try mapped.append(user)
        case .federated(let user): try mapped.append(user, federated: true)
        case .none: break
        }
    }

    /// A restored user who had an authenticator app, whose secret Cognito never exports.
    func recordReEnrolment() { reEnrolling.add(1, ordering: .relaxed) }
    var reEnrolments: Int { reEnrolling.load(ordering: .relaxed) }
}
