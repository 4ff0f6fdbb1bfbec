import Foundation
import Synchronization

/// The report of a file import: rows accepted (counted by outcome) and rows rejected, each with its
/// line number (or, for JSON files, its record number: `unit` "record") and the reason.
///
/// Rejections are written as they happen rather than kept, so a file of a million bad rows needs no
/// more memory than one of ten. For people: `line N: reason` lines on standard output, then a
/// summary. With JSON: one object, `{"rejections": [{"line", "reason"}...], "accepted", "rejected",
/// "outcomes", "committed", "file"}`, whose array is streamed as it grows.
final class CSVImportReport: Sendable {
    enum Format: Sendable { case text, json }

    private struct State {
        var accepted = 0
        var rejected = 0
        var outcomes: [String: Int] = [:]
        var openedJSON = false
    }

    let file: String
    let format: Format
    let progress: CSVImportProgress
    /// What a rejection's number counts: "line" (CSV) or "record" (JSON); also its JSON key.
    let unit: String
    private let state = Mutex(State())

    init(file: String, format: Format, progress: CSVImportProgress, unit: String = "line") {
        self.file = file
        self.format = format
        self.progress = progress
        self.unit = unit
    }

    var accepted: Int { state.withLock { $0.accepted } }
    var rejected: Int { state.withLock { $0.rejected } }
    var outcomes: [String: Int] { state.withLock { $0.outcomes } }

    /// Counts a row that went in, under `outcome` (e.g. "pending", "confirmed", "unchanged").
    func accept(_ outcome: String) {
        state.withLock { state in
            state.accepted += 1
            state.outcomes[outcome, default: 0] += 1
        }
    }

    /// Reports the row at `line` as rejected, now.
    func reject(line: Int, reason: String) {
        let first = state.withLock { state in
            state.rejected += 1
            defer { state.openedJSON = true }
            return !state.openedJSON
        }
        progress.clear()
        switch format {
        case .text:
            print("\(unit) \(line): \(Table.oneLine(reason))")
        case .json:
            let element = Self.json(Rejection(unit: unit, number: line, reason: reason))
            print(first ? "{\"rejections\": [\n  " + element : ",\n  " + element, terminator: "")
        }
    }

    /// Undoes the counts of accepted rows that were rolled back after all (`--all-or-nothing`).
    func discardAccepted() {
        state.withLock { state in
            state.accepted = 0
            state.outcomes = [:]
        }
    }

    /// Prints the summary. `committed` says whether the accepted rows were kept; `note` explains a rollback.
    func finish(committed: Bool, note: String? = nil) {
        progress.clear()
        let (accepted, rejected, outcomes, opened) = state.withLock { ($0.accepted, $0.rejected, $0.outcomes, $0.openedJSON) }
        switch format {
        case .text:
            let detail = outcomes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let kept = committed ? "Imported \(accepted) row\(accepted == 1 ? "" : "s")\(detail.isEmpty ? "" : " (\(detail))")" : "Imported nothing"
            print("\(kept); rejected \(rejected).\(note.map { " " + $0 } ?? "")")
        case .json:
            struct Summary: Encodable { var accepted: Int, rejected: Int, outcomes: [String: Int], committed: Bool, file: String, note: String? }
            let summary = Self.json(Summary(accepted: accepted, rejected: rejected, outcomes: outcomes, committed: committed, file: file, note: note))
            // The summary's own object, spliced after the streamed array: drop its opening brace.
            print((opened ? "\n], " : "{\"rejections\": [], ") + summary.dropFirst())
        }
    }

    private struct Rejection: Encodable {
        var unit: String
        var number: Int
        var reason: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: JSONKey.self)
            try container.encode(number, forKey: JSONKey(unit))
            try container.encode(reason, forKey: JSONKey("reason"))
        }
    }

    private static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
