import Foundation

/// Collects the fields one edit changed, so the edit appends a single `updated` event naming them.
///
/// Record `update` methods validate every new value before anything is written, and apply the
/// edit to a copy, so a refused edit leaves the record as it was.
struct FieldEdit {
    private(set) var changed: [String] = []

    /// Sets `target` to `value` and notes `field`, when the value differs.
    mutating func set<T: Equatable>(_ field: String, _ target: inout T, _ value: T) {
        guard target != value else { return }
        target = value
        changed.append(field)
    }

    /// Appends the `updated` event ("title, service") if anything changed.
    func record<S: RecordState>(in events: inout [RecordEvent<S>], at: Instant, by actor: String) throws(DomainError) {
        let actor = try Validate.actor(actor)
        guard !changed.isEmpty else { return }
        events.append(RecordEvent(at: at, actor: actor, action: .updated, detail: changed.joined(separator: ", ")))
    }
}
