import Domain
import SQLKit

extension Change: StoredRecord {
    static let table = "changes"
    static let openedColumn = "requested_at_us"

    var references: [(field: String, table: String, id: Int64?)] { [("serviceID", "services", serviceID)] }

    func columns() throws -> [Column] {
        [
            ("title", title), ("description", description), ("type", type.rawValue), ("risk", risk.rawValue),
            ("service_id", serviceID), ("window_start_us", window?.start.microsecondsSinceEpoch),
            ("window_end_us", window?.end.microsecondsSinceEpoch), ("approvers", try jsonText(approval.approvers)),
            ("outcome", outcome?.rawValue), ("state", state.rawValue),
            ("requested_at_us", requestedAt.microsecondsSinceEpoch), ("implemented_at_us", implementedAt.microseconds),
        ]
    }

    static func decode(row: any SQLRow, events: [RecordEvent<ChangeState>]) throws -> Change {
        var window: ChangeWindow?
        if let start = try row.optionalInstant("window_start_us"), let end = try row.optionalInstant("window_end_us") {
            do {
                window = try ChangeWindow(start: start, end: end)
            } catch {
                throw StorageError.corruptRow(table: table, column: "window_end_us", value: end.iso8601)
            }
        }
        return Change(
            stored: try row.int64("id"), version: Int(try row.int64("version")), title: try row.string("title"),
            description: try row.optionalString("description"), type: try row.value("type", table: table),
            risk: try row.value("risk", table: table), serviceID: try row.optionalInt64("service_id"), window: window,
            approval: CABApproval(approvers: try row.json("approvers", table: table, as: [String].self)),
            outcome: try row.optionalValue("outcome", table: table), state: try row.value("state", table: table),
            incidentIDs: [], events: events
        )
    }

    /// Votes are appended (never rewritten); the incident links are replaced.
    func writeExtras(id: Int64, on db: any SQLDatabase) async throws {
        let stored = try await db.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from("change_votes")
            .where("change_id", .equal, SQLBind(id)).first()?.int64("n") ?? 0
        let newVotes = approval.votes.dropFirst(Int(stored))
        if !newVotes.isEmpty {
            var insert = db.insert(into: "change_votes").columns("change_id", "approver", "approve", "at_us", "comment")
            for vote in newVotes {
                insert = insert.values(SQLBind(id), SQLBind(vote.approver), SQLBind(vote.approve), SQLBind(vote.at.microsecondsSinceEpoch), SQLBind(vote.comment))
            }
            try await insert.run()
        }
        try await db.delete(from: "change_incidents").where("change_id", .equal, SQLBind(id)).run()
        for incidentID in Set(incidentIDs).sorted() {
            guard try await db.select().column("id").from("incidents").where("id", .equal, SQLBind(incidentID)).first() != nil else {
                throw StorageError.missingReference(field: "incidentIDs", id: incidentID)
            }
            try await db.insert(into: "change_incidents").columns("change_id", "incident_id").values(SQLBind(id), SQLBind(incidentID)).run()
        }
    }

    static func loadExtras(_ records: inout [Change], on db: any SQLDatabase) async throws {
        let ids = records.compactMap(\.id)
        guard !ids.isEmpty else { return }
        var votes: [Int64: [CABApproval.Vote]] = [:]
        for row in try await db.select().column("*").from("change_votes").where("change_id", .in, SQLBind.group(ids)).orderBy("id").all() {
            votes[try row.int64("change_id"), default: []].append(CABApproval.Vote(
                approver: try row.string("approver"), approve: try row.bool("approve"), at: try row.instant("at_us"),
                comment: try row.optionalString("comment")
            ))
        }
        var links: [Int64: [Int64]] = [:]
        for row in try await db.select().column("*").from("change_incidents").where("change_id", .in, SQLBind.group(ids)).orderBy("incident_id").all() {
            links[try row.int64("change_id"), default: []].append(try row.int64("incident_id"))
        }
        for index in records.indices {
            guard let id = records[index].id else { continue }
            records[index].approval.votes = votes[id] ?? []
            records[index].incidentIDs = links[id] ?? []
        }
    }
}

/// Changes, the CAB's votes and the change calendar.
public struct ChangeRepository: Sendable {
    let store: RecordStore<Change>

    public func create(_ change: Change) async throws -> Change { try await store.create(change) }
    /// Inserts several inside `transaction` (an import's batch) in a few statements; returns their ids in order.
    public func createAll(_ changes: [Change], in transaction: StorageTransaction) async throws -> [Int64] { try await store.createAll(changes, in: transaction) }
    public func save(_ change: Change) async throws -> Change { try await store.save(change) }
    public func get(_ id: Int64) async throws -> Change { try await store.get(id) }
    public func list(_ filter: RecordFilter<ChangeState> = .init()) async throws -> [Change] { try await store.list(filter) }

    /// Changes whose planned window overlaps `period` (the change calendar).
    public func windows(overlapping period: Range<Instant>) async throws -> [Change] {
        try await store.list(where: {
            $0.where("window_start_us", .lessThan, SQLBind(period.upperBound.microsecondsSinceEpoch))
                .where("window_end_us", .greaterThan, SQLBind(period.lowerBound.microsecondsSinceEpoch))
        })
    }

    /// Changes implemented within `period`.
    public func implemented(in period: Range<Instant>) async throws -> [Change] {
        try await store.list(where: {
            $0.where("implemented_at_us", .greaterThanOrEqual, SQLBind(period.lowerBound.microsecondsSinceEpoch))
                .where("implemented_at_us", .lessThan, SQLBind(period.upperBound.microsecondsSinceEpoch))
        })
    }
}
