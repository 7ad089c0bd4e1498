import Backup
import JSON

/// Whether an existing pool can take the backup's users as they are. Cognito fixes a pool's
/// schema and sign-in identifiers at creation, so a mismatch found halfway through a restore
/// could only be fixed by starting again in another pool.
enum TargetCompatibility {
    /// What stands in the way, in words; empty when nothing does.
    static func problems(backup: BackupContents, target: JSON) throws(BackupReadError) -> [String] {
        var problems: [String] = []
        let schema = Dictionary((target["SchemaAttributes"]?.array ?? []).compactMap { entry in
            entry["Name"]?.string.map { ($0, entry) }
        }, uniquingKeysWith: { first, _ in first })
        for attribute in backup.customAttributes {
            guard let name = attribute["Name"]?.string else { continue }
            let type = attribute["AttributeDataType"]?.string ?? "String"
            guard let found = schema[name] else {
                problems.append("custom attribute \(name) (\(type)) is missing; add it with AddCustomAttributes or restore with --create-pool")
                continue
            }
            if let targetType = found["AttributeDataType"]?.string, targetType != type {
                problems.append("custom attribute \(name) is \(targetType) in the target but \(type) in the backup")
            }
        }
        let wanted = UserMatching(poolConfig: backup.poolConfig).usernameAttributes.sorted()
        let actual = UserMatching(poolConfig: target).usernameAttributes.sorted()
        if wanted != actual {
            func describe(_ attributes: [String]) -> String { attributes.isEmpty ? "a username" : attributes.joined(separator: " or ") }
            problems.append("users sign in with \(describe(wanted)) in the backup but with \(describe(actual)) in the target")
        }
        problems += try mergedUsernames(backup: backup, target: target)
        return problems
    }

    /// Usernames that differ only in case, which a case-insensitive target would take for one
    /// user (the second create fails, or worse, its memberships land on the first). Pools made
    /// before `UsernameConfiguration` existed are case-sensitive.
    static func mergedUsernames(backup: BackupContents, target: JSON) throws(BackupReadError) -> [String] {
        guard target["UsernameConfiguration"]?["CaseSensitive"]?.bool == false else { return [] }
        let merged = try backup.users.caseFoldedDuplicates().map { $0.joined(separator: " and ") }.sorted()
        guard !merged.isEmpty else { return [] }
        return ["usernames are case-insensitive in the target, so these users of the backup would merge: "
            + merged.prefix(5).joined(separator: "; ") + (merged.count > 5 ? " (and \(merged.count - 5) more)" : "")
            + "; restore into a case-sensitive pool (--create-pool, if the backup's pool was case-sensitive)"]
    }
}
