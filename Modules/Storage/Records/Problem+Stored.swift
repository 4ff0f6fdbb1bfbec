import Domain
import SQLKit

extension Problem: StoredRecord {
    static let table = "problems"
    static let openedColumn = "opened_at_us"

    var references: [(field: String, table: String, id: Int64?)] { [("serviceID", "services", serviceID)] }

    func columns() throws -> [Column] {
        [
            ("title", title), ("description", description), ("service_id", serviceID), ("state", state.rawValue),
            ("root_cause", rootCause), ("workaround", workaround), ("is_known_error", isKnownError),
            ("opened_at_us", openedAt.microsecondsSinceEpoch), ("known_error_at_us", knownErrorAt.microseconds),
            ("resolved_at_us", resolvedAt.microseconds),
        ]
    }

    static func decode(row: any SQLRow, events: [RecordEvent<ProblemState>]) throws -> Problem {
        Problem(
            stored: try row.int64("id"), version: Int(try row.int64("version")), title: try row.string("title"),
            description: try row.optionalString("description"), serviceID: try row.optionalInt64("service_id"),
            state: try row.value("state", table: table), rootCause: try row.optionalString("root_cause"),
            workaround: try row.optionalString("workaround"), isKnownError: try row.bool("is_known_error"),
            incidentIDs: [], events: events
        )
    }

    /// The linked incidents live on the incident rows (incidents.problem_id).
    static func loadExtras(_ records: inout [Problem], on db: any SQLDatabase) async throws {
        let ids = records.compactMap(\.id)
        guard !ids.isEmpty else { return }
        let rows = try await db.select().columns("id", "problem_id").from("incidents")
            .where("problem_id", .in, SQLBind.group(ids)).orderBy("id").all()
        var linked: [Int64: [Int64]] = [:]
        for row in rows { linked[try row.int64("problem_id"), default: []].append(try row.int64("id")) }
        for index in records.indices { records[index].incidentIDs = records[index].id.flatMap { linked[$0] } ?? [] }
    }
}

/// Problems and known errors.
public struct ProblemRepository: Sendable {
    let store: RecordStore<Problem>

    public func create(_ problem: Problem) async throws -> Problem { try await store.create(problem) }
    /// Inserts several inside `transaction` (an import's batch) in a few statements; returns their ids in order.
    public func createAll(_ problems: [Problem], in transaction: StorageTransaction) async throws -> [Int64] { try await store.createAll(problems, in: transaction) }
    public func save(_ problem: Problem) async throws -> Problem { try await store.save(problem) }
    public func get(_ id: Int64) async throws -> Problem { try await store.get(id) }
    public func list(_ filter: RecordFilter<ProblemState> = .init()) async throws -> [Problem] { try await store.list(filter) }

    /// Problems that became known errors within `period`.
    public func knownErrors(addedIn period: Range<Instant>) async throws -> [Problem] {
        try await store.list(where: {
            $0.where("known_error_at_us", .greaterThanOrEqual, SQLBind(period.lowerBound.microsecondsSinceEpoch))
                .where("known_error_at_us", .lessThan, SQLBind(period.upperBound.microsecondsSinceEpoch))
        })
    }
}
