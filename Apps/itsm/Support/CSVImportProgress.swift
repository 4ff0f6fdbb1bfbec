import Foundation
import Synchronization

/// A progress bar for a file import on standard error: share of the file read, rows, rows per
/// second and the time left (from the bytes still to read). Draws only when enabled (standard
/// error is a terminal), at most ten times a second; otherwise every call is a no-op.
final class CSVImportProgress: Sendable {
    private struct State {
        var lastDrawn: ContinuousClock.Instant?
        var drawn = false
    }

    let totalBytes: Int64
    let isEnabled: Bool
    private let started = ContinuousClock.now
    private let state = Mutex(State())

    init(totalBytes: Int64, enabled: Bool = standardErrorIsTerminal) {
        self.totalBytes = totalBytes
        self.isEnabled = enabled
    }

    /// Redraws the bar for `rows` rows and `bytes` bytes read, if a tenth of a second has passed.
    func update(rows: Int, bytes: Int64) {
        guard isEnabled else { return }
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            if let last = state.lastDrawn, now - last < .milliseconds(100) { return nil }
            state.lastDrawn = now
            state.drawn = true
            return render(rows: rows, bytes: bytes, elapsed: now - started)
        }
        if let line { write("\r" + line + "\u{1B}[K") }
    }

    /// Clears the bar so a line can be printed; the next update draws it again.
    func clear() {
        guard isEnabled else { return }
        let wasDrawn = state.withLock { state in
            defer { state.drawn = false; state.lastDrawn = nil }
            return state.drawn
        }
        if wasDrawn { write("\r\u{1B}[K") }
    }

    func render(rows: Int, bytes: Int64, elapsed: Duration) -> String {
        let fraction = totalBytes > 0 ? min(1, Double(bytes) / Double(totalBytes)) : 1
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, 0.001)
        let rate = Double(rows) / seconds
        let byteRate = Double(bytes) / seconds
        let eta = byteRate > 0 ? Double(totalBytes - bytes) / byteRate : 0
        return "[\(bar)] \(String(format: "%3d", Int(fraction * 100)))%  \(rows) rows  \(Int(rate)) rows/s  ETA \(Self.clock(eta))"
    }

    /// `m:ss`, or `h:mm:ss` from an hour.
    static func clock(_ seconds: Double) -> String {
        let total = Int(max(0, seconds.rounded()))
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
