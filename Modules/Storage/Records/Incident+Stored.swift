import Domain
import SQLKit

extension Incident: StoredRecord {
    static let table = "incidents"
    static let openedColumn = "opened_at_us"
    static let priorityColumn: String? = "priority"

    var references: [(field: String, table: String, id: Int64?)] {
        [("serviceID", "services", serviceID), ("problemID", "problems", problemID)]
    }

    func columns() throws -> [Column] {
        [
            ("title", title), ("description", description), ("category", category), ("impact", impact.rawValue),
            ("urgency", urgency.rawValue), ("priority", Int64(priority.rawValue)), ("state", state.rawValue),
            ("service_id", serviceID), ("problem_id", problemID), ("is_major", isMajor), ("assignee", assignee),
            ("opened_at_us", openedAt.microsecondsSinceEpoch), ("first_response_at_us", firstResponseAt.microseconds),
            ("resolved_at_us", resolvedAt.microseconds), ("closed_at_us", closedAt.microseconds),
        ]
    }

    static func decode(row: any SQLRow, events: [RecordEvent<IncidentState>]) throws -> Incident {
        Incident(
            stored: try row.int64("id"), version: Int(try row.int64("version")), title: try row.string("title"),
            description: try row.optionalString("description"), category: try row.optionalString("category"),
            impact: try row.value("impact", table: table), urgency: try row.value("urgency", table: table),
            priority: try row.priority("priority", table: table), state: try row.value("state", table: table),
            serviceID: try row.optionalInt64("service_id"), problemID: try row.optionalInt64("problem_id"),
            isMajor: try row.bool("is_major"), assignee: try row.optionalString("assignee"), events: events
        )
    }
}

/// Incidents, with the period and state queries the digests use.
public struct IncidentRepository: Sendable {
    let store: RecordStore<Incident>

    public func create(_ incident: Incident) async throws -> Incident { try await store.create(incident) }
    /// Inserts several inside `transaction` (an import's batch) in a few statements; returns their ids in order.
    public func createAll(_ incidents: [Incident], in transaction: StorageTransaction) async throws -> [Int64] { try await store.createAll(incidents, in: transaction) }
    public func save(_ incident: Incident) async throws -> Incident { try await store.save(incident) }
    public func get(_ id: Int64) async throws -> Incident { try await store.get(id) }
    public func list(_ filter: RecordFilter<IncidentState> = .init()) async throws -> [Incident] { try await store.list(filter) }

    /// Incidents resolved within `period` (by their latest resolution).
    public func resolved(in period: Range<Instant>) async throws -> [Incident] {
        try await store.list(where: {
            $0.where("resolved_at_us", .greaterThanOrEqual, SQLBind(period.lowerBound.microsecondsSinceEpoch))
                .where("resolved_at_us", .lessThan, SQLBind(period.upperBound.microsecondsSinceEpoch))
        })
    }

    /// Incidents open at `instant`: opened by then, and in an open state at that instant by their
    /// audit trail (an incident resolved and later reopened was not open in between).
    public func open(at instant: Instant) async throws -> [Incident] {
        let us = instant.microsecondsSinceEpoch
        // SQL narrows to incidents opened by then; the trail decides their state at the instant.
        let candidates = try await store.list(where: {
            $0.where("opened_at_us", .lessThanOrEqual, SQLBind(us))
                // Closed is final: one closed before the instant cannot be open at it.
                .where { $0.where("closed_at_us", .is, SQLLiteral.null).orWhere("closed_at_us", .greaterThan, SQLBind(us)) }
        })
        return candidates.filter { incident in
            incident.events.last(where: { $0.to != nil && $0.at <= instant })?.to?.isOpen ?? false
        }
    }

    /// Incidents linked to a problem.
    public func linked(toProblem problemID: Int64) async throws -> [Incident] {
        try await store.list(where: { $0.where("problem_id", .equal, SQLBind(problemID)) })
    }
}
