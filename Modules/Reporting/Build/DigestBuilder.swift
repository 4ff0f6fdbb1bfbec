import Domain
import Foundation
import SQLKit
import Storage

/// Builds a `Digest` for a list and a period: the SQL in `DigestQueries`, then the figures that
/// need business time or medians, computed here from the rows those queries return.
///
/// A digest is built once per list and period and costs nothing per subscriber.
public struct DigestBuilder: Sendable {
    public let store: Store
    /// When the digest is built; also "now" for standing facts such as changes awaiting approval.
    public let now: @Sendable () -> Instant

    public init(store: Store, now: @escaping @Sendable () -> Instant) {
        self.store = store
        self.now = now
    }

    /// The digest of `list` for `period` (in the list's time zone), with the stages the list selects.
    public func build(list: MailingList, period: ReportingPeriod) async throws -> Digest {
        let scope = DigestScope(
            current: period.range, previous: period.preceding.range, next: period.following.range,
            serviceIDs: list.digest.serviceIDs, minimumPriority: list.digest.minimumPriority)
        let facts = try await DigestFacts.load(store: store, scope: scope)
        let serviceNames = list.digest.serviceIDs.compactMap { facts.services[$0]?.name }.sorted()
        let preceding = period.preceding
        var digest = Digest(
            list: ListHeading(
                slug: list.slug, title: list.title, timeZone: list.timeZoneIdentifier, services: serviceNames,
                minimumPriority: list.digest.minimumPriority.rawValue),
            period: PeriodHeading(
                kind: period.kind.rawValue, firstDay: period.firstDay, lastDay: period.lastDay, start: Timestamp(period.range.lowerBound),
                end: Timestamp(period.range.upperBound), previousFirstDay: preceding.firstDay, previousLastDay: preceding.lastDay),
            generatedAt: Timestamp(now()))
        let stages = list.digest.stages
        let sections = SectionBuilder(facts: facts, scope: scope, period: period)
        if stages.contains(.strategy) { digest.strategy = sections.strategy() }
        if stages.contains(.design) { digest.design = sections.design() }
        if stages.contains(.transition) { digest.transition = sections.transition() }
        if stages.contains(.operation) { digest.operation = sections.operation() }
        if stages.contains(.improvement) { digest.improvement = sections.improvement() }
        return digest
    }
}

// MARK: Rows

/// An incident as the time-based figures see it.
struct IncidentRow: Sendable {
    var id: Int64
    var title: String
    var priority: Priority
    var serviceID: Int64?
    var isMajor: Bool
    var isOpen: Bool
    var openedAt: Instant
    var firstResponseAt: Instant?
    var resolvedAt: Instant?
    /// Entries into and exits from on-hold, in order: (at, entering).
    var holdEvents: [(at: Instant, entering: Bool)] = []

    /// Time on hold up to `end`; a hold still going on at `end` ends there.
    func pauses(until end: Instant) -> [Range<Instant>] {
        var result: [Range<Instant>] = []
        var start: Instant?
        for event in holdEvents where event.at < end {
            if event.entering {
                if start == nil { start = event.at }
            } else if let from = start {
                if from < event.at { result.append(from..<event.at) }
                start = nil
            }
        }
        if let from = start, from < end { result.append(from..<end) }
        return result
    }

    var reference: String { "INC-\(id)" }
}

struct RequestRow: Sendable {
    var id: Int64
    var title: String
    var priority: Priority
    var serviceID: Int64?
    var isOpen: Bool
    var openedAt: Instant
    var fulfilledAt: Instant?
}

struct ChangeRow: Sendable {
    var id: Int64
    var title: String
    var serviceID: Int64?
    var outcome: String?
    var requestedAt: Instant
    var implementedAt: Instant
}

struct PlannedChangeRow: Sendable {
    var id: Int64
    var title: String
    var serviceID: Int64?
    var window: Range<Instant>
}

