import Domain
import SQLKit

extension ServiceRequest: StoredRecord {
    static let table = "requests"
    static let openedColumn = "opened_at_us"
    static let priorityColumn: String? = "priority"

    var references: [(field: String, table: String, id: Int64?)] { [("serviceID", "services", serviceID)] }

    func columns() throws -> [Column] {
        [
            ("title", title), ("requester", requester), ("service_id", serviceID), ("priority", Int64(priority.rawValue)),
            ("state", state.rawValue), ("opened_at_us", openedAt.microsecondsSinceEpoch),
            ("fulfilled_at_us", fulfilledAt.microseconds),
        ]
    }

    static func decode(row: any SQLRow, events: [RecordEvent<RequestState>]) throws -> ServiceRequest {
        ServiceRequest(
            stored: try row.int64("id"), version: Int(try row.int64("version")), title: try row.string("title"),
            requester: try row.string("requester"), serviceID: try row.optionalInt64("service_id"),
            priority: try row.priority("priority", table: table), state: try row.value("state", table: table), events: events
        )
    }
}

/// Service requests.
public struct RequestRepository: Sendable {
    let store: RecordStore<ServiceRequest>

    public func create(_ request: ServiceRequest) async throws -> ServiceRequest { try await store.create(request) }
    /// Inserts several inside `transaction` (an import's batch) in a few statements; returns their ids in order.
    public func createAll(_ requests: [ServiceRequest], in transaction: StorageTransaction) async throws -> [Int64] { try await store.createAll(requests, in: transaction) }
    public func save(_ request: ServiceRequest) async throws -> ServiceRequest { try await store.save(request) }
    public func get(_ id: Int64) async throws -> ServiceRequest { try await store.get(id) }
    public func list(_ filter: RecordFilter<RequestState> = .init()) async throws -> [ServiceRequest] { try await store.list(filter) }

    /// Requests fulfilled within `period`.
    public func fulfilled(in period: Range<Instant>) async throws -> [ServiceRequest] {
        try await store.list(where: {
            $0.where("fulfilled_at_us", .greaterThanOrEqual, SQLBind(period.lowerBound.microsecondsSinceEpoch))
                .where("fulfilled_at_us", .lessThan, SQLBind(period.upperBound.microsecondsSinceEpoch))
        })
    }
}
