import Domain
import SQLKit

extension Improvement: StoredRecord {
    static let table = "improvements"
    static let openedColumn = "created_at_us"

    var references: [(field: String, table: String, id: Int64?)] { [("serviceID", "services", serviceID)] }

    func columns() throws -> [Column] {
        [
            ("title", title), ("owner", owner), ("service_id", serviceID), ("metric", metric), ("baseline", baseline),
            ("target", target), ("current_value", current), ("due_date", dueDate?.description), ("state", state.rawValue),
            ("created_at_us", (events.first?.at ?? Instant(microsecondsSinceEpoch: 0)).microsecondsSinceEpoch),
        ]
    }

    static func decode(row: any SQLRow, events: [RecordEvent<ImprovementState>]) throws -> Improvement {
        var due: CivilDate?
        if let text = try row.optionalString("due_date") {
            guard let date = CivilDate(text) else { throw StorageError.corruptRow(table: table, column: "due_date", value: text) }
            due = date
        }
        return Improvement(
            stored: try row.int64("id"), version: Int(try row.int64("version")), title: try row.string("title"),
            owner: try row.optionalString("owner"), serviceID: try row.optionalInt64("service_id"),
            metric: try row.string("metric"), baseline: try row.double("baseline"), target: try row.double("target"),
            current: try row.double("current_value"), dueDate: due, state: try row.value("state", table: table), events: events
        )
    }
}

/// The CSI register.
public struct ImprovementRepository: Sendable {
    let store: RecordStore<Improvement>

    public func create(_ improvement: Improvement) async throws -> Improvement { try await store.create(improvement) }
    /// Inserts several inside `transaction` (an import's batch) in a few statements; returns their ids in order.
    public func createAll(_ improvements: [Improvement], in transaction: StorageTransaction) async throws -> [Int64] { try await store.createAll(improvements, in: transaction) }
    public func save(_ improvement: Improvement) async throws -> Improvement { try await store.save(improvement) }
    public func get(_ id: Int64) async throws -> Improvement { try await store.get(id) }
    public func list(_ filter: RecordFilter<ImprovementState> = .init()) async throws -> [Improvement] { try await store.list(filter) }
}
