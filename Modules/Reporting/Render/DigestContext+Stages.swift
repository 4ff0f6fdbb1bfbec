// What each lifecycle stage's section shows, block by block, in the order a reader wants it.
extension DigestContext {
    private typealias Figure = SectionContext.Figure
    private typealias Entry = SectionContext.Entry

    func strategy(_ section: StrategySection, into content: inout SectionContext) {
        if !section.servicesByStatus.isEmpty {
            content.figures(
                "Services by portfolio status",
                section.servicesByStatus.map { Figure("status-\($0.name)", $0.name, $0.metric, better: .neither) }
            )
        }
        content.entries(
            "Changed status",
            section.moved.map { move in
                let change = move.from.map { "\($0) \u{2192} \(move.to)" } ?? "new in \(move.to)"
                return Entry(title: move.service, facts: [change, time.dateTime(move.at)])
            },
            none: "No service changed status \(words.during).",
            count: Figure("moved", "Status changes", section.movedCount, better: .neither)
        )
        content.figures(
            "Most incidents",
            section.mostIncidents.map { Figure("incidents-\($0.name)", $0.name, $0.metric, better: .lower) }
        )
        content.names("Without an owner", section.withoutOwner, none: "Every service has an owner.")
        content.names("Without an SLA", section.withoutSLA, none: "Every service has an SLA.")
    }

    func design(_ section: DesignSection, into content: inout SectionContext) {
        content.figures(
            "SLA compliance (business time)",
            [
                Figure("responseCompliance", "Responses within target", section.responseCompliance, better: .higher),
                Figure("resolutionCompliance", "Resolutions within target", section.resolutionCompliance, better: .higher),
            ]
        )
        content.entries(
            "SLA breaches",
            section.breaches.map { breach in
                var facts = [
                    "\(breach.target == .response ? "Response" : "Resolution") target \(FigureText.duration(breach.targetSeconds)) "
                        + "overrun by \(FigureText.duration(breach.overrunSeconds))",
                    "breached \(time.dateTime(breach.breachedAt))",
                    "calendar \(breach.calendar)",
                ]
                if breach.pausedSeconds > 0 { facts.append("\(FigureText.duration(breach.pausedSeconds)) on hold") }
                return SectionContext.entry(breach.record, then: facts, warn: true)
            },
            none: "No SLA breaches \(words.during).",
            count: Figure("breaches", "Targets breached", section.breachCount, better: .lower)
        )
        if section.availability.isEmpty {
            content.names("Availability", [], none: "No major-incident downtime \(words.during).")
        } else {
            content.figures(
                "Availability",
                section.availability.map { Figure("availability-\($0.name)", $0.name, $0.metric, better: .higher) }
            )
        }
        content.entries(
            "Catalog changes",
            section.catalogChanges.map { Entry(title: $0.service, facts: [$0.change, time.dateTime($0.at)]) },
            none: "No catalog changes \(words.during).",
            count: Figure("catalogChanges", "Catalog changes", section.catalogChangeCount, better: .neither)
        )
    }

    func transition(_ section: TransitionSection, into content: inout SectionContext) {
        content.figures(
            "Changes",
            [
                Figure("implemented", "Implemented", section.implemented, better: .neither),
                Figure("successRate", "Successful", section.successRate, better: .higher),
                Figure("emergencyShare", "Emergency changes", section.emergencyShare, better: .lower),
                Figure("linkedToIncidents", "Linked to incidents", section.linkedToIncidents, better: .lower),
                Figure("leadTimeMean", "Lead time, mean", section.leadTimeMean, better: .lower),
                Figure("leadTimeMedian", "Lead time, median", section.leadTimeMedian, better: .lower),
            ]
        )
        content.entries(
            "Failed", section.failed.map { SectionContext.entry($0) }, none: "No failed changes \(words.during).",
            count: Figure("failed", "Failed changes", section.failedCount, better: .lower)
        )
        content.entries(
            "Backed out", section.backedOut.map { SectionContext.entry($0) }, none: "No changes backed out \(words.during).",
            count: Figure("backedOut", "Changes backed out", section.backedOutCount, better: .lower)
        )
        content.entries(
            "Change calendar, \(words.next)",
            section.upcoming.map { upcoming in
                var facts = ["\(time.dateTime(upcoming.start)) \u{2013} \(time.dateTime(upcoming.end))"]
                if !upcoming.collidesWith.isEmpty { facts.append("collides with \(upcoming.collidesWith.joined(separator: ", "))") }
                if !upcoming.freezeConflicts.isEmpty { facts.append("in freeze: \(upcoming.freezeConflicts.joined(separator: ", "))") }
                let conflicted = !upcoming.collidesWith.isEmpty || !upcoming.freezeConflicts.isEmpty
                return SectionContext.entry(upcoming.change, then: facts, warn: conflicted)
            },
            none: "No changes scheduled for \(words.next)."
        )
        content.entries(
            "Awaiting CAB approval", section.awaitingApproval.map { SectionContext.entry($0) }, none: "No changes awaiting approval."
        )
    }

