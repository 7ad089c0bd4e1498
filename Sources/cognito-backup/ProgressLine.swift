import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Progress for people: a redrawn bar on a terminal, a plain line every few seconds otherwise
/// (logs and CI stay readable), nothing with `--json`.
final class ProgressLine: Sendable {
    private let label: String
    private let isTerminal: Bool
    private let enabled: Bool
    private let started = UTCTime.now()
    private let lastDrawn = Atomic<Int64>(0)

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
        isTerminal = isatty(STDERR_FILENO) != 0
    }

    /// `done` of `total` (nil when unknown) `unit`s.
    func update(done: Int, total: Int?, unit: String) {
        guard enabled else { return }
        let now = UTCTime.now().millisecondsSinceEpoch
        let interval: Int64 = isTerminal ? 100 : 5_000
        let last = lastDrawn.load(ordering: .relaxed)
        guard now - last >= interval, lastDrawn.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        draw(done: done, total: total, unit: unit, now: now)
    }

    func finish(done: Int, total: Int?, unit: String) {
        guard enabled else { return }
        draw(done: done, total: total, unit: unit, now: UTCTime.now().millisecondsSinceEpoch)
        if isTerminal { StandardStream.error.write("\n") }
    }

    private func draw(done: Int, total: Int?, unit: String, now: Int64) {
        let seconds = max(0.001, Double(now - started.millisecondsSinceEpoch) / 1000)
        let rate = Double(done) / seconds
        var text = "\(label): \(done) \(unit)"
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * 24)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 24 - filled)
            text = "\(label) [\(bar)] \(done)/\(total) \(unit)"
            if rate > 0, done < total { text += ", ETA \(Int(Double(total - done) / rate))s" }
        }
        text += ", \(Int(rate)) \(unit)/s"
        StandardStream.error.write(isTerminal ? "\r\u{1B}[K\(text)" : "\(text)\n")
    }
}
