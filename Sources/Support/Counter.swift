import Synchronization

/// A count that concurrent tasks add to: a class, so child tasks share it by reference where a
/// captured `Mutex` or `Atomic` (non-copyable values) could not be sent to them.
public final class Counter: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    /// Adds `n` and returns the new total.
    @discardableResult
    public func add(_ n: Int) -> Int { count.add(n, ordering: .relaxed).newValue }

    public var value: Int { count.load(ordering: .relaxed) }
}
