import Domain

/// The Mustache context of one digest, built once and shared by every subscriber's rendering.
/// docs/TEMPLATES.md lists every name a template can use.
struct DigestContext {
    let digest: Digest
    let time: LocalTimeText
    let words: PeriodWords

    init(digest: Digest) throws(DigestRenderError) {
        self.digest = digest
        do {
            time = LocalTimeText(clock: try LocalClock(timeZoneIdentifier: digest.list.timeZone))
        } catch {
            throw .invalidDigest(field: "list.timeZone", value: digest.list.timeZone, expected: "an IANA time zone such as Europe/Berlin")
        }
        words = PeriodWords(kind: digest.period.kind)
    }

    /// The whole context; the recipient's fields are laid over it per rendering.
    func fields(subject: String) -> [String: TemplateValue] {
        let list = digest.list
        let period = digest.period
        let sections = digest.stages.map(section)
        return [
            "subject": .text(subject),
            "preheader": .text(preheader),
            "list": .object([
                "title": .text(list.title),
                "slug": .text(list.slug),
                "timeZone": .text(list.timeZone),
                "scope": .text(scope),
            ]),
            "period": .object([
                "kind": .text(period.kind),
                "label": .text(periodLabel),
                "range": .text(time.range(period.firstDay, period.lastDay)),
                "previousRange": .text(time.range(period.previousFirstDay, period.previousLastDay)),
                "currentColumn": .text(words.currentColumn),
                "previousColumn": .text(words.previousColumn),
                "versus": .text(words.versus),
            ]),
            "generatedAt": .text(time.dateTime(digest.generatedAt)),
            "digestIsEmpty": .flag(digest.isEmpty),
            "nothingToReport": .text("Nothing to report \(words.during)."),
            "sections": .list(sections),
            "glance": glance,
        ]
    }

    /// The few figures a reader wants first, as tiles: value, change, and whether the change is good news.
    var glance: TemplateValue {
        var figures: [SectionContext.Figure] = []
        if let operation = digest.operation, !operation.isEmpty {
            figures.append(.init("opened", "Incidents opened", operation.opened, better: .lower))
            figures.append(.init("backlog", "Open incidents", operation.backlog, better: .lower))
        }
        if let design = digest.design, !design.isEmpty {
            figures.append(.init("resolutionCompliance", "Resolved within SLA", design.resolutionCompliance, better: .higher))
        }
        if let transition = digest.transition, !transition.isEmpty {
            figures.append(.init("successRate", "Changes successful", transition.successRate, better: .higher))
        }
        let tiles = figures.prefix(4)
        guard !tiles.isEmpty else { return .flag(false) }
        let lines = TextLayout.table(
            labelHeading: "At a glance", columns: [words.currentColumn, "Change"],
            rows: tiles.map { TextLayout.Row(label: $0.label, figures: [FigureText.value($0.metric.current, unit: $0.metric.unit), FigureText.change($0.metric)]) },
            indent: ""
        )
        return .object([
            "tiles": .list(tiles.map { figure in
                let tone = FigureText.tone(figure.metric, better: figure.better)
                return .object([
                    "label": .text(figure.label),
                    "value": .text(FigureText.value(figure.metric.current, unit: figure.metric.unit)),
                    "change": .text(FigureText.change(figure.metric)),
                    "good": .flag(tone == .good),
                    "bad": .flag(tone == .bad),
                ])
            }),
            "width": .text("\(100 / tiles.count)%"),
            "lines": .list(lines.map(TemplateValue.text)),
        ])
    }

    /// "Week of Mon 16 Nov 2026", "November 2026", "Mon 16 Nov 2026", or the range of a custom period.
    var periodLabel: String {
        let period = digest.period
        switch period.kind {
        case "day": return time.weekdayDate(period.firstDay)
        case "week": return "Week of \(time.weekdayDate(period.firstDay))"
        case "month": return time.month(period.firstDay)
        default: return time.range(period.firstDay, period.lastDay)
        }
    }

