import Synchronization

/// A restore journal kept in memory. A drill never resumes, and after it the journal tells the
/// cleanup which pool to delete, however far the restore got; a plan starts from the journal a
/// real run would read and keeps what it would save to itself.
final class MemoryJournal: MappingStore {
    private let mapping: Mutex<RestoreMapping?>

    init(_ initial: RestoreMapping? = nil) { mapping = Mutex(initial) }

    func load() async throws -> RestoreMapping? { mapping.withLock { $0 } }

    func save(_ mapping: RestoreMapping) async throws { self.mapping.withLock { $0 = mapping } }

    var last: RestoreMapping? { mapping.withLock { $0 } }
}
