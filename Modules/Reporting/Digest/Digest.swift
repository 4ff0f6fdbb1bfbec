import Domain

/// One lifecycle digest: what happened in each selected stage of the ITIL lifecycle over one period,
/// for one list's filter. Built once per list and period; only the greeting and the unsubscribe
/// link differ per subscriber, and those are the renderers' business.
///
/// Every figure is defined in docs/KPIS.md. Counts are whole numbers; percentages are 0...100;
/// durations are seconds. A figure with nothing to measure (a rate over zero items) is nil, shown as "n/a".
public struct Digest: Codable, Hashable, Sendable {
    public var list: ListHeading
    public var period: PeriodHeading
    /// When the digest was built.
    public var generatedAt: Timestamp
    public var strategy: StrategySection?
    public var design: DesignSection?
    public var transition: TransitionSection?
    public var operation: OperationSection?
    public var improvement: ImprovementSection?

    public init(
        list: ListHeading, period: PeriodHeading, generatedAt: Timestamp, strategy: StrategySection? = nil,
        design: DesignSection? = nil, transition: TransitionSection? = nil, operation: OperationSection? = nil,
        improvement: ImprovementSection? = nil
    ) {
        self.list = list
        self.period = period
        self.generatedAt = generatedAt
        self.strategy = strategy
        self.design = design
        self.transition = transition
        self.operation = operation
        self.improvement = improvement
    }

    /// The selected stages in lifecycle order.
    public var stages: [LifecycleStage] {
        var result: [LifecycleStage] = []
        if strategy != nil { result.append(.strategy) }
        if design != nil { result.append(.design) }
        if transition != nil { result.append(.transition) }
        if operation != nil { result.append(.operation) }
        if improvement != nil { result.append(.improvement) }
        return result
    }

    /// True when no selected section has anything to report (see each section's `isEmpty`);
    /// a list can choose not to send such a digest.
    public var isEmpty: Bool {
        (strategy?.isEmpty ?? true) && (design?.isEmpty ?? true) && (transition?.isEmpty ?? true)
            && (operation?.isEmpty ?? true) && (improvement?.isEmpty ?? true)
    }
}

/// The list a digest was built for.
public struct ListHeading: Codable, Hashable, Sendable {
    public var slug: String
    public var title: String
    public var timeZone: String
    /// The services the list is limited to (names), empty for all.
    public var services: [String]
    /// The lowest priority included (P1 highest); incidents and requests below it are left out.
    public var minimumPriority: Int

    public init(slug: String, title: String, timeZone: String, services: [String], minimumPriority: Int) {
        self.slug = slug
        self.title = title
        self.timeZone = timeZone
        self.services = services
        self.minimumPriority = minimumPriority
    }
}

/// The period a digest covers and the one it is compared with, as local dates and UTC instants.
public struct PeriodHeading: Codable, Hashable, Sendable {
    /// "day", "week", "month" or "custom".
    public var kind: String
    public var firstDay: CivilDate
    public var lastDay: CivilDate
    public var start: Timestamp
    public var end: Timestamp
    public var previousFirstDay: CivilDate
    public var previousLastDay: CivilDate

    public init(kind: String, firstDay: CivilDate, lastDay: CivilDate, start: Timestamp, end: Timestamp, previousFirstDay: CivilDate, previousLastDay: CivilDate) {
        self.kind = kind
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.start = start
        self.end = end
        self.previousFirstDay = previousFirstDay
        self.previousLastDay = previousLastDay
    }
}

/// An instant, encoded as ISO 8601 UTC text (`2026-11-23T08:00:00Z`).
public struct Timestamp: Codable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var instant: Instant

    public init(_ instant: Instant) { self.instant = instant }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let instant = Instant(iso8601: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected an ISO 8601 instant, got \(text)"))
        }
        self.instant = instant
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(instant.iso8601)
    }

    public var description: String { instant.iso8601 }
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.instant < rhs.instant }
}

/// A KPI: this period's value, the previous period's, and the change between them.
public struct Metric: Codable, Hashable, Sendable {
    public enum Unit: String, Codable, Hashable, Sendable {
        case count, percent, seconds
        /// A measurement in the initiative's own unit (an improvement's metric), shown as measured.
        case number
    }

    public var unit: Unit
    public var current: Double?
    public var previous: Double?

    public init(_ unit: Unit, current: Double?, previous: Double?) {
        self.unit = unit
        self.current = current
        self.previous = previous
    }

    public static func count(_ current: Int, previous: Int) -> Metric { Metric(.count, current: Double(current), previous: Double(previous)) }

