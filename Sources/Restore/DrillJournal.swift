import Synchronization

/// A drill's restore journal, kept in memory: a drill never resumes, and after it the journal
/// tells the cleanup which pool to delete, however far the restore got.
final class DrillJournal: MappingStore {
    private let mapping = Mutex<RestoreMapping?>(nil)

    func load() async throws -> RestoreMapping? { mapping.withLock { $0 } }

    func save(_ mapping: RestoreMapping) async throws { self.mapping.withLock { $0 = mapping } }

    var last: RestoreMapping? { mapping.withLock { $0 } }
}
