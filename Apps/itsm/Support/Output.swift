import Foundation

/// Columns aligned for people: a header row, then one row per item, two spaces between columns.
/// Values are single lines (line breaks shown as spaces), so a row stays one line.
struct Table {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String?...) { rows.append(cells.map { $0 ?? "-" }) }

    var rendered: String {
        let all = ([headers] + rows).map { $0.map(Self.oneLine) }
        var widths = Array(repeating: 0, count: headers.count)
        for row in all { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    func print(emptyMessage: String) {
        Swift.print(rows.isEmpty ? emptyMessage : rendered)
    }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}

/// Prints `value` as JSON for scripts: sorted keys, instants as ISO 8601 text where the value says so.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Writes a line to standard error (progress, warnings): standard output stays for results.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Whether standard error is a terminal (progress bars only then).
var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