struct ServiceRow: Sendable {
    var id: Int64
    var name: String
    var owner: String?
    var status: String
    var slaID: Int64?
    var createdAt: Instant
    var events: [(at: Instant, action: String, from: String?, to: String?)] = []
}

/// Per priority: counts in the period ("now") and the one before.
struct PriorityCounts: Sendable {
    var openedNow = 0, openedBefore = 0, resolvedNow = 0, resolvedBefore = 0, openNow = 0, openBefore = 0
    /// Of those resolved: at first contact, and reopened before that resolution.
    var firstContactNow = 0, firstContactBefore = 0, reopenedNow = 0, reopenedBefore = 0
    var ageNow = [0, 0, 0, 0], ageBefore = [0, 0, 0, 0]
}

/// A count in the period and in the one before, as a flow query returns it.
struct PeriodCount: Sendable {
    var now = 0, before = 0

    init(now: Int = 0, before: Int = 0) {
        self.now = now
        self.before = before
    }

    /// The `<name>_now` and `<name>_before` columns of `row`.
    init(_ row: any SQLRow, _ name: String) throws {
        self.init(now: try row.count("\(name)_now"), before: try row.count("\(name)_before"))
    }

    var metric: Metric { .count(now, previous: before) }
}

/// Everything the queries returned, keyed for the section builders.
struct DigestFacts: Sendable {
    var byPriority: [Priority: PriorityCounts] = [:]
    var incidents: [IncidentRow] = []
    var majors = PeriodCount()
    var busiest: [(serviceID: Int64, now: Int, before: Int)] = []
    var recurring: [RecurringCategory] = []
    var recurringServiceIDs: [Int64?] = []
    var recurringCount = PeriodCount()
    var problems: [String: (now: Int, before: Int)] = [:]
    var requestsFulfilled = PeriodCount()
    var requests: [RequestRow] = []
    var changeCounts: [String: Int] = [:]
    var changes: [ChangeRow] = []
    var planned: [PlannedChangeRow] = []
    var awaiting: [(id: Int64, title: String, serviceID: Int64?, requestedAt: Instant)] = []
    var services: [Int64: ServiceRow] = [:]
    /// Services per portfolio status at the period's end ("now") and start ("before").
    var servicesByStatus: [String: PeriodCount] = [:]
    /// Service events (catalog changes) and status moves.
    var catalogChanges = PeriodCount()
    var statusMoves = PeriodCount()
    var slas: [Int64: ServiceLevelAgreement] = [:]
    var calendars: [Int64: BusinessCalendar] = [:]
    var freezes: [FreezeWindow] = []
    var improvements: [Improvement] = []

    static func load(store: Store, scope: DigestScope) async throws -> DigestFacts {
        var facts = try await store.database.withSession { db in
            var facts = DigestFacts()
            try await facts.loadIncidents(db, scope)
            try await facts.loadOthers(db, scope)
            return facts
        }
        for sla in try await store.slas.list() {
            if let id = sla.id { facts.slas[id] = sla }
        }
        for calendar in try await store.calendars.list() {
            if let id = calendar.id { facts.calendars[id] = calendar }
        }
        facts.freezes = try await store.freezes.overlapping(scope.next)
        facts.improvements = try await store.improvements.list()
            .filter { scope.serviceIDs.isEmpty || $0.serviceID.map(scope.serviceIDs.contains) == true }
        return facts
    }

