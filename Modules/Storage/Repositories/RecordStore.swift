import Domain
import SQLKit

/// A domain record kept in one table plus the shared audit trail.
protocol StoredRecord: Sendable {
    associatedtype State: RecordState
    static var table: String { get }
    /// The column holding the instant the record was opened, for period queries.
    static var openedColumn: String { get }
    /// The column holding the state (`status` for services).
    static var stateColumn: String { get }
    /// The column holding the priority, for kinds that have one (incidents, requests).
    static var priorityColumn: String? { get }
    var id: Int64? { get set }
    var version: Int { get set }
    var events: [RecordEvent<State>] { get }
    /// The columns to write, except `id` and `version`: the same names in the same order for every
    /// record of a kind (`createAll` writes a batch under the first record's names).
    func columns() throws -> [Column]
    /// Rebuilds the record from its row and its events.
    static func decode(row: any SQLRow, events: [RecordEvent<State>]) throws -> Self
    /// Other records this one points at, checked before writing so the error names the field.
    var references: [(field: String, table: String, id: Int64?)] { get }
    /// Writes rows in side tables after the main row (votes, links); default none.
    func writeExtras(id: Int64, on db: any SQLDatabase) async throws
    /// Loads side-table values into records just read; default none.
    static func loadExtras(_ records: inout [Self], on db: any SQLDatabase) async throws
}

extension StoredRecord {
    static var stateColumn: String { "state" }
    static var priorityColumn: String? { nil }
    var references: [(field: String, table: String, id: Int64?)] { [] }
    func writeExtras(id: Int64, on db: any SQLDatabase) async throws {}
    static func loadExtras(_ records: inout [Self], on db: any SQLDatabase) async throws {}
}

/// Filters shared by every record listing; nil means "any".
public struct RecordFilter<State: RecordState>: Sendable {
    public var states: Set<State>?
    public var serviceID: Int64?
    public var openedIn: Range<Instant>?
    /// Only records of this priority; kinds without a priority match nothing.
    public var priority: Priority?
    /// Only records whose id is above this one: the next page after a page ending there (exports).
    public var afterID: Int64?
    public var limit: Int?

    public init(
        states: Set<State>? = nil, serviceID: Int64? = nil, openedIn: Range<Instant>? = nil, priority: Priority? = nil,
        afterID: Int64? = nil, limit: Int? = nil
    ) {
        self.states = states
        self.serviceID = serviceID
        self.openedIn = openedIn
        self.priority = priority
        self.afterID = afterID
        self.limit = limit
    }
}

/// Create, save (optimistically locked), get and list for any stored record.
struct RecordStore<Record: StoredRecord>: Sendable {
    let database: Database

    func create(_ record: Record) async throws -> Record {
        let id = try await database.transaction { db in try await Self.insert(record, on: db) }
        return try await get(id)
    }

    /// Inserts several records inside a caller's transaction (an import's batch), with their events
    /// and side-table rows; returns their new ids in the records' order. A few multi-row statements
    /// write the whole batch, where `create(_:)` takes several round trips per record. On a
    /// failure (a duplicate, a missing reference) nothing says which record failed: the caller goes
    /// back to a savepoint and writes the records one by one to find it.
    func createAll(_ records: [Record], in transaction: StorageTransaction) async throws -> [Int64] {
        try await Self.insertAll(records, on: transaction.db)
    }

    /// Rows per multi-row INSERT of records: 16 or so columns each stay far below SQLite's 32,766
    /// and PostgreSQL's 65,535 bound parameters.
    static var recordsPerStatement: Int { 500 }

