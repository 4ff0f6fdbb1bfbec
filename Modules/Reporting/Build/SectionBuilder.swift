import Domain

/// Turns the loaded facts into the five sections. Pure: no I/O, the same facts give the same digest.
struct SectionBuilder {
    let facts: DigestFacts
    let scope: DigestScope
    let period: ReportingPeriod
    /// Per incident (same order as `facts.incidents`): its instants, flags and the business time
    /// from opening to first response, to resolution and to the period's end, measured once and
    /// shared by every figure. Plain values, so the many passes over them copy no references.
    private let timings: [Timing]
    /// The SLA clocks the timings point at (`Timing.clocks`).
    private let clockSets: [ClockSet]

    typealias ClockSet = (calendar: BusinessCalendar, response: SLAClock, resolution: SLAClock)

    struct Timing {
        var opened: Instant
        var firstResponse: Instant?
        var resolved: Instant?
        var isMajor: Bool
        /// Index into `clockSets`, or -1 when the incident has no SLA target.
        var clocks: Int
        var toResponse: Duration?
        var toResolution: Duration?
        /// To the period's end, for incidents opened before it and open at it.
        var toEnd: Duration?
    }

    /// A response or resolution target that ran out within a period (see `ranOut(in:)`).
    struct RanOut {
        var index: Int
        var target: Breach.Target
        var clock: SLAClock
        /// Business time from opening to the clock's stop, or to the period's end if that comes first.
        var elapsed: Duration
        var deadline: Instant
        var pauses: [Range<Instant>]
    }

    init(facts: DigestFacts, scope: DigestScope, period: ReportingPeriod) {
        self.facts = facts
        self.scope = scope
        self.period = period
        var clockSets: [ClockSet] = []
        var clockIndex: [String: Int] = [:]
        let end = scope.current.upperBound
        timings = facts.incidents.map { incident in
            let key = "\(incident.serviceID ?? -1):\(incident.priority.rawValue)"
            let index: Int
            if let known = clockIndex[key] {
                index = known
            } else if let clocks = Self.clocks(facts: facts, incident.serviceID, incident.priority) {
                index = clockSets.count
                clockSets.append(clocks)
                clockIndex[key] = index
            } else {
                index = -1
                clockIndex[key] = -1
            }
            var timing = Timing(
                opened: incident.openedAt, firstResponse: incident.firstResponseAt, resolved: incident.resolvedAt, isMajor: incident.isMajor,
                clocks: index)
            guard index >= 0 else { return timing }
            let calendar = clockSets[index].calendar
            func business(to stop: Instant?) -> Duration? {
                stop.map { calendar.businessTime(from: incident.openedAt, to: $0, pauses: incident.pauses(until: $0)) }
            }
            let openAtEnd = incident.openedAt < end && (incident.firstResponseAt.map { $0 >= end } ?? true || incident.resolvedAt.map { $0 >= end } ?? true)
            timing.toResponse = business(to: incident.firstResponseAt)
            timing.toResolution = business(to: incident.resolvedAt)
            timing.toEnd = openAtEnd ? business(to: end) : nil
            return timing
        }
        self.clockSets = clockSets
    }

    private var current: Range<Instant> { scope.current }
    private var previous: Range<Instant> { scope.previous }
    private var end: Instant { scope.current.upperBound }

    // MARK: Strategy

    func strategy() -> StrategySection {
        let services = scopedServices
        let byStatus = ["pipeline", "catalog", "retired"].map { NamedMetric($0, (facts.servicesByStatus[$0] ?? PeriodCount()).metric) }
        let moved = services.flatMap { service in
            service.events.filter { $0.action == "transitioned" && current.contains($0.at) }.map {
                StatusMove(service: service.name, from: $0.from, to: $0.to ?? service.status, at: Timestamp($0.at))
            }
        }.sorted { ($0.at, $0.service) < ($1.at, $1.service) }
        // A register as it stands now: the trail does not say what an owner or SLA edit changed from.
        let active = services.filter { $0.status != "retired" }
        return StrategySection(
            servicesByStatus: byStatus, movedCount: facts.statusMoves.metric, moved: moved,
            withoutOwner: active.filter { $0.owner == nil }.map(\.name),
            withoutSLA: active.filter { $0.slaID == nil }.map(\.name),
            mostIncidents: facts.busiest.map { NamedMetric(serviceName($0.serviceID) ?? "service \($0.serviceID)", .count($0.now, previous: $0.before)) })
    }

