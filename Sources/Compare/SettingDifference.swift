import JSON

/// Setting by setting: where two values differ, by path. Objects are walked member by member;
/// arrays are compared whole, in any order (Cognito keeps the order of neither a list of names
/// nor one of scopes or assets); other values whole.
enum SettingDifference {
    static func fields(_ old: JSON?, _ new: JSON?, at path: String = "", ignoring ignored: Set<String> = []) -> [Change.Field] {
        switch (old, new) {
        case (.object(let a)?, .object(let b)?):
            var names = a.keys.filter { !ignored.contains($0) }
            names += b.keys.filter { !ignored.contains($0) && a[$0] == nil }
            return names.flatMap { name in fields(a[name], b[name], at: path.isEmpty ? name : "\(path).\(name)") }
        case (nil, nil):
            return []
        default:
            guard let old = old.flatMap(meaningful), let new = new.flatMap(meaningful) else {
                // Absent, null, empty: all say "not set".
                let (a, b) = (old.flatMap(meaningful), new.flatMap(meaningful))
                return a == nil && b == nil ? [] : [Change.Field(path: path, old: a, new: b)]
            }
            return comparable(old) == comparable(new) ? [] : [Change.Field(path: path, old: old, new: new)]
        }
    }

    /// Nil for what says "not set": null, an empty string, array or object.
    private static func meaningful(_ value: JSON) -> JSON? {
        switch value {
        case .null: nil
        case .string(let s) where s.isEmpty: nil
        case .array(let a) where a.isEmpty: nil
        case .object(let o) where o.isEmpty: nil
        default: value
        }
    }

    private static func comparable(_ value: JSON) -> JSON {
        guard case .array(let items) = value else { return value }
        return .array(items.sorted { $0.serialized < $1.serialized })
    }
}
