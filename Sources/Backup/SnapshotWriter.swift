import JSON
import Signing

/// Where a backup object's bytes go as they are produced.
public protocol SnapshotSink: Sendable {
    /// Takes the next bytes of the object. Calls come one at a time, in order.
    func write(_ bytes: [UInt8]) async throws
    /// Makes the object exist, whole, under its key; returns its version id if the bucket keeps one.
    func finish() async throws -> String?
    /// Removes every trace of an unfinished object; returns what S3 kept when it refused to.
    func abort() async -> UploadLeftOpen?
}

/// Writes one JSON object member by member, and arrays element by element, into a sink, keeping
/// a running size and SHA-256 so neither needs the object in memory.
///
/// Memory stays bounded whatever the sink's speed: bytes wait for the sink in a queue of at most
/// `maximumQueuedBytes`, and a caller whose bytes would pass that waits until the sink has taken
/// enough, so the readers slow down to the sink's pace instead of piling pages up.
public actor SnapshotWriter {
    private let sink: any SnapshotSink
    private var buffer: [UInt8] = []
    private let hasher: SHA256Hasher
    private var size = 0
    /// The open containers, innermost last: its closing bracket, and whether it already has an
    /// element (so the next needs a comma).
    private var openContainers: [(closer: UInt8, hasElement: Bool)] = [(UInt8(ascii: "}"), false)]
    /// Bytes are handed to the sink in pieces of this size, so it can upload while we read.
    private let flushSize: Int
    private let maximumQueuedBytes: Int
    /// Pieces the sink has not taken yet, oldest first, and their total size.
    private var outgoing: [[UInt8]] = []
    private var queuedBytes = 0
    private var draining = false
    private var failure: Error?
    /// Callers waiting for the queue to shrink below its bound.
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// Compresses on the way to the sink; size and digest are of what the sink stores.
    private let compressor: Gzip.Compressor?

    public init(sink: any SnapshotSink, compression: BackupCompression = .none, flushSize: Int = 256 * 1024,
                maximumQueuedBytes: Int? = nil) {
        self.sink = sink
        self.flushSize = flushSize
        self.maximumQueuedBytes = maximumQueuedBytes ?? 2 * flushSize
        compressor = compression == .gzip ? Gzip.Compressor() : nil
        hasher = SHA256Hasher()
        buffer.append(UInt8(ascii: "{"))
    }

    /// Goes on writing the object a `suspend()` left, into the same sink's continuation.
    public init(resuming suspended: Suspended, sink: any SnapshotSink, compression: BackupCompression = .none,
                flushSize: Int = 256 * 1024) throws(CheckpointDamaged) {
        guard let hasher = SHA256Hasher(state: suspended.digestState) else {
            throw CheckpointDamaged(reason: "its SHA-256 state is not one this build can restore")
        }
        self.sink = sink
        self.flushSize = flushSize
        maximumQueuedBytes = 2 * flushSize
        // A gzip stream cannot be saved: the suspended one ended its member, and this one starts
        // the next (RFC 1952 allows any number; `Gzip.Decompressor` reads them all).
        compressor = compression == .gzip ? Gzip.Compressor() : nil
        self.hasher = hasher
        size = suspended.size
        openContainers = suspended.openContainers
    }

    /// What a suspended writer hands on: every byte so far is in the sink, and the object's
    /// running size, digest and open containers are here.
    public struct Suspended: Sendable {
        public let size: Int
        public let digestState: [UInt8]
        public let openContainers: [(closer: UInt8, hasElement: Bool)]
    }

    /// Hands every byte written so far to the sink (ending the gzip member) and returns the state
    /// a writer in another process needs to go on. Call it with no other call in flight.
    public func suspend() async throws -> Suspended {
        try await flush()
        if let compressor { enqueue(compressor.finish()) }
        try await flush()
        while draining { await waitForProgress() }
        if let failure { throw failure }
        return Suspended(size: size, digestState: hasher.state, openContainers: openContainers)
    }

    public struct Result: Sendable {
        public let size: Int
        public let sha256: String
        public let versionID: String?
    }

    public func member(_ key: String, _ value: JSON) async throws {
        separate()
        JSON.writeString(key, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        value.write(to: &buffer)
        try await flushIfFull()
    }

    public func beginArray(_ key: String) { open(key, UInt8(ascii: "[")) }
    public func beginObject(_ key: String) { open(key, UInt8(ascii: "{")) }

    public func elements(_ values: [JSON]) async throws {
        for value in values {
            separate()
            value.write(to: &buffer)
        }
        try await flushIfFull()
    }

    /// Elements that are already JSON text, checked by whoever read them: copied as they are.
    public func elements(raw values: [ArraySlice<UInt8>]) async throws {
        for value in values {
            separate()
            buffer.append(contentsOf: value)
        }
        try await flushIfFull()
    }

    public func end() {
        precondition(openContainers.count > 1, "end() without an open array or object")
        buffer.append(openContainers.removeLast().closer)
    }

    public func finish() async throws -> Result {
        precondition(openContainers.count == 1, "finish() with an unclosed container")
        buffer.append(UInt8(ascii: "}"))
        try await flush()
        if let compressor { enqueue(compressor.finish()) }
        try await flush()
        // Another caller may still be handing earlier bytes to the sink.
        while draining { await waitForProgress() }
        if let failure { throw failure }
        let versionID = try await sink.finish()
        let digest = hasher.finalize()
        return Result(size: size, sha256: digest.hexString, versionID: versionID)
    }

    @discardableResult
    public func abort() async -> UploadLeftOpen? { await sink.abort() }

    private func open(_ key: String, _ bracket: UInt8) {
        separate()
        JSON.writeString(key, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        buffer.append(bracket)
        openContainers.append((bracket == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}"), false))
    }

    private func separate() {
        if openContainers[openContainers.count - 1].hasElement { buffer.append(UInt8(ascii: ",")) }
        openContainers[openContainers.count - 1].hasElement = true
    }

    private func flushIfFull() async throws {
        if buffer.count >= flushSize { try await flush() }
    }

    /// Queues the buffer for the sink, once the queue has room. Callers from many tasks reach here
    /// while an earlier one awaits the sink (actors are reentrant), so one caller at a time drains
    /// the queue, in order.
    private func flush() async throws {
        // Room first: a caller that queued and then waited would let every caller queue one more.
        while draining && queuedBytes >= maximumQueuedBytes && failure == nil { await waitForProgress() }
        if let failure { throw failure }
        if !buffer.isEmpty {
            enqueue(compressor?.compress(buffer) ?? buffer)
            buffer = []
            buffer.reserveCapacity(flushSize + flushSize / 4)
        }
        guard !draining else { return }
        draining = true
        defer {
            draining = false
            resumeWaiters()
        }
        while !outgoing.isEmpty {
            let chunk = outgoing.removeFirst()
            do { try await sink.write(chunk) } catch {
                failure = error
                throw error
            }
            queuedBytes -= chunk.count
            resumeWaiters()
        }
    }

    private func enqueue(_ stored: [UInt8]) {
        guard !stored.isEmpty else { return }
        hasher.update(stored)
        size += stored.count
        queuedBytes += stored.count
        outgoing.append(stored)
    }

    private func waitForProgress() async {
        await withCheckedContinuation { waiters.append($0) }
    }

    private func resumeWaiters() {
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume() }
    }
}
