import JSON

/// Writes `group_memberships` (group name → usernames) while several groups are read at once,
/// page by page. One group at a time owns the open section and writes its pages as they come;
/// the others keep theirs until their turn, up to `maximumBufferedNames` in all, and then wait.
/// So memory is bounded however large a group is, and small groups still read in parallel.
///
/// A backup that pauses (`pause()`, then `close()`) leaves the owner's array open in the object
/// and says where it stands (`OpenMembershipGroup`); the pages other groups had read are dropped,
/// and those groups are read again by the next invocation.
actor GroupMembershipSection {
    private let writer: SnapshotWriter
    private let maximumBufferedNames: Int
    /// The group whose array is open in the object.
    private var owner: String?
    /// The token of the page after the owner's last written page, and its written names' hashes
    /// (kept only by a backup that may pause: `UserReadPositions.hash`).
    private var ownerNext: String?
    private var ownerWritten: [UInt64] = []
    private let keepsWrittenNames: Bool
    /// Pages read but not written, by group, in the order groups started; each page with the
    /// token of the page after it.
    private var waiting: [(group: String, pages: [(names: [String], next: String?)], finished: Bool)] = []
    private var bufferedNames = 0
    private var writing = false
    private var pausing = false
    private var failure: Error?
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private(set) var memberships = 0
    /// Groups whose arrays are written and closed, in the object's order.
    private(set) var written: [String] = []

    /// `memberships`: those an earlier invocation of the same backup wrote; `open`: the group
    /// whose array it left open, which owns the section from the start.
    init(writer: SnapshotWriter, memberships: Int = 0, resuming open: OpenMembershipGroup? = nil, keepsWrittenNames: Bool = false,
         maximumBufferedNames: Int = 6_000) {
        self.writer = writer
        self.memberships = memberships
        self.keepsWrittenNames = keepsWrittenNames
        self.maximumBufferedNames = maximumBufferedNames
        owner = open?.name
        ownerNext = open?.next
        ownerWritten = open?.written ?? []
    }

    /// The next page of `group`'s members, and the token of the page after it. Returns once the
    /// page is written, or buffered within the bound, or the section is pausing.
    func page(_ group: String, _ usernames: [String], next: String? = nil) async throws {
        enqueue(group) { $0.pages.append((usernames, next)) }
        bufferedNames += usernames.count
        try await writeWhatIsReady()
        while failure == nil, !pausing, isWaiting(group), owner == group || bufferedNames > maximumBufferedNames {
            await waitForProgress()
        }
        if let failure { throw failure }
    }

    /// `group` has no more members; its array closes once all its pages are written.
    func finish(_ group: String) async throws {
        enqueue(group) { $0.finished = true }
        try await writeWhatIsReady()
        if let failure { throw failure }
    }

    /// The backup is pausing: groups stop before their next page, so none waits for room.
    func pause() {
        pausing = true
        resumeWaiters()
    }

    /// Waits until every group's array is written; once pausing, until what was read is, and
    /// returns the group left open, if one is. Call it once every read has ended: `paused` says
    /// whether the pause came, which the reads may have seen before `pause()` was called.
    func close(paused: Bool = false) async throws -> OpenMembershipGroup? {
        if paused { pausing = true }
        try await writeWhatIsReady()
        while failure == nil, writing || (!pausing && (!waiting.isEmpty || owner != nil)) {
            await waitForProgress()
        }
        if let failure { throw failure }
        guard let owner, let ownerNext else { return nil }
        return OpenMembershipGroup(name: owner, next: ownerNext, written: ownerWritten)
    }

    private func enqueue(_ group: String, _ change: (inout (group: String, pages: [(names: [String], next: String?)], finished: Bool)) -> Void) {
        if let index = waiting.firstIndex(where: { $0.group == group }) {
            change(&waiting[index])
        } else {
            var entry = (group: group, pages: [(names: [String], next: String?)](), finished: false)
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
                    try await writer.elements(page.names.map(JSON.string))
                    bufferedNames -= page.names.count
                    memberships += page.names.count
                    ownerNext = page.next
                    if keepsWrittenNames { ownerWritten += page.names.map(UserReadPositions.hash) }
                    resumeWaiters()
                    continue
                }
                guard waiting[index].finished else { return }
                waiting.remove(at: index)
                await writer.end()
                written.append(owner!)
                owner = nil
                ownerNext = nil
                ownerWritten = []
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Waits for another caller's progress. A cancelled caller fails the section: the group it
    /// waits behind may be a reader the same cancellation stopped, which would never write again.
    private func waitForProgress() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiters.append($0) }
        } onCancel: {
            // Runs at once if the caller was cancelled already; the actor hop is the only way in.
            Task { await self.fail(CancellationError()) }
        }
    }

    private func fail(_ error: Error) {
        if failure == nil { failure = error }
        resumeWaiters()
    }

    private func resumeWaiters() {
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume() }
    }
}

/// A group whose membership array a paused backup left open: the token of its next page, and
/// the hashes of the names written, skipped if Cognito refuses the token and the group starts over.
struct OpenMembershipGroup: Sendable, Equatable {
    let name: String
    let next: String
    let written: [UInt64]
}
