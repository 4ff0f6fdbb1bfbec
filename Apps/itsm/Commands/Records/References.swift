import Domain
import Storage

/// Turns what a person or an export calls a related record (an id, or a unique name where the
/// kind has one) into its id, with an error naming the field when there is no such record.
struct References: Sendable {
    let store: Store

    /// The field's service: nil when absent, `.some(nil)` when given empty (remove the link).
    func service(_ fields: FieldMap, _ field: String = "service") async throws -> Int64?? {
        try await optional(fields, field) { try await serviceID($0, field: field) }
    }

    func sla(_ fields: FieldMap, _ field: String = "sla") async throws -> Int64?? {
        try await optional(fields, field) { raw in
            try await resolve(raw, field: field, what: "SLA", byID: { try await store.slas.get($0).id }, byName: { try await store.slas.named($0)?.id })
        }
    }

    func calendar(_ raw: String, field: String = "calendar") async throws -> Int64 {
        try await resolve(raw, field: field, what: "calendar", byID: { try await store.calendars.get($0).id }, byName: { try await store.calendars.named($0)?.id })
    }

    func problem(_ raw: String, field: String = "problem") async throws -> Int64 {
        try await resolve(raw, field: field, what: "problem", byID: { try await store.problems.get($0).id }, byName: nil)
    }

    func serviceID(_ raw: String, field: String = "service") async throws -> Int64 {
        try await resolve(raw, field: field, what: "service", byID: { try await store.services.get($0).id }, byName: { try await store.services.named($0)?.id })
    }

    private func optional(_ fields: FieldMap, _ field: String, _ lookup: (String) async throws -> Int64) async throws -> Int64?? {
        guard let raw = fields.text(field) else { return nil }
        if raw.trimmingCharacters(in: .whitespaces).isEmpty { return .some(nil) }
        return .some(try await lookup(raw))
    }

    private func resolve(
        _ raw: String, field: String, what: String, byID: (Int64) async throws -> Int64?, byName: ((String) async throws -> Int64?)?
    ) async throws -> Int64 {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let expected = byName == nil ? "the id of an existing \(what)" : "the id or name of an existing \(what)"
        if let id = Int64(text) {
            do {
                if let found = try await byID(id) { return found }
            } catch StorageError.notFound {}
        } else if let byName, let found = try await byName(text) {
            return found
        }
        throw DomainError.invalidField(field: field, value: raw, expected: expected)
    }
}