    // MARK: Design

    func design() -> DesignSection {
        func compliance(_ range: Range<Instant>, response: Bool) -> Double? {
            var met = 0, measured = 0
            for timing in timings where timing.clocks >= 0 {
                guard let stop = response ? timing.firstResponse : timing.resolved, range.contains(stop),
                      let elapsed = response ? timing.toResponse : timing.toResolution else { continue }
                measured += 1
                let clocks = clockSets[timing.clocks]
                if elapsed <= (response ? clocks.response : clocks.resolution).target { met += 1 }
            }
            return percent(met, of: measured)
        }
        // Largest overrun first; equal overruns in record order (INC-9 before INC-10).
        let breaches = ranOut(in: current).map { ran in
            Breach(
                record: incidentLine(facts.incidents[ran.index]), target: ran.target, targetSeconds: ran.clock.target.secondsValue,
                overrunSeconds: (ran.elapsed - ran.clock.target).secondsValue, breachedAt: Timestamp(ran.deadline),
                calendar: clockSets[timings[ran.index].clocks].calendar.name,
                pausedSeconds: ran.pauses.reduce(0) { $0 + ($1.upperBound - $1.lowerBound).secondsValue })
        }.sorted { ($0.overrunSeconds, $1.record.number, $1.target.rawValue) > ($1.overrunSeconds, $0.record.number, $0.target.rawValue) }

        var availability: [NamedMetric] = []
        let majors = facts.incidents.filter { $0.isMajor && $0.serviceID != nil }
        for serviceID in Set(majors.compactMap(\.serviceID)).sorted() {
            let spans = majors.filter { $0.serviceID == serviceID }.map { $0.openedAt..<($0.resolvedAt ?? end) }
            let downNow = downtime(spans, in: current), downBefore = downtime(spans, in: previous)
            guard downNow > .zero || downBefore > .zero else { continue }
            availability.append(NamedMetric(serviceName(serviceID) ?? "service \(serviceID)", Metric(
                .percent, current: 100 * (1 - downNow.secondsValue / (current.upperBound - current.lowerBound).secondsValue),
                previous: 100 * (1 - downBefore.secondsValue / (previous.upperBound - previous.lowerBound).secondsValue))))
        }

        let catalogChanges = scopedServices.flatMap { service in
            service.events.filter { current.contains($0.at) }.map { event in
                let change = switch event.action {
                case "created": "added to the \(event.to ?? service.status) portfolio"
                case "transitioned": "moved from \(event.from ?? "?") to \(event.to ?? "?")"
                default: "details updated"
                }
                return CatalogChange(service: service.name, change: change, at: Timestamp(event.at))
            }
        }.sorted { ($0.at, $0.service) < ($1.at, $1.service) }

        return DesignSection(
            responseCompliance: Metric(.percent, current: compliance(current, response: true), previous: compliance(previous, response: true)),
            resolutionCompliance: Metric(.percent, current: compliance(current, response: false), previous: compliance(previous, response: false)),
            breachCount: .count(breaches.count, previous: ranOut(in: previous).count), breaches: breaches, availability: availability,
            catalogChangeCount: facts.catalogChanges.metric, catalogChanges: catalogChanges)
    }

