import JSON

extension PoolReader.Configuration {
    /// The configuration as a backup of `poolID` holds it, with no users or memberships: what a
    /// comparison or a check sets against a backup's own configuration, in the same shape.
    public func contents(poolID: String) -> BackupContents {
        var members = Dictionary(self.members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        members[BackupFormat.Member.userPoolID] = .string(poolID)
        members[BackupFormat.Member.groups] = .array(groups)
        let none = BackupUsers([])
        return BackupContents(formatVersion: BackupFormat.version, members: members, users: none,
                              memberships: BackupMemberships([], users: none))
    }
}