    /// Current minus previous (percentage points for percentages); nil when either is missing.
    public var change: Double? {
        guard let current, let previous else { return nil }
        return current - previous
    }

    enum CodingKeys: String, CodingKey { case unit, current, previous, change }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        unit = try container.decode(Unit.self, forKey: .unit)
        current = try container.decodeIfPresent(Double.self, forKey: .current)
        previous = try container.decodeIfPresent(Double.self, forKey: .previous)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(unit, forKey: .unit)
        try container.encode(current, forKey: .current)
        try container.encode(previous, forKey: .previous)
        try container.encode(change, forKey: .change)
    }
}

/// A record named in a digest: kind and id (as `INC-42`), title, service and priority where it has them.
public struct RecordLine: Codable, Hashable, Sendable {
    public var reference: String
    public var title: String
    public var service: String?
    public var priority: Int?
    /// A short fact about the record in this context ("backed out", "P1, open 3 days", ...).
    public var note: String?

    public init(reference: String, title: String, service: String? = nil, priority: Int? = nil, note: String? = nil) {
        self.reference = reference
        self.title = title
        self.service = service
        self.priority = priority
        self.note = note
    }
}

// MARK: Strategy

public struct StrategySection: Codable, Hashable, Sendable {
    /// Services per portfolio status (pipeline, catalog, retired) at the end of the period and the previous one.
    public var servicesByStatus: [NamedMetric]
    /// Services whose portfolio status changed during the period.
    public var moved: [StatusMove]
    public var withoutOwner: [String]
    public var withoutSLA: [String]
    /// The services with the most incidents opened in the period (at most five), with the previous period's count.
    public var mostIncidents: [NamedMetric]

    public init(servicesByStatus: [NamedMetric], moved: [StatusMove], withoutOwner: [String], withoutSLA: [String], mostIncidents: [NamedMetric]) {
        self.servicesByStatus = servicesByStatus
        self.moved = moved
        self.withoutOwner = withoutOwner
        self.withoutSLA = withoutSLA
        self.mostIncidents = mostIncidents
    }

    /// Nothing moved and no service had an incident; the standing lists alone are no news.
    public var isEmpty: Bool { moved.isEmpty && mostIncidents.isEmpty }
}

/// A metric with a name: a status, a service, a priority, a bucket.
public struct NamedMetric: Codable, Hashable, Sendable {
    public var name: String
    public var metric: Metric

    public init(_ name: String, _ metric: Metric) {
        self.name = name
        self.metric = metric
    }
}

public struct StatusMove: Codable, Hashable, Sendable {
    public var service: String
    public var from: String?
    public var to: String
    public var at: Timestamp

    public init(service: String, from: String?, to: String, at: Timestamp) {
        self.service = service
        self.from = from
        self.to = to
        self.at = at
    }
}

// MARK: Design

public struct DesignSection: Codable, Hashable, Sendable {
    /// Incidents whose first response fell in the period, share within the response target (business time).
    public var responseCompliance: Metric
    /// Incidents resolved in the period, share within the resolution target (business time).
    public var resolutionCompliance: Metric
    /// Targets that ran out during the period, with how far they overran and why.
    public var breaches: [Breach]
    /// Availability per service from major-incident downtime; services with downtime in either period.
    public var availability: [NamedMetric]
    /// Services added to the catalog, moved or retired, or with their details changed, during the period.
    public var catalogChanges: [CatalogChange]

    public init(responseCompliance: Metric, resolutionCompliance: Metric, breaches: [Breach], availability: [NamedMetric], catalogChanges: [CatalogChange]) {
        self.responseCompliance = responseCompliance
        self.resolutionCompliance = resolutionCompliance
        self.breaches = breaches
        self.availability = availability
        self.catalogChanges = catalogChanges
    }

    /// Nothing measured, breached, down or changed this period. Availability listed only because the
    /// previous period had downtime (100% now) is a comparison, not news.
    public var isEmpty: Bool {
        responseCompliance.current == nil && resolutionCompliance.current == nil && breaches.isEmpty
            && availability.allSatisfy { ($0.metric.current ?? 100) >= 100 } && catalogChanges.isEmpty
    }
}

public struct Breach: Codable, Hashable, Sendable {
    public enum Target: String, Codable, Hashable, Sendable { case response, resolution }

    public var record: RecordLine
    public var target: Target
    /// The target, in business seconds.
    public var targetSeconds: Double
    /// Business time past the target at the period's end (or when the clock stopped, if earlier).
    public var overrunSeconds: Double
    /// When the target ran out.
    public var breachedAt: Timestamp
    /// The business-hours calendar the clock ran on.
    public var calendar: String
    /// Time on hold, not counted (wall-clock seconds).
    public var pausedSeconds: Double

