/// How one setting of an existing target stands against the backup's, once what Cognito adds
/// by itself (dates, versions, URLs) is left out of both.
enum TargetSetting {
    case missing, same, different
}

extension PoolStructureRestore {
    /// One setting into an existing pool: set where the target has none, left alone where it is
    /// the backup's, and put back where it differs only with `--revert`: without it that write
    /// would be a revert nobody asked for, so it is named instead. Read before every write, so a
    /// rerun writes nothing.
    func restoreSetting(_ component: String, _ what: String, compare: () async throws(RestoreFailure) -> TargetSetting,
                        write: (TargetSetting) async throws(RestoreFailure) -> RestoreReport.Outcome) async throws(RestoreFailure) {
        try await report.attempt(component) { () throws(RestoreFailure) in
            let state = try await compare()
            switch state {
            case .same: return .skipped
            case .different where !revert:
                report.warn("\(what) differs from the backup; --revert puts it back")
                return .skipped
            case .missing, .different: return try await write(state)
            }
        }
    }
}
