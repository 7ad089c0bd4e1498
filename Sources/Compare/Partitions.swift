import Backup
import JSON
import Support
import Synchronization

/// One side's users (or memberships) spread over scratch files by a hash of the username, so
/// that two sides are compared a partition at a time: memory holds one partition of one side,
/// whatever the pool's size. Records are JSON texts, one a line (JSON escapes line breaks).
final class Partitions: Sendable {
    static let count = 64
    /// Bytes a partition gathers before they go to its file.
    private static let buffered = 64 << 10

    private let files: [ScratchFile]
    /// What each partition gathered since it last went to its file; one lock, since pages from
    /// several streams arrive at once.
    private let pending: Mutex<[[UInt8]]>

    init(for purpose: String) throws(FileError) {
        var files: [ScratchFile] = []
        for number in 0..<Self.count { files.append(try ScratchFile(for: "\(purpose), part \(number)")) }
        self.files = files
        pending = Mutex(Array(repeating: [], count: Self.count))
    }

    /// FNV-1a of the username: the same partition on both sides, in every process.
    static func partition(of username: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in username.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(hash % UInt64(count))
    }

    func add(_ record: JSON, username: String) throws(FileError) {
        let partition = Self.partition(of: username)
        let bytes = record.serializedBytes
        try pending.withLock { (pending) throws(FileError) in
            pending[partition] += bytes
            pending[partition].append(UInt8(ascii: "\n"))
            if pending[partition].count >= Self.buffered { try flush(partition, &pending) }
        }
    }

    func finish() throws(FileError) {
        try pending.withLock { (pending) throws(FileError) in
            for partition in 0..<Self.count { try flush(partition, &pending) }
        }
    }

    private func flush(_ partition: Int, _ pending: inout [[UInt8]]) throws(FileError) {
        guard !pending[partition].isEmpty else { return }
        try files[partition].write(pending[partition])
        pending[partition].removeAll(keepingCapacity: false)
    }

    /// Each record of one partition, in the order added.
    func forEach(in partition: Int, _ body: (JSON) throws -> Void) throws {
        let next = files[partition].chunks()
        var line: [UInt8] = []
        while let chunk = try next() {
            var start = chunk.startIndex
            while let end = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
                line += chunk[start..<end]
                try body(try JSON(parsing: line))
                line.removeAll(keepingCapacity: true)
                start = end + 1
            }
            line += chunk[start...]
        }
    }
}
