import Domain
import Storage

/// Turns what a person or an export calls a related record (an id, or a unique name where the
/// kind has one) into its id, with an error naming the field when there is no such record.
///
/// With a `ReferenceCache` (imports), services and SLAs are answered from the cache alone, so a
/// file of a million rows naming the same few services costs no query per row, and lookups work
/// inside the import's transaction (SQLite has one connection, which that transaction holds).
struct References: Sendable {
    let store: Store
    var cache: ReferenceCache? = nil

    /// The field's service: nil when absent, `.some(nil)` when given empty (remove the link).
    func service(_ fields: FieldMap, _ field: String = "service") async throws -> Int64?? {
        try await optional(fields, field) { try await serviceID($0, field: field) }
    }

    func sla(_ fields: FieldMap, _ field: String = "sla") async throws -> Int64?? {
        try await optional(fields, field) { raw in
            if let cache { return try cache.sla(raw, field: field) }
            return try await resolve(raw, field: field, what: "SLA", byID: { try await store.slas.get($0).id }, byName: { try await store.slas.named($0)?.id })
        }
    }

    func calendar(_ raw: String, field: String = "calendar") async throws -> Int64 {
        try await resolve(raw, field: field, what: "calendar", byID: { try await store.calendars.get($0).id }, byName: { try await store.calendars.named($0)?.id })
    }

    func problem(_ raw: String, field: String = "problem") async throws -> Int64 {
        try await resolve(raw, field: field, what: "problem", byID: { try await store.problems.get($0).id }, byName: nil)
    }

    func serviceID(_ raw: String, field: String = "service") async throws -> Int64 {
        if let cache { return try cache.service(raw, field: field) }
        return try await resolve(raw, field: field, what: "service", byID: { try await store.services.get($0).id }, byName: { try await store.services.named($0)?.id })
    }

    private func optional(_ fields: FieldMap, _ field: String, _ lookup: (String) async throws -> Int64) async throws -> Int64?? {
        guard let raw = fields.text(field) else { return nil }
        if raw.trimmingCharacters(in: .whitespaces).isEmpty { return .some(nil) }
        return .some(try await lookup(raw))
    }

    fileprivate static func notFound(_ raw: String, field: String, what: String, byName: Bool) -> DomainError {
        .invalidField(field: field, value: raw, expected: byName ? "the id or name of an existing \(what)" : "the id of an existing \(what)")
    }

    private func resolve(
        _ raw: String, field: String, what: String, byID: (Int64) async throws -> Int64?, byName: ((String) async throws -> Int64?)?
    ) async throws -> Int64 {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let id = Int64(text) {
            do {
                if let found = try await byID(id) { return found }
            } catch StorageError.notFound {}
        } else if let byName, let found = try await byName(text) {
            return found
        }
        throw Self.notFound(raw, field: field, what: what, byName: byName != nil)
    }
}

/// Every service's and SLA's id and name, read once before an import: the ids `References` hands
/// out for the rows. Its size follows the catalog, not the file.
struct ReferenceCache: Sendable {
    private let serviceIDs: [String: Int64]
    private let slaIDs: [String: Int64]
    private let names: ReferenceNames

    init(_ names: ReferenceNames) {
        self.names = names
        serviceIDs = Dictionary(names.services.map { ($1, $0) }, uniquingKeysWith: min)
        slaIDs = Dictionary(names.slas.map { ($1, $0) }, uniquingKeysWith: min)
    }

    static func load(_ store: Store) async throws -> ReferenceCache { ReferenceCache(try await ReferenceNames.load(store)) }

    func service(_ raw: String, field: String) throws(DomainError) -> Int64 {
        try Self.find(raw, field: field, what: "service", ids: names.services, byName: serviceIDs)
    }

    func sla(_ raw: String, field: String) throws(DomainError) -> Int64 {
        try Self.find(raw, field: field, what: "SLA", ids: names.slas, byName: slaIDs)
    }

    /// As `References.resolve`: a number is an id, anything else a name (names match exactly).
    private static func find(_ raw: String, field: String, what: String, ids: [Int64: String], byName: [String: Int64]) throws(DomainError) -> Int64 {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if let id = Int64(text) {
            if ids[id] != nil { return id }
        } else if let id = byName[text] {
            return id
        }
        throw References.notFound(raw, field: field, what: what, byName: true)
    }
}
