import JSON
import Support

/// The users of the users section who were created shortly before the backup began, or during it:
/// the only ones a group membership read afterwards can name without the users section holding
/// them. A user older than that was in the pool through the whole user read, so ListUsers
/// listed them; checking only the recent ones keeps memory flat however large the pool.
struct RecentUsers: Sendable {
    /// Cognito's clock (`UserCreateDate`) against ours, and the ListUsers index catching up with a
    /// new user: anyone created this long before the start is checked too.
    static let margin: Double = 15 * 60
    let cutoff: Double
    /// By the names' bytes: Swift's String equality would take `José` in NFC and in NFD for one.
    private var names: Set<[UInt8]> = []

    init(backupStarted: UTCTime) {
        cutoff = Double(backupStarted.millisecondsSinceEpoch) / 1000 - Self.margin
    }

    /// Whether a user created at `created` (seconds since the epoch, as Cognito says) must be
    /// checked; a user without a date always is.
    func isRecent(_ created: Double?) -> Bool { created.map { $0 >= cutoff } ?? true }

    mutating func insert(_ username: String) { names.insert(Array(username.utf8)) }

    /// Whether a member of a group, as ListUsersInGroup describes them, is missing from the users section.
    func lacks(_ member: JSON) -> Bool {
        guard let username = member["Username"]?.string else { return false }
        return isRecent(Self.seconds(member["UserCreateDate"])) && !names.contains(Array(username.utf8))
    }

    /// Cognito's dates are seconds since the epoch, as JSON numbers.
    static func seconds(_ value: JSON?) -> Double? {
        guard case .number(let text)? = value else { return nil }
        return Double(text)
    }
}
