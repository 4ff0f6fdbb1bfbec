import Domain

/// The five sections of a `Digest`, one per lifecycle stage, and the lines they list.

// MARK: Strategy

public struct StrategySection: Codable, Hashable, Sendable {
    /// Services per portfolio status (pipeline, catalog, retired) at the end of the period and the previous one.
    public var servicesByStatus: [NamedMetric]
    /// Portfolio status moves during the period (and the previous one): how many `moved` lists.
    public var movedCount: Metric
    /// Services whose portfolio status changed during the period.
    public var moved: [StatusMove]
    /// Services not retired without an owner / an SLA, as they stand when the digest is built: a
    /// register, with no previous value (docs/KPIS.md says why).
    public var withoutOwner: [String]
    public var withoutSLA: [String]
    /// The services with the most incidents opened in the period (at most five), with the previous period's count.
    public var mostIncidents: [NamedMetric]

    public init(
        servicesByStatus: [NamedMetric], movedCount: Metric, moved: [StatusMove], withoutOwner: [String], withoutSLA: [String],
        mostIncidents: [NamedMetric]
    ) {
        self.servicesByStatus = servicesByStatus
        self.movedCount = movedCount
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
    /// Targets that ran out during the period (and the previous one): how many `breaches` lists.
    public var breachCount: Metric
    /// Targets that ran out during the period, with how far they overran and why.
    public var breaches: [Breach]
    /// Availability per service from major-incident downtime; services with downtime in either period.
    public var availability: [NamedMetric]
    /// Catalog changes during the period (and the previous one): how many `catalogChanges` lists.
    public var catalogChangeCount: Metric
    /// Services added to the catalog, moved or retired, or with their details changed, during the period.
    public var catalogChanges: [CatalogChange]

    public init(
        responseCompliance: Metric, resolutionCompliance: Metric, breachCount: Metric, breaches: [Breach], availability: [NamedMetric],
        catalogChangeCount: Metric, catalogChanges: [CatalogChange]
    ) {
        self.responseCompliance = responseCompliance
        self.resolutionCompliance = resolutionCompliance
        self.breachCount = breachCount
        self.breaches = breaches
        self.availability = availability
        self.catalogChangeCount = catalogChangeCount
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
    /// Implemented changes with outcome failed / backed-out: how many `failed` / `backedOut` list.
    public var failedCount: Metric
    public var backedOutCount: Metric
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
        implemented: Metric, successRate: Metric, emergencyShare: Metric, failedCount: Metric, backedOutCount: Metric, failed: [RecordLine],
        backedOut: [RecordLine], linkedToIncidents: Metric, leadTimeMean: Metric, leadTimeMedian: Metric, upcoming: [UpcomingChange], awaitingApproval: [RecordLine]
    ) {
        self.implemented = implemented
        self.successRate = successRate
        self.emergencyShare = emergencyShare
        self.failedCount = failedCount
        self.backedOutCount = backedOutCount
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
    /// Opened, resolved and backlog per priority, P1 to P4.
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
    /// Major incidents open at any time during the period (and the previous one): how many `majorIncidents` lists.
    public var majorIncidentCount: Metric
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
        majorIncidentCount: Metric, majorIncidents: [RecordLine], atRisk: [AtRisk], problemsOpened: Metric, knownErrorsAdded: Metric, problemQueueGrowth: Metric,
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
        self.majorIncidentCount = majorIncidentCount
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
    /// Recurring categories without a problem in the period (and the previous one): how many `recurringWithoutProblem` lists.
    public var recurringCount: Metric
    /// Incident categories with at least three incidents opened in the period for one service and no problem record.
    public var recurringWithoutProblem: [RecurringCategory]

    public init(initiatives: [Initiative], recurringCount: Metric, recurringWithoutProblem: [RecurringCategory]) {
        self.initiatives = initiatives
        self.recurringCount = recurringCount
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
