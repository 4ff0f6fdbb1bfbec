import Domain
import Storage

// Services, changes and improvements for the generic record commands.

extension Service: CommandRecord {
    static let singular = "service", plural = "services"
    static var filtersByService: Bool { false }
    var currentState: PortfolioStatus { status }

    static func repository(_ store: Store) -> ServiceRepository { store.services }

    /// A service is named by its id or its unique name.
    static func find(_ reference: String, in store: Store) async throws -> Service {
        try await load(try await References(store: store).serviceID(reference, field: "ID"), from: store)
    }

    static let columns = ["ID", "STATE", "CRITICALITY", "OWNER", "SLA", "NAME"]
    func row(_ names: ReferenceNames) -> [String?] {
        [id.map(String.init), status.rawValue, criticality.rawValue, owner, names.sla(slaID), name]
    }
    func details(_ names: ReferenceNames) -> [(String, String?)] {
        [
            ("id", id.map(String.init)), ("name", name), ("state", status.rawValue), ("criticality", criticality.rawValue),
            ("owner", owner), ("sla", names.sla(slaID)), ("created", openedAt.iso8601), ("state since", statusSince.iso8601),
            ("version", String(version)), ("description", description),
        ]
    }
    func fields(_ names: ReferenceNames) -> [(String, JSONValue)] {
        [
            ("name", .text(name)), ("description", .text(description)), ("owner", .text(owner)),
            ("criticality", .text(criticality.rawValue)), ("slaId", .integer(slaID)), ("sla", .text(names.sla(slaID))), ("stateSince", .instant(statusSince)),
        ]
    }
}

extension Change: CommandRecord {
    static let singular = "change", plural = "changes"
    var currentState: ChangeState { state }

    static func repository(_ store: Store) -> ChangeRepository { store.changes }

    static let columns = ["ID", "TYPE", "RISK", "STATE", "WINDOW START (UTC)", "SERVICE", "TITLE"]
    func row(_ names: ReferenceNames) -> [String?] {
        [id.map(String.init), type.rawValue, risk.rawValue, state.rawValue, window?.start.iso8601, names.name(serviceID), title]
    }
    func details(_ names: ReferenceNames) -> [(String, String?)] {
        let votes = approval.votes.map { "\($0.approver): \($0.approve ? "approve" : "reject")" }
        return [
            ("id", id.map(String.init)), ("title", title), ("state", state.rawValue), ("type", type.rawValue), ("risk", risk.rawValue),
            ("service", names.name(serviceID)), ("window", window.map { "\($0.start.iso8601) .. \($0.end.iso8601)" }),
            ("approvers", approval.approvers.isEmpty ? nil : approval.approvers.joined(separator: ", ")),
            ("votes", votes.isEmpty ? nil : votes.joined(separator: ", ")), ("CAB decision", approval.decision.rawValue),
            ("outcome", outcome?.rawValue), ("requested", requestedAt.iso8601), ("implemented", implementedAt.iso8601),
            ("version", String(version)), ("description", description),
        ]
    }
    func fields(_ names: ReferenceNames) -> [(String, JSONValue)] {
        let votes: [JSONValue] = approval.votes.map { vote in
            .object([("approver", .text(vote.approver)), ("approve", .bool(vote.approve)), ("at", .instant(vote.at)), ("comment", .text(vote.comment))])
        }
        return [
            ("title", .text(title)), ("description", .text(description)), ("type", .text(type.rawValue)), ("risk", .text(risk.rawValue)),
            ("serviceId", .integer(serviceID)), ("service", .text(names.name(serviceID))),
            ("windowStart", .instant(window?.start)), ("windowEnd", .instant(window?.end)),
            ("approvers", .list(approval.approvers.map { .text($0) })), ("votes", .list(votes)),
            ("decision", .text(approval.decision.rawValue)), ("outcome", .text(outcome?.rawValue)),
            ("implementedAt", .instant(implementedAt)), ("incidentIds", .list(incidentIDs.map { .integer($0) })),
        ]
    }
}

extension Improvement: CommandRecord {
    static let singular = "improvement", plural = "improvements"
    var currentState: ImprovementState { state }

    static func repository(_ store: Store) -> ImprovementRepository { store.improvements }

    static let columns = ["ID", "STATE", "PROGRESS", "DUE", "SERVICE", "METRIC", "TITLE"]
    func row(_ names: ReferenceNames) -> [String?] {
        [id.map(String.init), state.rawValue, "\(Int((progress * 100).rounded()))%", dueDate?.description, names.name(serviceID), metric, title]
    }
    func details(_ names: ReferenceNames) -> [(String, String?)] {
        [
            ("id", id.map(String.init)), ("title", title), ("state", state.rawValue), ("owner", owner), ("service", names.name(serviceID)),
            ("metric", metric), ("baseline", text(baseline)), ("target", text(target)), ("current", text(current)),
            ("progress", "\(Int((progress * 100).rounded()))%"), ("due", dueDate?.description), ("created", openedAt.iso8601),
            ("version", String(version)),
        ]
    }
    func fields(_ names: ReferenceNames) -> [(String, JSONValue)] {
        [
            ("title", .text(title)), ("owner", .text(owner)), ("serviceId", .integer(serviceID)), ("service", .text(names.name(serviceID))),
            ("metric", .text(metric)), ("baseline", .number(baseline)), ("target", .number(target)), ("current", .number(current)),
            ("progress", .number(progress)), ("due", .text(dueDate?.description)),
        ]
    }
}