    /// "Ops weekly: week of 16 Nov 2026 — 12 incidents opened, 2 SLA breaches".
    var subject: String {
        let period = digest.period
        let when: String =
            switch period.kind {
            case "day": time.weekdayDate(period.firstDay)
            case "week": "week of \(time.date(period.firstDay))"
            case "month": time.month(period.firstDay)
            default: "\(time.date(period.firstDay)) \u{2013} \(time.date(period.lastDay))"
            }
        let news = highlights.prefix(2)
        let tail = digest.isEmpty || news.isEmpty ? "nothing to report" : news.joined(separator: ", ")
        return "\(digest.list.title): \(when) \u{2014} \(tail)"
    }

    /// The hidden first line mail clients show beside the subject.
    var preheader: String {
        digest.isEmpty || highlights.isEmpty ? "Nothing to report \(words.during)." : highlights.joined(separator: ", ") + "."
    }

    /// The headline figures, most telling first.
    var highlights: [String] {
        var result: [String] = []
        if let operation = digest.operation, let opened = operation.opened.current {
            result.append(Self.plural(opened, "incident opened", "incidents opened"))
        }
        if let design = digest.design {
            result.append(Self.plural(Double(design.breaches.count), "SLA breach", "SLA breaches"))
        }
        if let transition = digest.transition, let implemented = transition.implemented.current {
            result.append(Self.plural(implemented, "change implemented", "changes implemented"))
        }
        if let improvement = digest.improvement {
            let late = improvement.initiatives.filter { $0.standing == .late }.count
            if late > 0 { result.append(Self.plural(Double(late), "initiative late", "initiatives late")) }
        }
        return result
    }

    static func plural(_ count: Double, _ one: String, _ many: String) -> String {
        "\(FigureText.count(count)) \(count == 1 ? one : many)"
    }

    /// "All services, P1 to P4" or "Payroll, CRM; P1 to P2".
    var scope: String {
        let services = digest.list.services.isEmpty ? "All services" : digest.list.services.joined(separator: ", ")
        let priorities = digest.list.minimumPriority <= 1 ? "P1 only" : "P1 to P\(digest.list.minimumPriority)"
        return "\(services); \(priorities)"
    }

    private func section(_ stage: LifecycleStage) -> TemplateValue {
        var content = SectionContext(words: words)
        let isEmpty: Bool =
            switch stage {
            case .strategy: fill(digest.strategy, \.isEmpty, into: &content, strategy)
            case .design: fill(digest.design, \.isEmpty, into: &content, design)
            case .transition: fill(digest.transition, \.isEmpty, into: &content, transition)
            case .operation: fill(digest.operation, \.isEmpty, into: &content, operation)
            case .improvement: fill(digest.improvement, \.isEmpty, into: &content, improvement)
            }
        return .object([
            "stage": .text(stage.rawValue),
            "title": .text(stage.title),
            "titleRule": .text(String(repeating: "-", count: stage.title.count)),
            "sectionIsEmpty": .flag(isEmpty),
            "emptyLine": .text(emptyLine(stage)),
            "blocks": .list(content.blocks),
            "figures": .object(content.figures),
        ])
    }

    /// Builds a section's blocks unless it has nothing to report; returns whether it is empty.
    private func fill<Section>(
        _ section: Section?, _ isEmpty: (Section) -> Bool, into content: inout SectionContext, _ build: (Section, inout SectionContext) -> Void
    ) -> Bool {
        guard let section, !isEmpty(section) else { return true }
        build(section, &content)
        return false
    }

    /// The one line an empty section shows.
    func emptyLine(_ stage: LifecycleStage) -> String {
        switch stage {
        case .strategy: "No service changed status and no incidents were opened \(words.during)."
        case .design: "No SLA measurements, breaches or catalog changes \(words.during)."
        case .transition: "No changes implemented, scheduled or awaiting approval \(words.during)."
        case .operation: "No incidents, problems or requests \(words.during)."
        case .improvement: "No improvement initiatives or recurring incidents \(words.during)."
        }
    }
}
