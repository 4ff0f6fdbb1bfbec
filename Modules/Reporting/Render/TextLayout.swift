/// Plain-text layout for the text/plain part: word wrap, aligned tables, and a last pass that keeps
/// every line within 72 columns whatever a template does.
///
/// A column is a `Character`: good for the Latin, Greek and Cyrillic text the digests carry; wide
/// East Asian characters would count as one column each.
enum TextLayout {
    static let width = 72
    /// Between table columns.
    static let gap = "  "

    /// Greedy word wrap: the first line starts with `first`, the following ones with `rest`.
    ///
    /// A word longer than a line is cut, except a URL, which a mail reader only recognises whole.
    static func wrap(_ text: String, width: Int = width, first: String = "", rest: String = "") -> [String] {
        var lines: [String] = []
        var line = first
        var lineHasWord = false
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let prefix = lineHasWord ? " " : ""
            if line.count + prefix.count + word.count <= width {
                line += prefix + word
                lineHasWord = true
                continue
            }
            if lineHasWord {
                lines.append(line)
                line = rest
            }
            var remaining = Substring(word)
            let room = max(width - line.count, 8)
            while remaining.count > room, !remaining.contains("://") {
                lines.append(line + remaining.prefix(room))
                remaining = remaining.dropFirst(room)
                line = rest
            }
            line += remaining
            lineHasWord = true
        }
        if lineHasWord || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// Facts on as few lines as fit, each but the last followed by `mark` ("P2 · Payroll ·" then
    /// "breached ..."), breaking between facts, and within one only when it is longer than a line.
    static func wrap(facts: [String], mark: String, indent: String, width: Int = width) -> [String] {
        var lines: [String] = []
        var line = ""
        for (index, fact) in facts.enumerated() {
            let piece = index + 1 < facts.count ? fact + " " + mark : fact
            let candidate = line.isEmpty ? piece : line + " " + piece
            if indent.count + candidate.count <= width {
                line = candidate
                continue
            }
            if !line.isEmpty { lines.append(indent + line) }
            let pieces = wrap(piece, width: width, first: indent, rest: indent)
            lines += pieces.dropLast()
            line = String((pieces.last ?? indent).dropFirst(indent.count))
        }
        if !line.isEmpty { lines.append(indent + line) }
        return lines
    }

    /// Rewraps the lines of rendered text that are wider than `width`, keeping their indentation
    /// (and hanging a bulleted line's continuation under its text). A line that is a bare URL stays whole.
    static func reflow(_ text: String, width: Int = width) -> String {
        guard text.split(separator: "\n", omittingEmptySubsequences: false).contains(where: { $0.count > width }) else {
            return text
        }
        var output: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.count > width else {
                output.append(String(line))
                continue
            }
            let indent = String(line.prefix(while: { $0 == " " }))
            let content = line.dropFirst(indent.count)
            if !content.contains(" "), content.contains("://") {
                output.append(String(line))
                continue
            }
            let bullet = content.hasPrefix("- ") || content.hasPrefix("* ") || content.hasPrefix("\u{2022} ")
            output += wrap(String(content), width: width, first: indent, rest: indent + (bullet ? "  " : ""))
        }
        return output.joined(separator: "\n")
    }

    /// One row of a text table: its label and its figures.
    struct Row {
        var label: String
        var figures: [String]
    }

    /// A table with a left-aligned label column and right-aligned figure columns, a heading line and a rule.
    /// A label too long for the room left by the figures wraps within its column.
    static func table(labelHeading: String, columns: [String], rows: [Row], indent: String = "  ", width: Int = width) -> [String] {
        let figureWidths = columns.indices.map { column in
            rows.reduce(columns[column].count) { max($0, column < $1.figures.count ? $1.figures[column].count : 0) }
        }
        let figuresWidth = figureWidths.reduce(0) { $0 + gap.count + $1 }
        let widestLabel = rows.reduce(labelHeading.count) { max($0, $1.label.count) }
        let labelWidth = min(widestLabel, max(width - indent.count - figuresWidth, 12))

        func line(_ label: String, _ figures: [String]) -> String {
            var text = indent + padRight(label, to: labelWidth)
            for (column, figureWidth) in figureWidths.enumerated() {
                text += gap + padLeft(column < figures.count ? figures[column] : "", to: figureWidth)
            }
            return trimTrailingSpaces(text)
        }

        var lines = [line(labelHeading, columns)]
        lines.append(line(String(repeating: "-", count: labelWidth), figureWidths.map { String(repeating: "-", count: $0) }))
        for row in rows {
            let labelLines = wrap(row.label, width: labelWidth, rest: "  ")
            lines.append(line(labelLines[0], row.figures))
            for more in labelLines.dropFirst() { lines.append(trimTrailingSpaces(indent + more)) }
        }
        return lines
    }

    static func padLeft(_ text: String, to width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    static func padRight(_ text: String, to width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func trimTrailingSpaces(_ text: String) -> String {
        var text = text
        while text.last == " " { text.removeLast() }
        return text
    }
}
