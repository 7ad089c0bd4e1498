import Backup

/// How many of a backup's users a drill restores: each one restored is a billed monthly active
/// user, so a weekly drill of every user would bill the whole pool about 4.3 times a month.
public enum DrillUsers: Sendable, Equatable, CustomStringConvertible {
    case sample(Int)
    case all

    public static let defaultSample = 1_000

    /// `1000` or `all`, as the command line and the drill event say it.
    public init?(_ text: String) {
        if text == "all" {
            self = .all
        } else if let count = Int(text), count > 0 {
            self = .sample(count)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .sample(let count): return String(count)
        case .all: return "all"
        }
    }
}

/// The users a drill restores from a backup whose file was already read whole (every user and
/// membership parsed): first one of each kind a restore treats differently — the file's first
/// and last user, one of each status, a disabled user, a user with linked identities, a member
/// of each group — then users drawn at random, up to the sample's size. The configuration and
/// the groups stay whole; memberships are those of the users drawn.
public struct DrillSample: Sendable {
    /// The backup as the drill restores and verifies it.
    public let backup: BackupContents
    /// The users in the whole backup.
    public let usersInBackup: Int
    /// Groups with members none of whom fit in the sample (more such groups than its size).
    public let groupsNotRepresented: Int

    public init(of whole: BackupContents, size: Int) throws(BackupReadError) {
        usersInBackup = whole.users.count
        guard whole.users.count > size else {
            backup = whole
            groupsNotRepresented = 0
            return
        }
        var strata = Strata()
        var reservoir = Reservoir(size: size)
        let reader = whole.users.reader()
        while let user = try reader.next() {
            strata.note(user)
            reservoir.offer(user.username)
        }
        var memberOf: [(group: String, username: String)] = []
        var seenGroups = Set<String>()
        try whole.memberships.forEach { group, username in
            guard !seenGroups.contains(group), whole.users.contains(username: username) else { return }
            seenGroups.insert(group)
            memberOf.append((group, username))
        }

        var chosen: [String] = []
        var taken = Set<String>()
        func take(_ username: String) {
            guard chosen.count < size, taken.insert(username).inserted else { return }
            chosen.append(username)
        }
        strata.representatives.forEach(take)
        memberOf.map(\.username).forEach(take)
        groupsNotRepresented = memberOf.filter { !taken.contains($0.username) }.count
        reservoir.drawn.forEach(take)

        backup = try whole.keeping(users: taken)
    }

    /// The first user of each kind a restore handles its own way.
    struct Strata {
        var first: String?
        var last: String?
        var byStatus: [String: String] = [:]
        var disabled: String?
        var linked: String?

        mutating func note(_ user: PoolUser) {
            if first == nil { first = user.username }
            last = user.username
            if byStatus[user.status] == nil { byStatus[user.status] = user.username }
            if !user.enabled, disabled == nil { disabled = user.username }
            if linked == nil, let identities = user.attribute("identities"), identities != "[]" { linked = user.username }
        }

        var representatives: [String] {
            [first, last, disabled, linked].compactMap { $0 } + byStatus.sorted { $0.key < $1.key }.map(\.value)
        }
    }

    /// A uniform random sample of a stream of unknown length (Algorithm R), `size` names held.
    struct Reservoir {
        let size: Int
        var drawn: [String] = []
        var seen = 0

        init(size: Int) {
            self.size = size
            drawn.reserveCapacity(size)
        }

        mutating func offer(_ name: String) {
            seen += 1
            if drawn.count < size {
                drawn.append(name)
            } else {
                let slot = Int.random(in: 0..<seen)
                if slot < size { drawn[slot] = name }
            }
        }
    }
}
