import Domain
import SQLKit

typealias SQLValue = any Encodable & Sendable

/// Rows for one table, written as multi-row parameterised INSERTs.
struct TableRows: Sendable {
    let table: String
    let columns: [String]
    private(set) var rows: [[SQLValue]] = []

    init(_ table: String, _ columns: [String]) {
        self.table = table
        self.columns = columns
    }

    var count: Int { rows.count }

    mutating func append(_ row: [SQLValue]) {
        precondition(row.count == columns.count, "\(table): \(row.count) values for \(columns.count) columns")
        rows.append(row)
    }

    /// One INSERT per `maxParameters / columns` rows: SQLite allows 32,766 parameters a statement,
    /// PostgreSQL 65,535.
    func write(on db: any SQLDatabase, maxParameters: Int) async throws {
        let perStatement = max(1, maxParameters / columns.count)
        for first in stride(from: 0, to: rows.count, by: perStatement) {
            var insert = db.insert(into: table).columns(columns)
            for row in rows[first..<min(first + perStatement, rows.count)] {
                insert = insert.values(row.map { SQLBind($0) })
            }
            try await insert.run()
        }
    }
}

/// `record_events` rows exactly as `EventStore.append` writes them, in trail order.
struct EventRows: Sendable {
    private(set) var rows = TableRows(
        "record_events", ["record_kind", "record_id", "at_us", "actor", "action", "from_state", "to_state", "detail"]
    )

    var count: Int { rows.count }

    mutating func append<S: RecordState>(_ events: [RecordEvent<S>], recordID: Int64) {
        for event in events {
            rows.append([
                S.recordKind.rawValue, recordID, event.at.microsecondsSinceEpoch, event.actor, event.action.rawValue,
                event.from?.rawValue, event.to?.rawValue, event.detail,
            ])
        }
    }
}

/// The rows of one transaction: records first, their events last (no foreign key between them).
struct Batch: Sendable {
    var tables: [TableRows]
    var events = EventRows()

    var recordCount: Int { tables.first?.count ?? 0 }

    func write(on db: any SQLDatabase, maxParameters: Int) async throws {
        for table in tables { try await table.write(on: db, maxParameters: maxParameters) }
        try await events.rows.write(on: db, maxParameters: maxParameters)
    }
}

/// Collects records into batches of `size` and writes each full batch in its own transaction,
/// while the next one is generated: on two cores, generating and writing overlap. Transactions
/// still run one after another, in order.
struct BatchSink {
    let size: Int
    let empty: () -> Batch
    let write: @Sendable (Batch) async throws -> Void
    private var batch: Batch
    private var pending: Task<Void, any Error>?

    init(size: Int, empty: @escaping () -> Batch, write: @escaping @Sendable (Batch) async throws -> Void) {
        self.size = size
        self.empty = empty
        self.write = write
        self.batch = empty()
    }

    mutating func add(_ fill: (inout Batch) throws -> Void) async throws {
        try fill(&batch)
        if batch.recordCount >= size { try await flush() }
    }

    /// Starts writing what has been collected, once the previous write has finished.
    mutating func flush() async throws {
        try await pending?.value
        pending = nil
        guard batch.recordCount > 0 else { return }
        let full = batch
        let write = self.write
        pending = Task { try await write(full) }
        batch = empty()
    }

    /// Writes the rest and waits until everything is committed.
    mutating func finish() async throws {
        try await flush()
        try await pending?.value
        pending = nil
    }
}
