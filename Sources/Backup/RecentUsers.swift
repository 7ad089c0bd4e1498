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
    private var nameBytes: Set<[UInt8]> = []

    /// `names`: those a checkpoint saved, when the backup goes on in another invocation.
    init(backupStarted: UTCTime, names: [String] = []) {
        cutoff = Double(backupStarted.millisecondsSinceEpoch) / 1000 - Self.margin
        for name in names { insert(name) }
    }

    /// The names held, for a checkpoint.
    var names: [String] { nameBytes.map { String(decoding: $0, as: UTF8.self) }.sorted() }

    /// Whether a user created at `created` (seconds since the epoch, as Cognito says) must be
    /// checked; a user without a date always is.
    func isRecent(_ created: Double?) -> Bool { created.map { $0 >= cutoff } ?? true }

    mutating func insert(_ username: String) { nameBytes.insert(Array(username.utf8)) }

    /// Whether a member of a group, as ListUsersInGroup describes them, is missing from the users section.
    func lacks(_ member: JSON) -> Bool {
        guard let username = member["Username"]?.string else { return false }
        return isRecent(Self.seconds(member["UserCreateDate"])) && !nameBytes.contains(Array(username.utf8))
    }

    /// Cognito's dates are seconds since the epoch, as JSON numbers.
    static func seconds(_ value: JSON?) -> Double? {
        guard case .number(let text)? = value else { return nil }
        return Double(text)
    }
}