    public init(record: RecordLine, target: Target, targetSeconds: Double, overrunSeconds: Double, breachedAt: Timestamp, calendar: String, pausedSeconds: Double) {
        self.record = record
        self.target = target
        self.targetSeconds = targetSeconds
        self.overrunSeconds = overrunSeconds
        self.breachedAt = breachedAt
        self.calendar = calendar
        self.pausedSeconds = pausedSeconds
    }
}

public struct CatalogChange: Codable, Hashable, Sendable {
    public var service: String
    /// "added", "moved to catalog", "retired", "updated", ...
    public var change: String
    public var at: Timestamp

    public init(service: String, change: String, at: Timestamp) {
        self.service = service
        self.change = change
        self.at = at
    }
}

// MARK: Transition

public struct TransitionSection: Codable, Hashable, Sendable {
    public var implemented: Metric
    /// Implemented changes with outcome successful, as a share of those implemented with any outcome.
    public var successRate: Metric
    public var emergencyShare: Metric
    public var failed: [RecordLine]
    public var backedOut: [RecordLine]
    /// Implemented changes linked to at least one incident.
    public var linkedToIncidents: Metric
    /// Requested to implemented, mean and median, wall-clock seconds.
    public var leadTimeMean: Metric
    public var leadTimeMedian: Metric
    /// Changes whose window starts in the next period of the same length, in start order.
    public var upcoming: [UpcomingChange]
    public var awaitingApproval: [RecordLine]

    public init(
        implemented: Metric, successRate: Metric, emergencyShare: Metric, failed: [RecordLine], backedOut: [RecordLine],
        linkedToIncidents: Metric, leadTimeMean: Metric, leadTimeMedian: Metric, upcoming: [UpcomingChange], awaitingApproval: [RecordLine]
    ) {
        self.implemented = implemented
        self.successRate = successRate
        self.emergencyShare = emergencyShare
        self.failed = failed
        self.backedOut = backedOut
        self.linkedToIncidents = linkedToIncidents
        self.leadTimeMean = leadTimeMean
        self.leadTimeMedian = leadTimeMedian
        self.upcoming = upcoming
        self.awaitingApproval = awaitingApproval
    }

    public var isEmpty: Bool { implemented.current == 0 && upcoming.isEmpty && awaitingApproval.isEmpty }
}

public struct UpcomingChange: Codable, Hashable, Sendable {
    public var change: RecordLine
    public var start: Timestamp
    public var end: Timestamp
    /// References of other changes to the same service whose windows overlap this one.
    public var collidesWith: [String]
    /// Names of freeze windows this change's window overlaps.
    public var freezeConflicts: [String]

    public init(change: RecordLine, start: Timestamp, end: Timestamp, collidesWith: [String], freezeConflicts: [String]) {
        self.change = change
        self.start = start
        self.end = end
        self.collidesWith = collidesWith
        self.freezeConflicts = freezeConflicts
    }
}

// MARK: Operation

public struct OperationSection: Codable, Hashable, Sendable {
    public var opened: Metric
    public var resolved: Metric
    /// Open at the period's end.
    public var backlog: Metric
    /// Opened, resolved and backlog per priority ("P1"..."P5").
    public var byPriority: [PriorityRow]
    public var mttaMean: Metric
    public var mttaMedian: Metric
    public var mttaBusinessMean: Metric
    public var mttaBusinessMedian: Metric
    public var mttrMean: Metric
    public var mttrMedian: Metric
    public var mttrBusinessMean: Metric
    public var mttrBusinessMedian: Metric
    public var firstContactResolution: Metric
    public var reopenRate: Metric
    /// Open incidents at the period's end by age: 0-2, 3-7, 8-30, >30 days.
    public var backlogAge: [NamedMetric]
    /// Major incidents open at any time during the period.
    public var majorIncidents: [RecordLine]
    /// Open incidents and requests whose target runs out within the next 24 business hours after the period.
    public var atRisk: [AtRisk]
    public var problemsOpened: Metric
    public var knownErrorsAdded: Metric
    /// Problems opened minus problems resolved: how the problem queue grew (negative: it shrank).
    public var problemQueueGrowth: Metric
    public var requestsFulfilled: Metric
    /// Fulfilled requests within their resolution target (business time), as a share of those fulfilled.
    public var requestsWithinTarget: Metric