    private mutating func loadIncidents(_ db: any SQLDatabase, _ scope: DigestScope) async throws {
        for row in try await db.raw(DigestQueries.incidentFlow(scope).sql).all() {
            let priority = try row.priorityValue("priority")
            var counts = byPriority[priority] ?? PriorityCounts()
            counts.openedNow = try row.count("opened_now")
            counts.openedBefore = try row.count("opened_before")
            counts.resolvedNow = try row.count("resolved_now")
            counts.resolvedBefore = try row.count("resolved_before")
            counts.firstContactNow = try row.count("first_contact_now")
            counts.firstContactBefore = try row.count("first_contact_before")
            counts.reopenedNow = try row.count("reopened_now")
            counts.reopenedBefore = try row.count("reopened_before")
            byPriority[priority] = counts
        }
        for row in try await db.raw(DigestQueries.incidentBacklog(scope).sql).all() {
            let priority = try row.priorityValue("priority")
            var counts = byPriority[priority] ?? PriorityCounts()
            counts.openNow = try row.count("open_now")
            counts.openBefore = try row.count("open_before")
            counts.ageNow = try ["age_0_2_now", "age_3_7_now", "age_8_30_now", "age_31_now"].map { try row.count($0) }
            counts.ageBefore = try ["age_0_2_before", "age_3_7_before", "age_8_30_before", "age_31_before"].map { try row.count($0) }
            byPriority[priority] = counts
        }
        if let row = try await db.raw(DigestQueries.majorIncidentFlow(scope).sql).first() { majors = try PeriodCount(row, "major") }
        var index: [Int64: Int] = [:]
        var held: [Int64] = []
        for row in try await db.raw(DigestQueries.incidentCandidates(scope).sql).all() {
            if try row.count("held") == 1 { held.append(try row.decode(column: "id", as: Int64.self)) }
            let state = try row.decode(column: "state", as: String.self)
            index[try row.decode(column: "id", as: Int64.self)] = incidents.count
            incidents.append(IncidentRow(
                id: try row.decode(column: "id", as: Int64.self), title: try row.decode(column: "title", as: String.self),
                priority: try row.priorityValue("priority"), serviceID: try row.decode(column: "service_id", as: Int64?.self),
                isMajor: try row.flag("is_major"), isOpen: state != "resolved" && state != "closed",
                openedAt: try row.instant("opened_at_us"), firstResponseAt: try row.optionalInstant("first_response_at_us"),
                resolvedAt: try row.optionalInstant("resolved_at_us")))
        }
        for query in DigestQueries.incidentPauses(held: held) {
            for row in try await db.raw(query.sql).all() {
                guard let position = index[try row.decode(column: "record_id", as: Int64.self)] else { continue }
                let entering = try row.decode(column: "to_state", as: String?.self) == "on-hold"
                incidents[position].holdEvents.append((try row.instant("at_us"), entering))
            }
        }
        for row in try await db.raw(DigestQueries.busiestServices(scope).sql).all() {
            busiest.append((try row.decode(column: "service_id", as: Int64.self), try row.count("opened_now"), try row.count("opened_before")))
        }
        for row in try await db.raw(DigestQueries.recurringCategories(scope).sql).all() {
            recurring.append(RecurringCategory(
                category: try row.decode(column: "category", as: String.self), service: nil, incidents: try row.count("incidents")))
            recurringServiceIDs.append(try row.decode(column: "service_id", as: Int64?.self))
        }
        if let row = try await db.raw(DigestQueries.recurringCategoryFlow(scope).sql).first() { recurringCount = try PeriodCount(row, "recurring") }
    }

