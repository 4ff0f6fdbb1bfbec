/// Builds one section's template value: its blocks (a table of figures, a list of records, a line of
/// names) each with a heading, the same blocks laid out as text lines, and its figures by name.
///
/// Text, HTML and Markdown templates read the same blocks; only the text template uses `lines`,
/// because Mustache cannot pad a column.
struct SectionContext {
    let words: PeriodWords
    private(set) var blocks: [TemplateValue] = []
    private(set) var figures: [String: TemplateValue] = [:]

    init(words: PeriodWords) { self.words = words }

    /// A KPI with its template name, its label and which direction is good news.
    struct Figure {
        var key: String
        var label: String
        var metric: Metric
        var better: FigureText.Better

        init(_ key: String, _ label: String, _ metric: Metric, better: FigureText.Better) {
            self.key = key
            self.label = label
            self.metric = metric
            self.better = better
        }
    }

    /// A record or a fact in a list: "INC-42 Payroll export fails", then its facts on a detail line.
    struct Entry {
        var reference: String?
        var title: String
        var facts: [String] = []
        /// Something that wants attention: a late initiative, a change in a freeze window.
        var warn: Bool = false
    }

    /// One cell of a figure table, with whether its change is good or bad news.
    struct Cell {
        var text: String
        var tone: FigureText.Tone = .neutral

        var value: TemplateValue {
            .object(["text": .text(text), "good": .flag(tone == .good), "bad": .flag(tone == .bad)])
        }
    }

    /// A table of KPIs: this period, the previous one, the change.
    mutating func figures(_ heading: String, _ rows: [Figure]) {
        let (table, lines) = figureTable(rows)
        append(heading, ["table": table], lines: lines)
    }

    /// A list of records; `none` says so in one line when there are none. With a `count`, the list's
    /// size in this period and the previous one stands above it as a one-row figure table.
    mutating func entries(_ heading: String, _ entries: [Entry], none: String, count: Figure? = nil) {
        guard !entries.isEmpty else { return self.none(heading, none, count: count) }
        var lines: [String] = []
        for entry in entries {
            let head = [entry.reference, entry.title].compactMap { $0 }.joined(separator: "  ")
            lines += TextLayout.wrap(head, first: "  - " + (entry.warn ? "(!) " : ""), rest: "    ")
            if !entry.facts.isEmpty {
                lines += TextLayout.wrap(facts: entry.facts, mark: "\u{00B7}", indent: "    ")
            }
        }
        let values: [TemplateValue] = entries.map { entry in
            .object(dropping: [
                "reference": TemplateValue.optionalText(entry.reference),
                "title": .text(entry.title),
                "detail": TemplateValue.optionalText(entry.facts.joined(separator: Self.separator)),
                "warn": .flag(entry.warn),
            ])
        }
        append(heading, ["entries": .list(values)], lines: lines, count: count)
    }

    /// Names on one line ("CRM, Payroll"); `none` when there are none.
    mutating func names(_ heading: String, _ names: [String], none: String) {
        guard !names.isEmpty else { return self.none(heading, none) }
        let text = names.joined(separator: ", ")
        append(heading, ["paragraph": .text(text)], lines: TextLayout.wrap(text, first: "  ", rest: "  "))
    }

    private mutating func none(_ heading: String, _ text: String, count: Figure? = nil) {
        append(heading, ["none": .text(text)], lines: TextLayout.wrap(text, first: "  ", rest: "  "), count: count)
    }

    /// Adds a block; a `count` puts its one-row figure table first, and `listFollows` tells the
    /// templates a list comes after the table.
    private mutating func append(_ heading: String, _ fields: [String: TemplateValue], lines: [String], count: Figure? = nil) {
        var fields = fields
        var lines = lines
        if let count {
            let (table, countLines) = figureTable([count])
            fields["table"] = table
            fields["listFollows"] = .flag(true)
            lines = countLines + lines
        }
        fields["heading"] = .text(heading)
        fields["lines"] = .list(lines.map(TemplateValue.text))
        blocks.append(.object(fields))
    }

    /// KPI rows (this period, the previous one, the change) as a table and its text lines; each row
    /// is also kept under its key in `figures`.
    private mutating func figureTable(_ rows: [Figure]) -> (table: TemplateValue, lines: [String]) {
        for row in rows {
            figures[row.key] = .object([
                "label": .text(row.label),
                "current": .text(FigureText.value(row.metric.current, unit: row.metric.unit)),
                "previous": .text(FigureText.value(row.metric.previous, unit: row.metric.unit)),
                "change": .text(FigureText.change(row.metric)),
            ])
        }
        return Self.table(
            labelHeading: "", columns: [words.currentColumn, words.previousColumn, "Change"],
            rows: rows.map { row in
                (row.label, [
                    Cell(text: FigureText.value(row.metric.current, unit: row.metric.unit)),
                    Cell(text: FigureText.value(row.metric.previous, unit: row.metric.unit)),
                    Cell(text: FigureText.change(row.metric), tone: FigureText.tone(row.metric, better: row.better)),
                ])
            }
        )
    }

    /// A table with a label column and figure columns, and its text lines.
    private static func table(
        labelHeading: String, columns: [String], rows: [(label: String, cells: [Cell])]
    ) -> (table: TemplateValue, lines: [String]) {
        let lines = TextLayout.table(
            labelHeading: labelHeading, columns: columns,
            rows: rows.map { TextLayout.Row(label: $0.label, figures: $0.cells.map(\.text)) }
        )
        let table: TemplateValue = .object([
            "labelHeading": .text(labelHeading),
            "columns": .list(columns.map { .object(["name": .text($0)]) }),
            "rows": .list(rows.map { .object(["label": .text($0.label), "cells": .list($0.cells.map(\.value))]) }),
        ])
        return (table, lines)
    }

    /// Between the facts of a detail line.
    static let separator = " \u{00B7} "

    /// A record line as an entry: its priority, service and note ("P1 · Payroll · open 3 days"), then `more` facts.
    static func entry(_ record: RecordLine, then more: [String] = [], warn: Bool = false) -> Entry {
        let facts = [record.priority.map { "P\($0)" }, record.service, record.note].compactMap { $0 } + more
        return Entry(reference: record.reference, title: record.title, facts: facts, warn: warn)
    }
}