    static func insertAll(_ records: [Record], on db: any SQLDatabase) async throws -> [Int64] {
        guard let first = records.first else { return [] }
        let rows = try records.map { try $0.columns() }
        let names = rows[0].map(\.name)
        try await checkReferences(of: records, on: db)
        do {
            var ids: [Int64] = []
            ids.reserveCapacity(records.count)
            for start in stride(from: 0, to: rows.count, by: recordsPerStatement) {
                let chunk = rows[start..<min(start + recordsPerStatement, rows.count)]
                var insert = db.insert(into: Record.table).columns(["version"] + names)
                for row in chunk { insert = insert.values([SQLBind(Int64(1))] + row.map { SQLBind($0.value) }) }
                // Both engines number the rows of one INSERT in the order of its VALUES (SQLite's
                // AUTOINCREMENT and PostgreSQL's identity sequence only count up), but neither promises
                // the order of the rows RETURNING gives back: so sorted by id. That numbering is what
                // the ids rest on; the first column (the title or name), checked against the records
                // row by row, is a tripwire that catches an out-of-order numbering only where
                // neighbouring records' titles differ.
                let returned = try await insert.returning("id", names[0]).all()
                    .map { (id: try $0.int64("id"), label: try $0.optionalString(names[0])) }
                    .sorted { $0.id < $1.id }
                guard returned.count == chunk.count else { throw BatchInsertMismatch(table: Record.table, position: start + returned.count) }
                for (position, (columns, row)) in zip(chunk.indices, zip(chunk, returned)) {
                    if let label = columns[0].value as? String, row.label != label { throw BatchInsertMismatch(table: Record.table, position: position) }
                }
                ids += returned.map(\.id)
            }
            try await EventStore.append(zip(records, ids).map { ($0.events, $1) }, on: db)
            for (record, id) in zip(records, ids) { try await record.writeExtras(id: id, on: db) }
            return ids
        } catch let error as BatchInsertMismatch {
            throw error
        } catch {
            throw Self.translate(error, record: records.count == 1 ? first : nil)
        }
    }

    static func insert(_ record: Record, on db: any SQLDatabase) async throws -> Int64 {
        let columns = try record.columns()
        try await checkReferences(of: record, on: db)
        do {
            let row = try await db.insert(into: Record.table)
                .columns(["version"] + columns.map(\.name))
                .values([SQLBind(Int64(1))] + columns.map { SQLBind($0.value) })
                .returning("id")
                .first()
            guard let id = try row?.int64("id") else { throw StorageError.notFound(record: Record.State.recordKind.rawValue, id: 0) }
            try await EventStore.append(record.events, recordID: id, on: db)
            try await record.writeExtras(id: id, on: db)
            return id
        } catch {
            throw Self.translate(error, record: record)
        }
    }

    /// Writes the record's current fields and its new events, if nobody saved it since it was read.
    func save(_ record: Record) async throws -> Record {
        guard let id = record.id else { return try await create(record) }
        let kind = Record.State.recordKind.rawValue
        try await database.transaction { db in
            let columns = try record.columns()
            try await Self.checkReferences(of: record, on: db)
            var update = db.update(Record.table).set("version", to: SQLBind(Int64(record.version + 1)))
            for column in columns { update = update.set(SQLIdentifier(column.name), to: SQLBind(column.value)) }
            do {
                let rows = try await update
                    .where("id", .equal, SQLBind(id))
                    .where("version", .equal, SQLBind(Int64(record.version)))
                    .returning("id")
                    .all()
                if rows.isEmpty {
                    let exists = try await db.select().column("id").from(Record.table).where("id", .equal, SQLBind(id)).first() != nil
                    throw exists ? StorageError.concurrentUpdate(record: kind, id: id) : StorageError.notFound(record: kind, id: id)
                }
                try await EventStore.append(record.events, recordID: id, on: db)
                try await record.writeExtras(id: id, on: db)
            } catch {
                throw Self.translate(error, record: record)
            }
        }
        return try await get(id)
    }

    func get(_ id: Int64) async throws -> Record {
        guard let record = try await list(where: { $0.where("id", .equal, SQLBind(id)) }).first else {
            throw StorageError.notFound(record: Record.State.recordKind.rawValue, id: id)
        }
        return record
    }

