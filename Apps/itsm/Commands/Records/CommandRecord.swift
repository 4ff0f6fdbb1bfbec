import Domain
import Storage

/// What the generic record commands (`list`, `show`, `update` and the state moves) need to know
/// about one kind of ITSM record: how to load and save it, and how to show it.
protocol CommandRecord: Sendable {
    associatedtype State: RecordState
    /// `incident`, for messages; `incidents`, the command group.
    static var singular: String { get }
    static var plural: String { get }
    /// Which list filters apply (every kind filters by state, opening time and limit).
    static var filtersByService: Bool { get }
    static var filtersByPriority: Bool { get }

    var id: Int64? { get }
    var version: Int { get }
    var events: [RecordEvent<State>] { get }
    var currentState: State { get }

    associatedtype Repository: RecordRepository where Repository.Record == Self, Repository.State == State
    static func repository(_ store: Store) -> Repository
    /// The record a command line names (its id; a service also by name).
    static func find(_ reference: String, in store: Store) async throws -> Self
    /// Builds a new record from fields (`create`) and edits one (`update`): see `RecordFields`.
    static func make(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws -> Self
    mutating func apply(_ fields: FieldMap, references: References, at: Instant, by actor: String) async throws

    static var columns: [String] { get }
    func row(_ names: ReferenceNames) -> [String?]
    /// Labelled values for `show`, in order.
    func details(_ names: ReferenceNames) -> [(String, String?)]
    /// The kind's own fields for `--json`, in a fixed set of names (absent values are null).
    func fields(_ names: ReferenceNames) -> [(String, JSONValue)]
}

extension CommandRecord {
    static var filtersByService: Bool { true }
    static var filtersByPriority: Bool { false }

    static func load(_ id: Int64, from store: Store) async throws -> Self { try await repository(store).get(id) }
    static func list(_ filter: RecordFilter<State>, from store: Store) async throws -> [Self] { try await repository(store).list(filter) }
    static func create(_ record: Self, in store: Store) async throws -> Self { try await repository(store).create(record) }
    func save(to store: Store) async throws -> Self { try await Self.repository(store).save(self) }

    /// When the record was opened (its first event).
    var openedAt: Instant { events.first?.at ?? Instant(microsecondsSinceEpoch: 0) }

    /// A record named on the command line: its numeric id (services also take their name).
    static func find(_ reference: String, in store: Store) async throws -> Self {
        guard let id = Int64(reference.trimmingCharacters(in: .whitespaces)), id > 0 else {
            throw DomainError.invalidField(field: "ID", value: reference, expected: "the numeric id of \(singular.withArticle)")
        }
        return try await load(id, from: store)
    }
}

/// The shape every record repository of `Storage` has.
protocol RecordRepository: Sendable {
    associatedtype Record
    associatedtype State: RecordState
    func create(_ record: Record) async throws -> Record
    func createAll(_ records: [Record], in transaction: StorageTransaction) async throws -> [Int64]
    func save(_ record: Record) async throws -> Record
    func get(_ id: Int64) async throws -> Record
    func list(_ filter: RecordFilter<State>) async throws -> [Record]
}

extension ServiceRepository: RecordRepository {}
extension IncidentRepository: RecordRepository {}
extension ProblemRepository: RecordRepository {}
extension ChangeRepository: RecordRepository {}
extension RequestRepository: RecordRepository {}
extension ImprovementRepository: RecordRepository {}

/// Service and SLA names by id, so tables and JSON can show `Mail` rather than `3`.
struct ReferenceNames: Sendable {
    var services: [Int64: String] = [:]
    var slas: [Int64: String] = [:]

    static func load(_ store: Store) async throws -> ReferenceNames {
        func byID(_ pairs: [(Int64?, String)]) -> [Int64: String] {
            Dictionary(pairs.compactMap { id, name in id.map { ($0, name) } }, uniquingKeysWith: { first, _ in first })
        }
        return ReferenceNames(
            services: byID(try await store.services.list().map { ($0.id, $0.name) }),
            slas: byID(try await store.slas.list().map { ($0.id, $0.name) })
        )
    }

    func name(_ id: Int64?) -> String? { id.map { services[$0] ?? "#\($0)" } }
    func sla(_ id: Int64?) -> String? { id.map { slas[$0] ?? "#\($0)" } }
}

extension String {
    var withArticle: String { (first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + self }
}

extension Optional where Wrapped == Instant {
    var iso8601: String? { self?.iso8601 }
}

func text(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
}
