import Domain
import SQLKit

/// Reads and appends audit-trail rows in `record_events`; rows are never updated.
enum EventStore {
    /// Appends the record's events not stored yet (those without an id).
    static func append<S: RecordState>(_ events: [RecordEvent<S>], recordID: Int64, on db: any SQLDatabase) async throws {
        try await append([(events, recordID)], on: db)
    }

    /// Appends the new events of several records of one kind, a few multi-row INSERTs for all of them.
    static func append<S: RecordState>(_ records: [(events: [RecordEvent<S>], recordID: Int64)], on db: any SQLDatabase) async throws {
        let rows = records.flatMap { record in record.events.filter { $0.id == nil }.map { row($0, recordID: record.recordID) } }
        // 8 columns: 1,000 rows stay far below both engines' bound-parameter limits.
        for start in stride(from: 0, to: rows.count, by: 1000) {
            var insert = db.insert(into: "record_events").columns(columns)
            for row in rows[start..<min(start + 1000, rows.count)] { insert = insert.values(row) }
            try await insert.run()
        }
    }

    /// The columns `row(_:recordID:)` fills, in its order.
    static let columns = ["record_kind", "record_id", "at_us", "actor", "action", "from_state", "to_state", "detail"]

    /// One event's values for an INSERT into `record_events`.
    static func row<S: RecordState>(_ event: RecordEvent<S>, recordID: Int64) -> [any SQLExpression] {
        [
            SQLBind(S.recordKind.rawValue), SQLBind(recordID), SQLBind(event.at.microsecondsSinceEpoch),
            SQLBind(event.actor), SQLBind(event.action.rawValue), SQLValue.bindOrNull(event.from?.rawValue),
            SQLValue.bindOrNull(event.to?.rawValue), SQLValue.bindOrNull(event.detail),
        ]
    }

    /// The events of several records of one kind, oldest first, keyed by record id.
    static func load<S: RecordState>(_ type: S.Type, recordIDs: [Int64], on db: any SQLDatabase) async throws -> [Int64: [RecordEvent<S>]] {
        guard !recordIDs.isEmpty else { return [:] }
        var result: [Int64: [RecordEvent<S>]] = [:]
        // Chunked to stay under both engines' bind-parameter limits.
        for chunk in stride(from: 0, to: recordIDs.count, by: 500).map({ Array(recordIDs[$0..<min($0 + 500, recordIDs.count)]) }) {
            let rows = try await db.select().column("*").from("record_events")
                .where("record_kind", .equal, SQLBind(S.recordKind.rawValue))
                .where("record_id", .in, SQLBind.group(chunk))
                .orderBy("id")
                .all()
            for row in rows {
                let event = RecordEvent<S>(
                    id: try row.int64("id"),
                    at: try row.instant("at_us"),
                    actor: try row.string("actor"),
                    action: try row.value("action", table: "record_events"),
                    from: try row.optionalValue("from_state", table: "record_events"),
                    to: try row.optionalValue("to_state", table: "record_events"),
                    detail: try row.optionalString("detail")
                )
                result[try row.int64("record_id"), default: []].append(event)
            }
        }
        return result
    }
}