    private mutating func loadOthers(_ db: any SQLDatabase, _ scope: DigestScope) async throws {
        for row in try await db.raw(DigestQueries.problemFlow(scope).sql).all() {
            problems[try row.decode(column: "what", as: String.self)] = (try row.count("now"), try row.count("before"))
        }
        if let row = try await db.raw(DigestQueries.requestFlow(scope).sql).first() { requestsFulfilled = try PeriodCount(row, "fulfilled") }
        for row in try await db.raw(DigestQueries.requestCandidates(scope).sql).all() {
            let state = try row.decode(column: "state", as: String.self)
            requests.append(RequestRow(
                id: try row.decode(column: "id", as: Int64.self), title: try row.decode(column: "title", as: String.self),
                priority: try row.priorityValue("priority"), serviceID: try row.decode(column: "service_id", as: Int64?.self),
                isOpen: ["new", "approved", "in-fulfilment"].contains(state), openedAt: try row.instant("opened_at_us"),
                fulfilledAt: try row.optionalInstant("fulfilled_at_us")))
        }
        if let row = try await db.raw(DigestQueries.changeFlow(scope).sql).first() {
            for name in ["implemented", "with_outcome", "successful", "failed", "backed_out", "emergency", "linked"] {
                for suffix in ["now", "before"] { changeCounts["\(name)_\(suffix)"] = try row.count("\(name)_\(suffix)") }
            }
        }
        for row in try await db.raw(DigestQueries.changeList(scope).sql).all() {
            changes.append(ChangeRow(
                id: try row.decode(column: "id", as: Int64.self), title: try row.decode(column: "title", as: String.self),
                serviceID: try row.decode(column: "service_id", as: Int64?.self), outcome: try row.decode(column: "outcome", as: String?.self),
                requestedAt: try row.instant("requested_at_us"), implementedAt: try row.instant("implemented_at_us")))
        }
        for row in try await db.raw(DigestQueries.upcomingChanges(scope).sql).all() {
            planned.append(PlannedChangeRow(
                id: try row.decode(column: "id", as: Int64.self), title: try row.decode(column: "title", as: String.self),
                serviceID: try row.decode(column: "service_id", as: Int64?.self),
                window: try row.instant("window_start_us")..<row.instant("window_end_us")))
        }
        for row in try await db.raw(DigestQueries.awaitingApproval(scope).sql).all() {
            awaiting.append((
                try row.decode(column: "id", as: Int64.self), try row.decode(column: "title", as: String.self),
                try row.decode(column: "service_id", as: Int64?.self), try row.instant("requested_at_us")))
        }
        for row in try await db.raw(DigestQueries.servicesByStatus(scope).sql).all() {
            servicesByStatus[try row.decode(column: "status", as: String.self)] = PeriodCount(now: try row.count("now"), before: try row.count("before"))
        }
        if let row = try await db.raw(DigestQueries.serviceFlow(scope).sql).first() {
            catalogChanges = try PeriodCount(row, "changed")
            statusMoves = try PeriodCount(row, "moved")
        }
        for row in try await db.raw(DigestQueries.services().sql).all() {
            let id = try row.decode(column: "id", as: Int64.self)
            services[id] = ServiceRow(
                id: id, name: try row.decode(column: "name", as: String.self), owner: try row.decode(column: "owner", as: String?.self),
                status: try row.decode(column: "status", as: String.self), slaID: try row.decode(column: "sla_id", as: Int64?.self),
                createdAt: try row.instant("created_at_us"))
        }
        for row in try await db.raw(DigestQueries.serviceEvents().sql).all() {
            let id = try row.decode(column: "record_id", as: Int64.self)
            services[id]?.events.append((
                try row.instant("at_us"), try row.decode(column: "action", as: String.self),
                try row.decode(column: "from_state", as: String?.self), try row.decode(column: "to_state", as: String?.self)))
        }
    }
}

extension SQLRow {
    /// A SUM or COUNT: NULL (no rows) is zero; PostgreSQL's bigint and SQLite's integer both read as Int64.
    func count(_ column: String) throws -> Int { Int(try decode(column: column, as: Int64?.self) ?? 0) }
    func instant(_ column: String) throws -> Instant { Instant(microsecondsSinceEpoch: try decode(column: column, as: Int64.self)) }
    func optionalInstant(_ column: String) throws -> Instant? {
        try decode(column: column, as: Int64?.self).map(Instant.init(microsecondsSinceEpoch:))
    }
    func flag(_ column: String) throws -> Bool { try decode(column: column, as: Bool.self) }
    func priorityValue(_ column: String) throws -> Priority {
        let raw = try decode(column: column, as: Int64.self)
        guard let priority = Priority(rawValue: Int(raw)) else { throw DigestBuildError.corruptValue(column: column, value: "\(raw)") }
        return priority
    }
}

public enum DigestBuildError: Error, Hashable, Sendable, CustomStringConvertible {
    case corruptValue(column: String, value: String)

    public var description: String {
        switch self {
        case let .corruptValue(column, value): "the database holds '\(value)' in \(column), which this version does not know"
        }
    }
}
