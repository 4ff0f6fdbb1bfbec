import Foundation

/// One data row by column name (as the header spells it, lower-cased), with the line it starts on.
struct CSVRow: Sendable {
    var line: Int
    var values: [String: String]

    subscript(column: String) -> String? { values[column] }
}

/// What reading the next row gives: a row, or a line to reject with the reason.
enum CSVEntry: Sendable {
    case row(CSVRow)
    case malformed(line: Int, reason: String)
}

/// A CSV file whose first record is a header naming the columns, read one row at a time.
///
/// The header is checked when opening: every required column present, no column twice, and (when
/// `allowed` is given) no column outside it. Rows must have one value per column.
final class CSVTable: Sendable {
    let reader: CSVReader
    /// The header's column names, trimmed and lower-cased, in file order.
    let columns: [String]

    /// Opens `path` and reads its header; `required` and `allowed` are lower-case column names
    /// (`allowed` nil: any column). A missing, duplicate or unknown column is a `CSVFileError`.
    init(path: String, required: [String], allowed: Set<String>?) throws {
        reader = try CSVReader(path: path)
        guard let header = try reader.next() else {
            throw CSVFileError(path: path, line: nil, reason: "the file is empty; expected a header row naming the columns (\(required.joined(separator: ", ")))")
        }
        if let problem = header.problem { throw CSVFileError(path: path, line: header.line, reason: "header row: \(problem)") }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let expected = allowed.map { "expected the columns " + $0.sorted().joined(separator: ", ") } ?? ""
        var seen: Set<String> = []
        for name in names {
            if name.isEmpty { throw CSVFileError(path: path, line: header.line, reason: "header row: a column without a name") }
            guard seen.insert(name).inserted else {
                throw CSVFileError(path: path, line: header.line, reason: "header row: column '\(name)' appears twice")
            }
        }
        // A missing column first: a file without a header row would otherwise be told its first address is unknown.
        if let missing = required.first(where: { !seen.contains($0) }) {
            throw CSVFileError(
                path: path, line: header.line,
                reason: "header row: no column '\(missing)' (the first row must name the columns, e.g. \(required.joined(separator: ",")))")
        }
        if let allowed, let unknown = names.first(where: { !allowed.contains($0) }) {
            throw CSVFileError(path: path, line: header.line, reason: "header row: unknown column '\(unknown)'; \(expected)")
        }
        columns = names
    }

    var totalBytes: Int64 { reader.totalBytes }
    var bytesRead: Int64 { reader.bytesRead }

    /// The next row, or nil at the end of the file; throws only when the file cannot be read.
    func next() throws -> CSVEntry? {
        guard let record = try reader.next() else { return nil }
        if let problem = record.problem { return .malformed(line: record.line, reason: problem) }
        let count = record.fields.count
        if count > columns.count {
            let extra = record.fields[columns.count...].firstIndex { !$0.isEmpty }
            if let extra {
                return .malformed(line: record.line, reason: "a value in column \(extra + 1), which the header does not name (unknown column)")
            }
        } else if count < columns.count {
            return .malformed(line: record.line, reason: "\(count) field\(count == 1 ? "" : "s"), but the header names \(columns.count) columns")
        }
        var values: [String: String] = [:]
        for (name, value) in zip(columns, record.fields) { values[name] = value }
        return .row(CSVRow(line: record.line, values: values))
    }
}