    public init(
        opened: Metric, resolved: Metric, backlog: Metric, byPriority: [PriorityRow], mttaMean: Metric, mttaMedian: Metric,
        mttaBusinessMean: Metric, mttaBusinessMedian: Metric, mttrMean: Metric, mttrMedian: Metric, mttrBusinessMean: Metric,
        mttrBusinessMedian: Metric, firstContactResolution: Metric, reopenRate: Metric, backlogAge: [NamedMetric],
        majorIncidents: [RecordLine], atRisk: [AtRisk], problemsOpened: Metric, knownErrorsAdded: Metric, problemQueueGrowth: Metric,
        requestsFulfilled: Metric, requestsWithinTarget: Metric
    ) {
        self.opened = opened
        self.resolved = resolved
        self.backlog = backlog
        self.byPriority = byPriority
        self.mttaMean = mttaMean
        self.mttaMedian = mttaMedian
        self.mttaBusinessMean = mttaBusinessMean
        self.mttaBusinessMedian = mttaBusinessMedian
        self.mttrMean = mttrMean
        self.mttrMedian = mttrMedian
        self.mttrBusinessMean = mttrBusinessMean
        self.mttrBusinessMedian = mttrBusinessMedian
        self.firstContactResolution = firstContactResolution
        self.reopenRate = reopenRate
        self.backlogAge = backlogAge
        self.majorIncidents = majorIncidents
        self.atRisk = atRisk
        self.problemsOpened = problemsOpened
        self.knownErrorsAdded = knownErrorsAdded
        self.problemQueueGrowth = problemQueueGrowth
        self.requestsFulfilled = requestsFulfilled
        self.requestsWithinTarget = requestsWithinTarget
    }

    public var isEmpty: Bool {
        opened.current == 0 && resolved.current == 0 && backlog.current == 0 && problemsOpened.current == 0
            && knownErrorsAdded.current == 0 && requestsFulfilled.current == 0 && atRisk.isEmpty && majorIncidents.isEmpty
    }
}

public struct PriorityRow: Codable, Hashable, Sendable {
    public var priority: Int
    public var opened: Metric
    public var resolved: Metric
    public var backlog: Metric

    public init(priority: Int, opened: Metric, resolved: Metric, backlog: Metric) {
        self.priority = priority
        self.opened = opened
        self.resolved = resolved
        self.backlog = backlog
    }
}

public struct AtRisk: Codable, Hashable, Sendable {
    public var record: RecordLine
    public var target: Breach.Target
    public var deadline: Timestamp
    /// Business seconds left at the period's end.
    public var remainingSeconds: Double

    public init(record: RecordLine, target: Breach.Target, deadline: Timestamp, remainingSeconds: Double) {
        self.record = record
        self.target = target
        self.deadline = deadline
        self.remainingSeconds = remainingSeconds
    }
}

// MARK: Improvement

public struct ImprovementSection: Codable, Hashable, Sendable {
    /// Initiatives not completed or cancelled before the period began.
    public var initiatives: [Initiative]
    /// Incident categories with at least three incidents opened in the period for one service and no problem record.
    public var recurringWithoutProblem: [RecurringCategory]

    public init(initiatives: [Initiative], recurringWithoutProblem: [RecurringCategory]) {
        self.initiatives = initiatives
        self.recurringWithoutProblem = recurringWithoutProblem
    }

    public var isEmpty: Bool { initiatives.isEmpty && recurringWithoutProblem.isEmpty }
}

public struct Initiative: Codable, Hashable, Sendable {
    public enum Standing: String, Codable, Hashable, Sendable {
        /// The target is met.
        case achieved
        /// Due date not passed (or none set), target not yet met.
        case onSchedule = "on-schedule"
        /// Due date passed, target not met.
        case late
    }

    public var reference: String
    public var title: String
    public var owner: String?
    public var service: String?
    public var metric: String
    public var baseline: Double
    public var target: Double
    /// The value measured last before the period's end, and before the previous period's end.
    public var value: Metric
    public var dueDate: CivilDate?
    public var state: String
    public var standing: Standing

    public init(
        reference: String, title: String, owner: String?, service: String?, metric: String, baseline: Double, target: Double,
        value: Metric, dueDate: CivilDate?, state: String, standing: Standing
    ) {
        self.reference = reference
        self.title = title
        self.owner = owner
        self.service = service
        self.metric = metric
        self.baseline = baseline
        self.target = target
        self.value = value
        self.dueDate = dueDate
        self.state = state
        self.standing = standing
    }
}

public struct RecurringCategory: Codable, Hashable, Sendable {
    public var category: String
    public var service: String?
    public var incidents: Int

    public init(category: String, service: String?, incidents: Int) {
        self.category = category
        self.service = service
        self.incidents = incidents
    }
}