    /// The targets that ran out within `range` (docs/KPIS.md, Breaches): the business time at the
    /// range's end, or when the clock stopped if earlier, is over the target; the deadline falls in
    /// the range; and the clock had not stopped by then. Business time, so counted here, not in SQL.
    private func ranOut(in range: Range<Instant>) -> [RanOut] {
        let rangeEnd = range.upperBound
        var result: [RanOut] = []
        for index in timings.indices where timings[index].clocks >= 0 && timings[index].opened < rangeEnd {
            let timing = timings[index]
            let clocks = clockSets[timing.clocks]
            let incident = facts.incidents[index]
            // Business time to the range's end, for a clock still running then: measured with the
            // timings for the period's end, here (once per incident) for an earlier range.
            var measured: Duration??
            func elapsedAtRangeEnd() -> Duration? {
                if let measured { return measured }
                let value = rangeEnd == end
                    ? timing.toEnd : clocks.calendar.businessTime(from: timing.opened, to: rangeEnd, pauses: incident.pauses(until: rangeEnd))
                measured = .some(value)
                return value
            }
            for (target, clock, stop, stopped) in [
                (Breach.Target.response, clocks.response, timing.firstResponse, timing.toResponse),
                (Breach.Target.resolution, clocks.resolution, timing.resolved, timing.toResolution),
            ] {
                // Within the target when the clock stopped (or at the range's end): no deadline passed, no breach.
                let elapsed = if let stop, stop <= rangeEnd { stopped } else { elapsedAtRangeEnd() }
                guard let elapsed, elapsed > clock.target else { continue }
                let pauses = incident.pauses(until: min(stop ?? rangeEnd, rangeEnd))
                guard let deadline = try? clock.deadline(from: timing.opened, pauses: pauses), range.contains(deadline),
                      stop.map({ $0 > deadline }) ?? true else { continue }
                result.append(RanOut(index: index, target: target, clock: clock, elapsed: elapsed, deadline: deadline, pauses: pauses))
            }
        }
        return result
    }

    // MARK: Transition

    func transition() -> TransitionSection {
        let counts = facts.changeCounts
        func count(_ name: String) -> Metric { .count(counts["\(name)_now"] ?? 0, previous: counts["\(name)_before"] ?? 0) }
        func share(_ part: String, of whole: String) -> Metric {
            Metric(.percent, current: percent(counts["\(part)_now"] ?? 0, of: counts["\(whole)_now"] ?? 0),
                   previous: percent(counts["\(part)_before"] ?? 0, of: counts["\(whole)_before"] ?? 0))
        }
        let leadNow = facts.changes.filter { current.contains($0.implementedAt) }.map { ($0.implementedAt - $0.requestedAt).secondsValue }
        let leadBefore = facts.changes.filter { previous.contains($0.implementedAt) }.map { ($0.implementedAt - $0.requestedAt).secondsValue }
        // The lists name this period's records; their counts (and the previous period's) come from SQL.
        func lines(outcome: String) -> [RecordLine] {
            facts.changes.filter { current.contains($0.implementedAt) && $0.outcome == outcome }.map {
                RecordLine(reference: "CHG-\($0.id)", title: $0.title, service: serviceName($0.serviceID), note: outcome)
            }
        }
        let next = scope.next
        let upcoming = facts.planned.filter { next.contains($0.window.lowerBound) }.map { change in
            let collisions = facts.planned.filter {
                $0.id != change.id && change.serviceID != nil && $0.serviceID == change.serviceID && $0.window.overlaps(change.window)
            }
            let freezes = facts.freezes.filter { $0.applies(to: change.serviceID) && $0.range.overlaps(change.window) }
            return UpcomingChange(
                change: RecordLine(reference: "CHG-\(change.id)", title: change.title, service: serviceName(change.serviceID)),
                start: Timestamp(change.window.lowerBound), end: Timestamp(change.window.upperBound),
                collidesWith: collisions.map { "CHG-\($0.id)" }, freezeConflicts: freezes.map(\.name))
        }
        let awaiting = facts.awaiting.map { change in
            let days = max(0, (end - change.requestedAt).secondsValue / 86_400)
            return RecordLine(
                reference: "CHG-\(change.id)", title: change.title, service: serviceName(change.serviceID),
                note: "requested \(Int(days)) day\(Int(days) == 1 ? "" : "s") before the period's end")
        }
        return TransitionSection(
            implemented: count("implemented"), successRate: share("successful", of: "with_outcome"),
            emergencyShare: share("emergency", of: "implemented"), failedCount: count("failed"), backedOutCount: count("backed_out"),
            failed: lines(outcome: "failed"), backedOut: lines(outcome: "backed-out"),
            linkedToIncidents: count("linked"), leadTimeMean: Metric(.seconds, current: mean(leadNow), previous: mean(leadBefore)),
            leadTimeMedian: Metric(.seconds, current: median(leadNow), previous: median(leadBefore)),
            upcoming: upcoming, awaitingApproval: awaiting)
    }

