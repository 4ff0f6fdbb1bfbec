import ArgumentParser
import Domain
import Foundation
import Storage

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export incidents, changes, problems, services, requests or improvements as CSV or JSON.",
        discussion: """
        The columns are id and the fields `itsm import` reads (see itsm import --help), instants in ISO 8601 UTC and services and SLAs by name, so an export of incidents, changes, problems or services imports again. Records are read page by page, oldest first: the table's size does not matter. With --output the file appears only once the export is complete.

        Examples:
          itsm export incidents > incidents.csv
          itsm export changes --state closed --since 2026-01-01 --format json --output changes.json
          itsm export services --output services.csv && itsm export incidents --output incidents.csv
        """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case incidents, changes, problems, services, requests, improvements
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "What to export: incidents, changes, problems, services, requests or improvements.")
    var kind: Kind

    @Option(name: .long, help: "csv (with a header row) or json (an array of objects).")
    var format = ImportSource.Format.csv

    @Option(name: .long, help: "Only records in this state (repeatable, or comma-separated).")
    var state: [String] = []

    @Option(name: .long, help: "Only records opened at or after this date (on the --time-zone clock) or ISO 8601 instant.")
    var since: String?

    @Option(name: .customLong("time-zone"), help: "The IANA time zone of --since's date (default UTC).")
    var timeZone: String?

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var output: String?

    static let pageSize = 500

    func run() async throws {
        switch kind {
        case .incidents: try await export(Incident.self)
        case .changes: try await export(Change.self)
        case .problems: try await export(Problem.self)
        case .services: try await export(Service.self)
        case .requests: try await export(ServiceRequest.self)
        case .improvements: try await export(Improvement.self)
        }
    }

    private func export<Record: ExportableRecord>(_: Record.Type) async throws {
        var filter = RecordFilter<Record.State>(limit: Self.pageSize)
        try await reportingRecordFailures {
            let fields = FieldMap(["state": state.joined(separator: ",")])
            if !state.isEmpty {
                filter.states = Set(try (fields.list("state", separators: [","]) ?? []).compactMap { raw throws(DomainError) in
                    try FieldMap(["state": raw]).importedState("state", Record.State.self)
                })
            }
            if let since {
                filter.openedIn = try TimeText.bound(since, field: "since", zone: timeZone, endOfDay: false)..<Instant(microsecondsSinceEpoch: .max)
            }
        }
        let sink = try await reportingFailures { try ExportSink(path: output) }
        do {
            try await global.withReportedContext { context in
                let names = try await ReferenceNames.load(context.store)
                let columns = ["id"] + Record.transferFields
                var first = true
                sink.write(format == .csv ? CSVWriter.record(columns) : "[")
                while true {
                    let page = try await Record.list(filter, from: context.store)
                    var text = ""
                    for record in page {
                        let values = [JSONValue.integer(record.id)] + record.transferValues(names)
                        switch format {
                        case .csv: text += CSVWriter.record(values.map(\.csvText))
                        case .json: text += (first ? "\n  " : ",\n  ") + (try JSONValue.compactObject(Array(zip(columns, values))))
                        }
                        first = false
                    }
                    sink.write(text)
                    guard page.count == Self.pageSize, let last = page.last?.id else { break }
                    filter.afterID = last
                }
                if format == .json { sink.write(first ? "]\n" : "\n]\n") }
                try sink.finish()
            }
        } catch {
            sink.abandon()
            throw error
        }
    }
}

/// Where an export goes: standard output, or a temporary file renamed to `path` once complete,
/// so a failed export leaves no half-written file behind.
private final class ExportSink: Sendable {
    let path: String?
    let temporary: String?
    let handle: FileHandle

    init(path: String?) throws {
        self.path = path
        guard let path else {
            temporary = nil
            handle = FileHandle.standardOutput
            return
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial").path
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw CommandFailure("--output: cannot write \(path) (\(String(cString: strerror(errno))))")
        }
        self.temporary = temporary
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
    }

    func write(_ text: String) {
        if !text.isEmpty { handle.write(Data(text.utf8)) }
    }

    func finish() throws {
        guard let path, let temporary else { return }
        try handle.close()
        guard rename(temporary, path) == 0 else { throw CommandFailure("--output: cannot write \(path) (\(String(cString: strerror(errno))))") }
    }

    func abandon() {
        guard let temporary else { return }
        try? handle.close()
        unlink(temporary)
    }
}

/// `text(_:)` under a name a `JSONValue` extension can call (there `text` is the case).
private func numberText(_ value: Double) -> String { text(value) }

extension JSONValue {
    /// The value as one CSV field: numbers and true/false as JSON writes them, lists joined with ';'.
    var csvText: String? {
        switch self {
        case let .text(value): value
        case let .integer(value): value.map(String.init)
        case let .number(value): value.map(numberText)
        case let .bool(value): value ? "true" : "false"
        case let .list(values): values.compactMap(\.csvText).joined(separator: ";")
        case .object: nil
        }
    }

    /// An object on one line of JSON, keys in the order given (an encoder's keyed container may reorder them).
    static func compactObject(_ pairs: [(String, JSONValue)]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let members = try pairs.map { key, value in
            String(decoding: try encoder.encode(key), as: UTF8.self) + ":" + String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        return "{" + members.joined(separator: ",") + "}"
    }
}