    func list(_ filter: RecordFilter<Record.State>) async throws -> [Record] {
        try await list(where: { query in
            var query = query
            if let states = filter.states {
                // `IN ()` is a syntax error on PostgreSQL: an empty set matches nothing.
                query = states.isEmpty
                    ? query.where(SQLRaw("1 = 0"))
                    : query.where(SQLIdentifier(Record.stateColumn), .in, SQLBind.group(states.map(\.rawValue).sorted()))
            }
            if let serviceID = filter.serviceID { query = query.where("service_id", .equal, SQLBind(serviceID)) }
            if let afterID = filter.afterID { query = query.where("id", .greaterThan, SQLBind(afterID)) }
            if let priority = filter.priority {
                query = Record.priorityColumn.map { query.where(SQLIdentifier($0), .equal, SQLBind(Int64(priority.rawValue))) } ?? query.where(SQLRaw("1 = 0"))
            }
            if let period = filter.openedIn {
                query = query
                    .where(SQLIdentifier(Record.openedColumn), .greaterThanOrEqual, SQLBind(period.lowerBound.microsecondsSinceEpoch))
                    .where(SQLIdentifier(Record.openedColumn), .lessThan, SQLBind(period.upperBound.microsecondsSinceEpoch))
            }
            return query
        }, limit: filter.limit)
    }

    /// Rows matching `filter`, ordered by id, each with its events and side-table values.
    func list(where filter: @escaping @Sendable (SQLSelectBuilder) -> SQLSelectBuilder, limit: Int? = nil) async throws -> [Record] {
        try await database.withSession { db in
            var query = filter(db.select().column("*").from(Record.table)).orderBy("id")
            if let limit { query = query.limit(limit) }
            let rows = try await query.all()
            let ids = try rows.map { try $0.int64("id") }
            let events = try await EventStore.load(Record.State.self, recordIDs: ids, on: db)
            var records = try rows.map { row in try Record.decode(row: row, events: events[try row.int64("id")] ?? []) }
            try await Record.loadExtras(&records, on: db)
            return records
        }
    }

    /// As `checkReferences(of:on:)` for many records: one query per referenced table and 500 ids;
    /// the error names the first record's (in order) missing reference.
    static func checkReferences(of records: [Record], on db: any SQLDatabase) async throws {
        var wanted: [String: Set<Int64>] = [:]
        for record in records {
            for reference in record.references { if let id = reference.id { wanted[reference.table, default: []].insert(id) } }
        }
        var missing: [String: Set<Int64>] = [:]
        for (table, ids) in wanted {
            let ids = ids.sorted()
            var found: Set<Int64> = []
            for start in stride(from: 0, to: ids.count, by: 500) {
                let rows = try await db.select().column("id").from(table)
                    .where("id", .in, SQLBind.group(Array(ids[start..<min(start + 500, ids.count)]))).all()
                for row in rows { found.insert(try row.int64("id")) }
            }
            missing[table] = Set(ids).subtracting(found)
        }
        for record in records {
            for reference in record.references {
                if let id = reference.id, missing[reference.table]?.contains(id) == true {
                    throw StorageError.missingReference(field: reference.field, id: id)
                }
            }
        }
    }

    static func checkReferences(of record: Record, on db: any SQLDatabase) async throws {
        for reference in record.references {
            guard let id = reference.id else { continue }
            let found = try await db.select().column("id").from(reference.table).where("id", .equal, SQLBind(id)).first()
            if found == nil { throw StorageError.missingReference(field: reference.field, id: id) }
        }
    }

    /// A unique violation as `StorageError.duplicate`, naming the record's name when one record was written.
    private static func translate(_ error: any Error, record: Record?) -> any Error {
        if error.isUniqueViolation {
            let name = (try? record?.columns().first { $0.name == "name" }?.value).map { "\($0)" } ?? "?"
            return StorageError.duplicate(record: Record.State.recordKind.rawValue, field: "name", value: name)
        }
        return error
    }
}

/// The rows a multi-row INSERT gave back did not line up with the records it was given: an engine
/// numbered them out of order. Never seen; the batch is not written.
struct BatchInsertMismatch: Error, CustomStringConvertible {
    let table: String
    let position: Int

    var description: String {
        "writing a batch into \(table), the database numbered row \(position + 1) out of order; nothing of the batch was kept"
    }
}