    // MARK: Operation

    func operation() -> OperationSection {
        let rows = Priority.allCases.map { priority in
            let counts = facts.byPriority[priority] ?? PriorityCounts()
            return PriorityRow(
                priority: priority.rawValue, opened: .count(counts.openedNow, previous: counts.openedBefore),
                resolved: .count(counts.resolvedNow, previous: counts.resolvedBefore), backlog: .count(counts.openNow, previous: counts.openBefore))
        }
        func total(_ metric: (PriorityRow) -> Metric) -> Metric {
            Metric(.count, current: rows.reduce(0) { $0 + (metric($1).current ?? 0) }, previous: rows.reduce(0) { $0 + (metric($1).previous ?? 0) })
        }
        let bucketNames = ["0-2 days", "3-7 days", "8-30 days", "over 30 days"]
        let buckets = bucketNames.indices.map { index in
            NamedMetric(bucketNames[index], .count(
                facts.byPriority.values.reduce(0) { $0 + $1.ageNow[index] }, previous: facts.byPriority.values.reduce(0) { $0 + $1.ageBefore[index] }))
        }

        // Wall-clock and business durations from opening to first response or to resolution.
        func durations(_ range: Range<Instant>, response: Bool, business: Bool) -> [Double] {
            timings.compactMap { timing in
                guard let stop = response ? timing.firstResponse : timing.resolved, range.contains(stop) else { return nil }
                guard business else { return (stop - timing.opened).secondsValue }
                return (response ? timing.toResponse : timing.toResolution)?.secondsValue
            }
        }
        func timing(response: Bool, business: Bool, _ statistic: ([Double]) -> Double?) -> Metric {
            Metric(.seconds, current: statistic(durations(current, response: response, business: business)),
                   previous: statistic(durations(previous, response: response, business: business)))
        }
        /// A share of the incidents resolved, from the per-priority counts the flow query made.
        func resolvedShare(_ now: (PriorityCounts) -> Int, _ before: (PriorityCounts) -> Int) -> Metric {
            let counts = facts.byPriority.values
            func sum(_ part: (PriorityCounts) -> Int) -> Int { counts.reduce(0) { $0 + part($1) } }
            return Metric(.percent, current: percent(sum(now), of: sum(\.resolvedNow)), previous: percent(sum(before), of: sum(\.resolvedBefore)))
        }

        let majors = facts.incidents.filter { $0.isMajor && $0.openedAt < end && ($0.resolvedAt.map { $0 >= current.lowerBound } ?? true) }
            .map { incident in
                var line = incidentLine(incident)
                line.note = incident.resolvedAt.map { $0 < end } == true ? "resolved" : "open at the period's end"
                return line
            }

        let problems = facts.problems
        func problemCount(_ what: String) -> Metric { .count(problems[what]?.now ?? 0, previous: problems[what]?.before ?? 0) }
        let growth = Metric(
            .count, current: Double((problems["opened"]?.now ?? 0) - (problems["resolved"]?.now ?? 0)),
            previous: Double((problems["opened"]?.before ?? 0) - (problems["resolved"]?.before ?? 0)))

        // Business time per request: counted here from the rows, not in SQL.
        func withinTarget(_ range: Range<Instant>) -> Double? {
            var met = 0, measured = 0
            for request in facts.requests {
                guard let stop = request.fulfilledAt, range.contains(stop), let clocks = clocks(request.serviceID, request.priority) else { continue }
                measured += 1
                if clocks.resolution.elapsed(from: request.openedAt, to: stop) <= clocks.resolution.target { met += 1 }
            }
            return percent(met, of: measured)
        }

        return OperationSection(
            opened: total(\.opened), resolved: total(\.resolved), backlog: total(\.backlog), byPriority: rows,
            mttaMean: timing(response: true, business: false, mean), mttaMedian: timing(response: true, business: false, median),
            mttaBusinessMean: timing(response: true, business: true, mean), mttaBusinessMedian: timing(response: true, business: true, median),
            mttrMean: timing(response: false, business: false, mean), mttrMedian: timing(response: false, business: false, median),
            mttrBusinessMean: timing(response: false, business: true, mean), mttrBusinessMedian: timing(response: false, business: true, median),
            firstContactResolution: resolvedShare(\.firstContactNow, \.firstContactBefore), reopenRate: resolvedShare(\.reopenedNow, \.reopenedBefore),
            backlogAge: buckets, majorIncidentCount: facts.majors.metric, majorIncidents: majors, atRisk: atRisk(), problemsOpened: problemCount("opened"),
            knownErrorsAdded: problemCount("known-error"), problemQueueGrowth: growth, requestsFulfilled: facts.requestsFulfilled.metric,
            requestsWithinTarget: Metric(.percent, current: withinTarget(current), previous: withinTarget(previous)))
    }

