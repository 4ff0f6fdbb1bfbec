import ArgumentParser
import Domain
import Foundation
import Synchronization

/// What reading the next row of an import file gives: its values by (lower-case) column or key,
/// or why it cannot be used, with its position (CSV line, JSON record number).
enum ImportEntry: Sendable {
    case row(position: Int, values: [String: String])
    case malformed(position: Int, reason: String)
}

/// An import file, CSV with a header row or JSON (an array of objects, or JSON Lines), read one
/// row at a time.
enum ImportSource: Sendable {
    case csv(CSVTable)
    case json(JSONRecordReader)

    enum Format: String, ExpressibleByArgument, CaseIterable, Sendable { case csv, json }

    /// Opens `path`; without a format, `.json` and `.jsonl`/`.ndjson` files are JSON, others CSV.
    static func open(_ path: String, format: Format?) throws -> ImportSource {
        let lowered = path.lowercased()
        let isJSON = format.map { $0 == .json } ?? [".json", ".jsonl", ".ndjson"].contains { lowered.hasSuffix($0) }
        return isJSON ? .json(try JSONRecordReader(path: path)) : .csv(try CSVTable(path: path, required: [], allowed: nil))
    }

    /// What a rejection's number counts.
    var unit: String {
        if case .csv = self { "line" } else { "record" }
    }

    /// The CSV header's columns (nil for JSON, whose keys are known only row by row).
    var columns: [String]? {
        if case let .csv(table) = self { table.columns } else { nil }
    }

    var totalBytes: Int64 {
        switch self {
        case let .csv(table): table.totalBytes
        case let .json(reader): reader.totalBytes
        }
    }

    var bytesRead: Int64 {
        switch self {
        case let .csv(table): table.bytesRead
        case let .json(reader): reader.bytesRead
        }
    }

    func next() throws -> ImportEntry? {
        switch self {
        case let .csv(table):
            switch try table.next() {
            case nil: return nil
            case let .malformed(line, reason): return .malformed(position: line, reason: reason)
            case let .row(row): return .row(position: row.line, values: row.values)
            }
        case let .json(reader):
            guard let record = try reader.next() else { return nil }
            if let problem = record.problem { return .malformed(position: record.number, reason: problem) }
            var values: [String: String] = [:]
            for (key, value) in record.values { values[key.lowercased()] = value }
            return .row(position: record.number, values: values)
        }
    }
}

/// `--map SOURCE=FIELD`: which of a file's columns or keys (lower-case; JSON nested keys dotted)
/// give which of our fields. Columns that are neither mapped nor our field names are ignored.
struct ImportMapping: Sendable {
    let renames: [String: String]
    let accepted: Set<String>

    init(_ options: [String], accepted: Set<String>, kind: String) throws {
        var renames: [String: String] = [:]
        for option in options {
            let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let source = parts.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            let field = parts.count == 2 ? parts[1].trimmingCharacters(in: .whitespaces).lowercased() : ""
            guard parts.count == 2, !source.isEmpty, !field.isEmpty else {
                throw ValidationError("--map: '\(option)' is not SOURCE=FIELD (e.g. --map short_description=title)")
            }
            guard accepted.contains(field) else {
                throw ValidationError("--map: '\(field)' is not a field of \(kind); expected one of \(accepted.sorted().joined(separator: ", "))")
            }
            guard renames[source] == nil else { throw ValidationError("--map: '\(source)' is mapped twice") }
            renames[source] = field
        }
        self.renames = renames
        self.accepted = accepted
    }

    /// Our fields from one row: mapped columns win over a column already named like the field;
    /// blank values are absent. `ignored` collects the keys that give no field.
    func fields(_ values: [String: String], ignored: inout Set<String>) -> FieldMap {
        var fields = FieldMap()
        for (key, value) in values where renames[key] == nil {
            guard accepted.contains(key) else { ignored.insert(key); continue }
            if !value.isBlank { fields[key] = value }
        }
        for (key, value) in values {
            guard let field = renames[key] else { continue }
            if !value.isBlank { fields[field] = value } else { fields[field] = nil }
        }
        return fields
    }

    /// Checks a CSV header against the mapping before any row is read: every mapped column is
    /// there, no field comes from two columns, and every `required` field has a column. Returns
    /// the columns that will be ignored.
    func checkHeader(_ columns: [String], required: [String], path: String) throws -> [String] {
        let present = Set(columns)
        if let missing = renames.keys.sorted().first(where: { !present.contains($0) }) {
            throw CSVFileError(path: path, line: 1, reason: "header row: no column '\(missing)' (given in --map \(missing)=\(renames[missing] ?? ""))")
        }
        var sources: [String: String] = [:]
        var ignored: [String] = []
        for column in columns {
            guard let field = renames[column] ?? (accepted.contains(column) ? column : nil) else { ignored.append(column); continue }
            if let other = sources[field] {
                throw CSVFileError(path: path, line: 1, reason: "header row: columns '\(other)' and '\(column)' both give the field \(field); map or rename one")
            }
            sources[field] = column
        }
        if let missing = required.first(where: { sources[$0] == nil }) {
            throw CSVFileError(
                path: path, line: 1,
                reason: "header row: no column gives the field '\(missing)' (required: \(required.joined(separator: ", ")); map one with --map COLUMN=\(missing))")
        }
        return ignored
    }
}