    func operation(_ section: OperationSection, into content: inout SectionContext) {
        content.figures(
            "Incidents",
            [
                Figure("opened", "Opened", section.opened, better: .lower),
                Figure("resolved", "Resolved", section.resolved, better: .higher),
                Figure("backlog", "Open at period end", section.backlog, better: .lower),
                Figure("firstContactResolution", "Resolved at first contact", section.firstContactResolution, better: .higher),
                Figure("reopenRate", "Reopened", section.reopenRate, better: .lower),
            ]
        )
        if !section.byPriority.isEmpty {
            // One table per measure, so each priority shows this period, the previous one and the change.
            for (heading, key, measure, better) in [
                ("Opened by priority", "opened", \PriorityRow.opened, FigureText.Better.lower),
                ("Resolved by priority", "resolved", \PriorityRow.resolved, .higher),
                ("Open at period end by priority", "backlog", \PriorityRow.backlog, .lower),
            ] {
                content.figures(
                    heading, section.byPriority.map { Figure("\(key)-P\($0.priority)", "P\($0.priority)", $0[keyPath: measure], better: better) }
                )
            }
        }
        content.figures(
            "Time to acknowledge and resolve",
            [
                Figure("mttaMean", "MTTA, mean", section.mttaMean, better: .lower),
                Figure("mttaMedian", "MTTA, median", section.mttaMedian, better: .lower),
                Figure("mttaBusinessMean", "MTTA, mean business time", section.mttaBusinessMean, better: .lower),
                Figure("mttaBusinessMedian", "MTTA, median business time", section.mttaBusinessMedian, better: .lower),
                Figure("mttrMean", "MTTR, mean", section.mttrMean, better: .lower),
                Figure("mttrMedian", "MTTR, median", section.mttrMedian, better: .lower),
                Figure("mttrBusinessMean", "MTTR, mean business time", section.mttrBusinessMean, better: .lower),
                Figure("mttrBusinessMedian", "MTTR, median business time", section.mttrBusinessMedian, better: .lower),
            ]
        )
        if !section.backlogAge.isEmpty {
            content.figures(
                "Open incidents by age",
                section.backlogAge.map { Figure("age-\($0.name)", $0.name, $0.metric, better: .neither) }
            )
        }
        content.entries(
            "Major incidents", section.majorIncidents.map { SectionContext.entry($0) }, none: "No major incidents \(words.during).",
            count: Figure("majorIncidents", "Major incidents", section.majorIncidentCount, better: .lower)
        )
        content.entries(
            "At risk of breach in the next 24 business hours",
            section.atRisk.map { risk in
                let target = risk.target == .response ? "Response" : "Resolution"
                return SectionContext.entry(
                    risk.record, then: ["\(target) due \(time.dateTime(risk.deadline))", "\(FigureText.duration(risk.remainingSeconds)) left"],
                    warn: true
                )
            },
            none: "Nothing is due to breach in the next 24 business hours."
        )
        content.figures(
            "Problems and requests",
            [
                Figure("problemsOpened", "Problems opened", section.problemsOpened, better: .neither),
                Figure("knownErrorsAdded", "Known errors added", section.knownErrorsAdded, better: .neither),
                Figure("problemQueueGrowth", "Problem queue growth", section.problemQueueGrowth, better: .lower),
                Figure("requestsFulfilled", "Requests fulfilled", section.requestsFulfilled, better: .higher),
                Figure("requestsWithinTarget", "Requests within target", section.requestsWithinTarget, better: .higher),
            ]
        )
    }

    func improvement(_ section: ImprovementSection, into content: inout SectionContext) {
        content.entries(
            "Improvement initiatives",
            section.initiatives.map { initiative in
                let unit = initiative.value.unit
                var facts = [
                    "\(initiative.metric): baseline \(FigureText.value(initiative.baseline, unit: unit)), "
                        + "target \(FigureText.value(initiative.target, unit: unit)), "
                        + "now \(FigureText.value(initiative.value.current, unit: unit)) (\(FigureText.change(initiative.value)))",
                    Self.standing(initiative.standing),
                ]
                if let due = initiative.dueDate { facts.append("due \(time.date(due))") }
                if let owner = initiative.owner { facts.append("owner \(owner)") }
                if let service = initiative.service { facts.append(service) }
                return Entry(reference: initiative.reference, title: initiative.title, facts: facts, warn: initiative.standing == .late)
            },
            none: "No improvement initiatives open."
        )
        content.entries(
            "Recurring incidents without a problem record",
            section.recurringWithoutProblem.map { recurring in
                Entry(
                    title: recurring.service.map { "\(recurring.category) (\($0))" } ?? recurring.category,
                    facts: [DigestContext.plural(Double(recurring.incidents), "incident", "incidents") + " \(words.during)"]
                )
            },
            none: "No recurring incident category lacks a problem record.",
            count: Figure("recurringWithoutProblem", "Recurring categories", section.recurringCount, better: .lower)
        )
    }

    private static func standing(_ standing: Initiative.Standing) -> String {
        switch standing {
        case .achieved: "achieved"
        case .onSchedule: "on schedule"
        case .late: "late"
        }
    }
}
