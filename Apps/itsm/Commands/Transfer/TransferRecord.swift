import Domain
import Storage

/// A record kind `itsm export` writes: its transfer fields in column order (the names `itsm import`
/// reads, so an export re-imports), and one record's values for them.
protocol ExportableRecord: CommandRecord {
    /// Field names, in column order, after `id`.
    static var transferFields: [String] { get }
    /// The values of `transferFields`, in that order (null: absent).
    func transferValues(_ names: ReferenceNames) -> [JSONValue]
}

/// A record kind `itsm import` builds from a file's rows, with its history.
///
/// An imported record's audit trail is built through the domain's own moves, so the trail and the
/// columns agree: created at `opened_at` by the import's operator, then the moves its `state`
/// implies, each at the row's instant for it (see each kind's `imported`).
protocol ImportableRecord: ExportableRecord {
    /// Fields a CSV header must give (after `--map`).
    static var requiredFields: [String] { get }
    static func imported(_ fields: FieldMap, references: References, now: Instant, by actor: String) async throws -> Self
}

extension ImportableRecord {
    /// Every field an import reads: `id` (read but not kept: records get new ids), the transfer
    /// fields, and `time-zone` for local times.
    static var importFields: Set<String> { Set(transferFields + ["id", "time-zone"]) }
}

/// Reading a row's history: states as other tools spell them, and instants in order.
extension FieldMap {
    /// The row's state: case, spaces and underscores ignored (`In Progress` is `in-progress`).
    func importedState<S: RecordState>(_ field: String = "state", _ type: S.Type = S.self) throws(DomainError) -> S? {
        guard let raw = text(field) else { return nil }
        let name = raw.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "_", with: "-")
        guard let state = S(rawValue: name) else {
            throw .invalidField(field: field, value: raw, expected: "one of " + S.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return state
    }

    /// The instant of `field`, which the row's state needs.
    func neededInstant(_ field: String, for state: some RecordState) throws(DomainError) -> Instant {
        guard let instant = try instant(field) else {
            throw .invalidField(field: field, value: "", expected: "an instant (a \(state.rawValue) record has one)")
        }
        return instant
    }

    /// Refuses `field` when given although the row's state has no such instant.
    func refuse(_ field: String, unless allowed: Bool, state: some RecordState) throws(DomainError) {
        guard !allowed, let raw = text(field) else { return }
        throw .invalidField(field: field, value: raw, expected: "no value: a \(state.rawValue) record has none")
    }

    /// Checks that the instants given follow each other in the order listed (equal is fine).
    static func checkOrder(_ instants: [(field: String, at: Instant?)]) throws(DomainError) {
        var previous: (field: String, at: Instant)?
        for (field, at) in instants {
            guard let at else { continue }
            if let previous, at < previous.at {
                throw .invalidField(field: field, value: at.iso8601, expected: "an instant at or after \(previous.field) (\(previous.at.iso8601))")
            }
            previous = (field, at)
        }
    }
}

extension Optional where Wrapped == String {
    var json: JSONValue { .text(self) }
}

extension Service: ImportableRecord {
    static let transferFields = ["name", "description", "owner", "criticality", "status", "sla", "opened_at"]
    static let requiredFields = ["name"]

    /// Created at `opened_at` in its `status` (pipeline by default), as `itsm services create` would.
    static func imported(_ fields: FieldMap, references: References, now: Instant, by actor: String) async throws -> Service {
        var fields = fields
        if let status: PortfolioStatus = try fields.importedState("status") { fields["status"] = status.rawValue }
        return try await make(fields, references: references, at: try fields.instant("opened_at") ?? now, by: actor)
    }

    func transferValues(_ names: ReferenceNames) -> [JSONValue] {
        [.text(name), description.json, owner.json, .text(criticality.rawValue), .text(status.rawValue), names.sla(slaID).json, .instant(openedAt)]
    }
}

extension Incident: ImportableRecord {
    static let transferFields = [
        "title", "description", "category", "impact", "urgency", "service", "major", "state", "assignee",
        "opened_at", "responded_at", "resolved_at", "closed_at",
    ]
    static let requiredFields = ["title", "impact", "urgency"]

    /// Created at `opened_at`; with an assignee, assigned then; a first response at `responded_at`;
    /// in-progress or on-hold at `responded_at` (else `opened_at`); resolved at `resolved_at`;
    /// closed at `closed_at`.
    static func imported(_ fields: FieldMap, references: References, now: Instant, by actor: String) async throws -> Incident {
        let target: IncidentState = try fields.importedState() ?? .new
        let opened = try fields.instant("opened_at") ?? now
        let responded = try fields.instant("responded_at")
        try fields.refuse("resolved_at", unless: target == .resolved || target == .closed, state: target)
        try fields.refuse("closed_at", unless: target == .closed, state: target)
        let resolved = target == .resolved || target == .closed ? try fields.neededInstant("resolved_at", for: target) : nil
        let closed = target == .closed ? try fields.neededInstant("closed_at", for: target) : nil
        try FieldMap.checkOrder([("opened_at", opened), ("responded_at", responded), ("resolved_at", resolved), ("closed_at", closed)])

        var incident = try await make(fields, references: references, at: opened, by: actor)
        let assignee = fields.text("assignee")
        if let assignee {
            guard target != .new else {
                throw DomainError.invalidField(field: "assignee", value: assignee, expected: "no assignee for a new incident (assigning makes it assigned)")
            }
            try incident.assign(to: assignee, at: opened, by: actor)
        }
        if let responded { try incident.respond(at: responded, by: actor) }
        switch target {
        case .new: break
        case .assigned: if assignee == nil { try incident.move(to: .assigned, at: opened, by: actor) }
        case .inProgress: try incident.move(to: .inProgress, at: responded ?? opened, by: actor)
        case .onHold:
            if assignee == nil { try incident.move(to: .inProgress, at: responded ?? opened, by: actor) }
            try incident.hold(at: responded ?? opened, by: actor)
        case .resolved, .closed:
            if let resolved { try incident.resolve(at: resolved, by: actor) }
            if let closed { try incident.close(at: closed, by: actor) }
        }
        return incident
    }

    func transferValues(_ names: ReferenceNames) -> [JSONValue] {
        [
            .text(title), description.json, category.json, .text(impact.rawValue), .text(urgency.rawValue), names.name(serviceID).json,
            .bool(isMajor), .text(state.rawValue), assignee.json, .instant(openedAt), .instant(firstResponseAt), .instant(resolvedAt), .instant(closedAt),
        ]
    }
}
