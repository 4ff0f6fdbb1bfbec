import Domain
import SQLKit

extension Service: StoredRecord {
    static let table = "services"
    static let openedColumn = "created_at_us"
    static let stateColumn = "status"

    var references: [(field: String, table: String, id: Int64?)] { [("slaID", "slas", slaID)] }

    func columns() throws -> [Column] {
        [
            ("name", name), ("description", description), ("owner", owner), ("criticality", criticality.rawValue),
            ("status", status.rawValue), ("sla_id", slaID),
            ("created_at_us", (events.first?.at ?? Instant(microsecondsSinceEpoch: 0)).microsecondsSinceEpoch),
            ("status_since_us", (statusSince ?? Instant(microsecondsSinceEpoch: 0)).microsecondsSinceEpoch),
        ]
    }

    static func decode(row: any SQLRow, events: [RecordEvent<PortfolioStatus>]) throws -> Service {
        Service(
            stored: try row.int64("id"), version: Int(try row.int64("version")), name: try row.string("name"),
            description: try row.optionalString("description"), owner: try row.optionalString("owner"),
            criticality: try row.value("criticality", table: table), status: try row.value("status", table: table),
            slaID: try row.optionalInt64("sla_id"), events: events
        )
    }
}

/// Services in the portfolio and catalog.
public struct ServiceRepository: Sendable {
    let store: RecordStore<Service>

    public func create(_ service: Service) async throws -> Service { try await store.create(service) }
    /// Inserts several inside `transaction` (an import's batch) in a few statements; returns their ids in order.
    public func createAll(_ services: [Service], in transaction: StorageTransaction) async throws -> [Int64] { try await store.createAll(services, in: transaction) }
    public func save(_ service: Service) async throws -> Service { try await store.save(service) }
    public func get(_ id: Int64) async throws -> Service { try await store.get(id) }
    public func list(_ filter: RecordFilter<PortfolioStatus> = .init()) async throws -> [Service] { try await store.list(filter) }

    public func named(_ name: String) async throws -> Service? {
        try await store.list(where: { $0.where("name", .equal, SQLBind(name)) }).first
    }
}
