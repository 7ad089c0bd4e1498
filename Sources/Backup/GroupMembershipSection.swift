import JSON

/// Writes `group_memberships` (group name → usernames) while several groups are read at once,
/// page by page. One group at a time owns the open section and writes its pages as they come;
/// the others keep theirs until their turn, up to `maximumBufferedNames` in all, and then wait.
/// So memory is bounded however large a group is, and small groups still read in parallel.
actor GroupMembershipSection {
    private let writer: SnapshotWriter
    private let maximumBufferedNames: Int
    /// The group whose array is open in the object.
    private var owner: String?
    /// Pages read but not written, by group, in the order groups started.
    private var waiting: [(group: String, pages: [[String]], finished: Bool)] = []
    private var bufferedNames = 0
    private var writing = false
    private var failure: Error?
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var memberships = 0

    /// `memberships`: those an earlier invocation of the same backup wrote.
    init(writer: SnapshotWriter, memberships: Int = 0, maximumBufferedNames: Int = 6_000) {
        self.writer = writer
        self.memberships = memberships
        self.maximumBufferedNames = maximumBufferedNames
    }

    /// The next page of `group`'s members. Returns once the page is written, or buffered within
    /// the bound.
    func page(_ group: String, _ usernames: [String]) async throws {
        enqueue(group) { $0.pages.append(usernames) }
        bufferedNames += usernames.count
        try await writeWhatIsReady()
        while failure == nil, isWaiting(group), owner == group || bufferedNames > maximumBufferedNames {
            await withCheckedContinuation { waiters.append($0) }
        }
        if let failure { throw failure }
    }

    /// `group` has no more members; its array closes once all its pages are written.
    func finish(_ group: String) async throws {
        enqueue(group) { $0.finished = true }
        try await writeWhatIsReady()
        if let failure { throw failure }
    }

    /// Waits until every group's array is written.
    func close() async throws {
        try await writeWhatIsReady()
        while failure == nil, writing || !waiting.isEmpty || owner != nil {
            await withCheckedContinuation { waiters.append($0) }
        }
        if let failure { throw failure }
    }

    private func enqueue(_ group: String, _ change: (inout (group: String, pages: [[String]], finished: Bool)) -> Void) {
        if let index = waiting.firstIndex(where: { $0.group == group }) {
            change(&waiting[index])
        } else {
            var entry = (group: group, pages: [[String]](), finished: false)
            change(&entry)
            waiting.append(entry)
        }
    }

    private func isWaiting(_ group: String) -> Bool { waiting.contains { $0.group == group && !$0.pages.isEmpty } }

    /// Writes the owner's pages and closes its array when it is finished, then hands the section
    /// to the next group (finished ones first: they free their buffer at once). One caller at a
    /// time writes; the others' pages are picked up by its loop.
    private func writeWhatIsReady() async throws {
        guard !writing, failure == nil else { return }
        writing = true
        defer {
            writing = false
            resumeWaiters()
        }
        do {
            while true {
                if owner == nil {
                    guard let next = waiting.firstIndex(where: \.finished) ?? waiting.indices.first else { return }
                    owner = waiting[next].group
                    await writer.beginArray(waiting[next].group)
                }
                guard let index = waiting.firstIndex(where: { $0.group == owner }) else { return }
                if !waiting[index].pages.isEmpty {
                    let page = waiting[index].pages.removeFirst()
                    try await writer.elements(page.map(JSON.string))
                    bufferedNames -= page.count
                    memberships += page.count
                    resumeWaiters()
                    continue
                }
                guard waiting[index].finished else { return }
                waiting.remove(at: index)
                await writer.end()
                owner = nil
            }
        } catch {
            failure = error
            throw error
        }
    }

    private func resumeWaiters() {
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume() }
    }
}