    /// Incidents and requests open at the period's end whose running target has at most 24 business
    /// hours left (and has not already run out), soonest first.
    private func atRisk() -> [AtRisk] {
        let horizon = Duration.hours(24)
        var result: [AtRisk] = []
        for index in timings.indices where timings[index].clocks >= 0 && timings[index].opened < end && (timings[index].resolved.map { $0 >= end } ?? true) {
            let timing = timings[index]
            let clocks = clockSets[timing.clocks]
            let responded = timing.firstResponse.map { $0 < end } ?? false
            let (target, clock) = responded ? (Breach.Target.resolution, clocks.resolution) : (.response, clocks.response)
            guard let elapsed = timing.toEnd, elapsed < clock.target, clock.target - elapsed <= horizon else { continue }
            let remaining = clock.target - elapsed
            let incident = facts.incidents[index]
            guard let deadline = try? clock.deadline(from: timing.opened, pauses: incident.pauses(until: end)) else { continue }
            result.append(AtRisk(record: incidentLine(incident), target: target, deadline: Timestamp(deadline), remainingSeconds: remaining.secondsValue))
        }
        for request in facts.requests where request.openedAt < end && (request.fulfilledAt.map { $0 >= end } ?? request.isOpen) {
            guard let clocks = clocks(request.serviceID, request.priority) else { continue }
            let remaining = clocks.resolution.remaining(start: request.openedAt, at: end)
            guard remaining > .zero, remaining <= horizon, let deadline = try? clocks.resolution.deadline(from: request.openedAt) else { continue }
            result.append(AtRisk(
                record: RecordLine(reference: "REQ-\(request.id)", title: request.title, service: serviceName(request.serviceID), priority: request.priority.rawValue),
                target: .resolution, deadline: Timestamp(deadline), remainingSeconds: remaining.secondsValue))
        }
        return result.sorted { ($0.deadline, $0.record.reference) < ($1.deadline, $1.record.reference) }
    }

    // MARK: Improvement

