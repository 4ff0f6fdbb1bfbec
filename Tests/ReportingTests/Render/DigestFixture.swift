import Domain
import Reporting
import Testing

/// Digests built by hand for the rendering tests: one with every section filled, one with every
/// section empty. The list is in Europe/Berlin (CET, UTC+1 in November), so 08:00Z reads 09:00.
enum DigestFixture {
    static func instant(_ text: String) throws -> Timestamp { Timestamp(try #require(Instant(iso8601: text))) }
    static func day(_ text: String) throws -> CivilDate { try #require(CivilDate(text)) }

    static func heading(title: String = "Ops weekly") throws -> (ListHeading, PeriodHeading) {
        let list = ListHeading(slug: "ops-weekly", title: title, timeZone: "Europe/Berlin", services: ["Payroll", "Email", "Network"], minimumPriority: 3)
        let period = PeriodHeading(
            kind: "week", firstDay: try day("2026-11-16"), lastDay: try day("2026-11-22"),
            start: try instant("2026-11-15T23:00:00Z"), end: try instant("2026-11-22T23:00:00Z"),
            previousFirstDay: try day("2026-11-09"), previousLastDay: try day("2026-11-15")
        )
        return (list, period)
    }

    /// Every section filled; `title` replaces one incident title (for the escaping tests).
    static func full(incidentTitle: String = "Payroll export times out for the Berlin office") throws -> Digest {
        let (list, period) = try heading()
        let strategy = StrategySection(
            servicesByStatus: [NamedMetric("pipeline", .count(2, previous: 3)), NamedMetric("catalog", .count(14, previous: 13)), NamedMetric("retired", .count(1, previous: 1))],
            movedCount: .count(1, previous: 2),
            moved: [StatusMove(service: "Email archive", from: "pipeline", to: "catalog", at: try instant("2026-11-17T13:30:00Z"))],
            withoutOwner: ["Print service"],
            withoutSLA: ["Print service", "Wiki"],
            mostIncidents: [NamedMetric("Payroll", .count(5, previous: 2)), NamedMetric("Email", .count(4, previous: 6)), NamedMetric("Network", .count(3, previous: 3))]
        )
        let design = DesignSection(
            responseCompliance: Metric(.percent, current: 97.5, previous: 95.0),
            resolutionCompliance: Metric(.percent, current: 88.9, previous: 91.4),
            breachCount: .count(2, previous: 3),
            breaches: [
                Breach(
                    record: RecordLine(reference: "INC-1042", title: incidentTitle, service: "Payroll", priority: 2),
                    target: .resolution, targetSeconds: 8 * 3600, overrunSeconds: 3 * 3600 + 20 * 60,
                    breachedAt: try instant("2026-11-18T15:00:00Z"), calendar: "Berlin office hours", pausedSeconds: 45 * 60
                ),
                Breach(
                    record: RecordLine(reference: "INC-1057", title: "Mail delivery delayed to external domains", service: "Email", priority: 3),
                    target: .response, targetSeconds: 4 * 3600, overrunSeconds: 45, breachedAt: try instant("2026-11-20T10:15:00Z"),
                    calendar: "Berlin office hours", pausedSeconds: 0
                ),
            ],
            availability: [NamedMetric("Payroll", Metric(.percent, current: 99.2, previous: 100)), NamedMetric("Email", Metric(.percent, current: 100, previous: 99.7))],
            catalogChangeCount: .count(1, previous: 0),
            catalogChanges: [CatalogChange(service: "Email archive", change: "moved to catalog", at: try instant("2026-11-17T13:30:00Z"))]
        )
        let transition = TransitionSection(
            implemented: .count(12, previous: 9),
            successRate: Metric(.percent, current: 91.7, previous: 100),
            emergencyShare: Metric(.percent, current: 8.3, previous: 11.1),
            failedCount: .count(1, previous: 0),
            backedOutCount: .count(0, previous: 1),
            failed: [RecordLine(reference: "CHG-311", title: "Upgrade the payroll database to version 16", service: "Payroll", note: "failed, rolled forward")],
            backedOut: [],
            linkedToIncidents: .count(1, previous: 0),
            leadTimeMean: Metric(.seconds, current: 2 * 86_400 + 4 * 3600, previous: 3 * 86_400),
            leadTimeMedian: Metric(.seconds, current: 20 * 3600, previous: nil),
            upcoming: [
                UpcomingChange(
                    change: RecordLine(reference: "CHG-320", title: "Replace the core switch in the second data centre", service: "Network"),
                    start: try instant("2026-11-24T21:00:00Z"), end: try instant("2026-11-25T01:00:00Z"),
                    collidesWith: ["CHG-322"], freezeConflicts: []
                ),
                UpcomingChange(
                    change: RecordLine(reference: "CHG-322", title: "Firmware update on the edge routers", service: "Network"),
                    start: try instant("2026-11-24T23:00:00Z"), end: try instant("2026-11-25T00:30:00Z"),
                    collidesWith: ["CHG-320"], freezeConflicts: ["Month-end payroll run"]
                ),
            ],
            awaitingApproval: [RecordLine(reference: "CHG-325", title: "Rotate the mail gateway certificates", service: "Email", priority: 3)]
        )
        let operation = OperationSection(
            opened: .count(12, previous: 10), resolved: .count(11, previous: 12), backlog: .count(1_204, previous: 1_203),
            byPriority: [
                PriorityRow(priority: 1, opened: .count(1, previous: 0), resolved: .count(1, previous: 0), backlog: .count(0, previous: 0)),
                PriorityRow(priority: 2, opened: .count(4, previous: 3), resolved: .count(3, previous: 5), backlog: .count(7, previous: 6)),
                PriorityRow(priority: 3, opened: .count(7, previous: 7), resolved: .count(7, previous: 7), backlog: .count(1_197, previous: 1_197)),
            ],
            mttaMean: Metric(.seconds, current: 12 * 60 + 30, previous: 15 * 60),
            mttaMedian: Metric(.seconds, current: 45, previous: 50),
            mttaBusinessMean: Metric(.seconds, current: 10 * 60, previous: 10 * 60),
            mttaBusinessMedian: Metric(.seconds, current: 40, previous: nil),
            mttrMean: Metric(.seconds, current: 3 * 3600 + 20 * 60, previous: 2 * 3600 + 5 * 60),
            mttrMedian: Metric(.seconds, current: 2 * 3600, previous: 2 * 3600 + 30 * 60),
            mttrBusinessMean: Metric(.seconds, current: 2 * 3600 + 50 * 60, previous: 2 * 3600),
            mttrBusinessMedian: Metric(.seconds, current: 100 * 60, previous: 90 * 60),
            firstContactResolution: Metric(.percent, current: 41.7, previous: 40),
            reopenRate: Metric(.percent, current: 0, previous: 8.3),
            backlogAge: [
                NamedMetric("0-2 days", .count(3, previous: 4)), NamedMetric("3-7 days", .count(2, previous: 1)),
                NamedMetric("8-30 days", .count(4, previous: 4)), NamedMetric(">30 days", .count(1_195, previous: 1_194)),
            ],
            majorIncidentCount: .count(1, previous: 2),
            majorIncidents: [RecordLine(reference: "INC-1040", title: "Core switch failure in the first data centre", service: "Network", priority: 1, note: "resolved after 3 h 20 min")],
            atRisk: [
                AtRisk(
                    record: RecordLine(reference: "INC-1061", title: "VPN drops every few minutes for remote staff", service: "Network", priority: 2),
                    target: .resolution, deadline: try instant("2026-11-23T13:00:00Z"), remainingSeconds: 5 * 3600 + 30 * 60
                ),
            ],
            problemsOpened: .count(2, previous: 1), knownErrorsAdded: .count(1, previous: 0), problemQueueGrowth: .count(-1, previous: 2),
            requestsFulfilled: .count(38, previous: 41), requestsWithinTarget: Metric(.percent, current: 94.7, previous: 92.7)
        )
        let improvement = ImprovementSection(
            initiatives: [
                Initiative(
                    reference: "CSI-7", title: "Halve password reset calls with self-service", owner: "Dana Weber", service: "Identity",
                    metric: "Reset calls a week", baseline: 120, target: 60, value: .count(85, previous: 95),
                    dueDate: try day("2026-12-31"), state: "in progress", standing: .onSchedule
                ),
                Initiative(
                    reference: "CSI-4", title: "First-contact resolution above 50%", owner: nil, service: nil,
                    metric: "First-contact resolution", baseline: 35, target: 50, value: Metric(.percent, current: 41.7, previous: 40),
                    dueDate: try day("2026-10-31"), state: "in progress", standing: .late
                ),
            ],
            recurringCount: .count(1, previous: 1),
            recurringWithoutProblem: [RecurringCategory(category: "Printing", service: "Print service", incidents: 4)]
        )
        return Digest(
            list: list, period: period, generatedAt: try instant("2026-11-23T08:00:00Z"),
            strategy: strategy, design: design, transition: transition, operation: operation, improvement: improvement
        )
    }

    /// Every stage selected, nothing to report in any.
    static func empty() throws -> Digest {
        let (list, period) = try heading()
        let noPercent = Metric(.percent, current: nil, previous: nil)
        let noTime = Metric(.seconds, current: nil, previous: nil)
        let zero = Metric.count(0, previous: 0)
        return Digest(
            list: list, period: period, generatedAt: try instant("2026-11-23T08:00:00Z"),
            strategy: StrategySection(servicesByStatus: [NamedMetric("catalog", .count(14, previous: 14))], movedCount: zero, moved: [], withoutOwner: [], withoutSLA: [],
                mostIncidents: []),
            design: DesignSection(
                responseCompliance: noPercent, resolutionCompliance: noPercent, breachCount: zero, breaches: [], availability: [],
                catalogChangeCount: zero, catalogChanges: []
            ),
            transition: TransitionSection(
                implemented: zero, successRate: noPercent, emergencyShare: noPercent, failedCount: zero, backedOutCount: zero, failed: [],
                backedOut: [], linkedToIncidents: zero,
                leadTimeMean: noTime, leadTimeMedian: noTime, upcoming: [], awaitingApproval: []
            ),
            operation: OperationSection(
                opened: zero, resolved: zero, backlog: zero, byPriority: [], mttaMean: noTime, mttaMedian: noTime, mttaBusinessMean: noTime,
                mttaBusinessMedian: noTime, mttrMean: noTime, mttrMedian: noTime, mttrBusinessMean: noTime, mttrBusinessMedian: noTime,
                firstContactResolution: noPercent, reopenRate: noPercent, backlogAge: [], majorIncidentCount: zero, majorIncidents: [], atRisk: [], problemsOpened: zero,
                knownErrorsAdded: zero, problemQueueGrowth: zero, requestsFulfilled: zero, requestsWithinTarget: noPercent
            ),
            improvement: ImprovementSection(initiatives: [], recurringCount: zero, recurringWithoutProblem: [])
        )
    }

    static func recipient(name: String? = "Ada Lovelace", token: String = "u1-3f9a") throws -> Recipient {
        try Recipient(
            name: name, unsubscribeURL: "https://itsm.example.org/unsubscribe?t=\(token)",
            manageURL: "https://itsm.example.org/lists/ops-weekly"
        )
    }
}