    func improvement() -> ImprovementSection {
        let lastInstant = end - .microseconds(1)
        let beforeStart = current.lowerBound - .microseconds(1)
        let initiatives = facts.improvements.compactMap { improvement -> Initiative? in
            guard let id = improvement.id, improvement.events.first.map({ $0.at < end }) ?? false else { return nil }
            // Finished (completed or cancelled) before the period began: no longer news.
            if let finish = improvement.events.last(where: { $0.to == .completed || $0.to == .cancelled }), finish.at < current.lowerBound {
                return nil
            }
            let value = improvement.value(asOf: lastInstant)
            let progress = value.map { ($0 - improvement.baseline) / (improvement.target - improvement.baseline) } ?? 0
            let standing: Initiative.Standing = if progress >= 1 {
                .achieved
            } else if let due = improvement.dueDate, due <= period.lastDay {
                .late
            } else {
                .onSchedule
            }
            return Initiative(
                reference: "CSI-\(id)", title: improvement.title, owner: improvement.owner, service: serviceName(improvement.serviceID),
                metric: improvement.metric, baseline: improvement.baseline, target: improvement.target,
                value: Metric(.number, current: value, previous: improvement.value(asOf: beforeStart)), dueDate: improvement.dueDate,
                state: improvement.state.rawValue, standing: standing)
        }
        let recurring = zip(facts.recurring, facts.recurringServiceIDs).map { category, serviceID in
            RecurringCategory(category: category.category, service: serviceName(serviceID), incidents: category.incidents)
        }
        return ImprovementSection(initiatives: initiatives, recurringCount: facts.recurringCount.metric, recurringWithoutProblem: recurring)
    }

    // MARK: Helpers

    private var scopedServices: [ServiceRow] {
        facts.services.values
            .filter { scope.serviceIDs.isEmpty || scope.serviceIDs.contains($0.id) }
            .filter { $0.createdAt < end }
            .sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    private func serviceName(_ id: Int64?) -> String? { id.flatMap { facts.services[$0]?.name } }

    /// The SLA clocks for an item of `priority` on `serviceID`, through the service's SLA and its calendar.
    private func clocks(_ serviceID: Int64?, _ priority: Priority) -> (calendar: BusinessCalendar, response: SLAClock, resolution: SLAClock)? {
        Self.clocks(facts: facts, serviceID, priority)
    }

    private static func clocks(
        facts: DigestFacts, _ serviceID: Int64?, _ priority: Priority
    ) -> (calendar: BusinessCalendar, response: SLAClock, resolution: SLAClock)? {
        guard let serviceID, let slaID = facts.services[serviceID]?.slaID, let sla = facts.slas[slaID],
              let calendar = facts.calendars[sla.calendarID], let clocks = try? sla.clocks(for: priority, calendar: calendar) else { return nil }
        return (calendar, clocks.response, clocks.resolution)
    }

    private func incidentLine(_ incident: IncidentRow) -> RecordLine {
        RecordLine(reference: incident.reference, title: incident.title, service: serviceName(incident.serviceID), priority: incident.priority.rawValue)
    }
}

extension RecordLine {
    /// The id in the reference (`INC-42` is 42), for ordering records as they were created.
    var number: Int64 { Int64(reference.split(separator: "-").last ?? "") ?? 0 }
}

/// `part` of `whole` as a percentage; nil when there is nothing to measure.
func percent(_ part: Int, of whole: Int) -> Double? {
    whole == 0 ? nil : 100 * Double(part) / Double(whole)
}

func mean(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
}

/// The middle value, or the mean of the two middle values for an even count.
func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
}

/// How long `spans` (which may overlap) cover within `range`.
func downtime(_ spans: [Range<Instant>], in range: Range<Instant>) -> Duration {
    let clipped = spans.compactMap { span -> Range<Instant>? in
        let lower = max(span.lowerBound, range.lowerBound), upper = min(span.upperBound, range.upperBound)
        return lower < upper ? lower..<upper : nil
    }.sorted { $0.lowerBound < $1.lowerBound }
    var total = Duration.zero
    var covered: Range<Instant>?
    for span in clipped {
        if let current = covered, span.lowerBound <= current.upperBound {
            covered = current.lowerBound..<max(current.upperBound, span.upperBound)
        } else {
            if let current = covered { total += current.upperBound - current.lowerBound }
            covered = span
        }
    }
    if let current = covered { total += current.upperBound - current.lowerBound }
    return total
}
