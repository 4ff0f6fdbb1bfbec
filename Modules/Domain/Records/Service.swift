import Foundation

/// Where a service stands in the service portfolio.
public enum PortfolioStatus: String, RecordState {
    case pipeline, catalog, retired

    public static let recordKind = RecordKind.service

    public var successors: Set<PortfolioStatus> {
        switch self {
        case .pipeline: [.catalog, .retired]
        case .catalog: [.retired]
        case .retired: []
        }
    }
}

/// How much the business depends on a service.
public enum Criticality: String, CaseIterable, Sendable, Codable, Hashable {
    case low, medium, high, critical
}

/// A service in the portfolio (Strategy) and, once live, in the catalog (Design).
public struct Service: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var version: Int
    public var name: String
    public var description: String?
    public var owner: String?
    public var criticality: Criticality
    public var status: PortfolioStatus
    public var slaID: Int64?
    public var events: [RecordEvent<PortfolioStatus>]

    /// A new service entering the portfolio (normally in the pipeline).
    public init(
        name: String, description: String? = nil, owner: String? = nil, criticality: Criticality = .medium,
        status: PortfolioStatus = .pipeline, slaID: Int64? = nil, at: Instant, by actor: String
    ) throws(DomainError) {
        self.id = nil
        self.version = 0
        self.name = try Validate.line(name, field: "name", maxLength: 200)
        self.description = try Validate.optionalText(description, field: "description", maxLength: 4000)
        self.owner = try Validate.optionalLine(owner, field: "owner", maxLength: 200)
        self.criticality = criticality
        self.status = status
        self.slaID = slaID
        self.events = [RecordEvent(at: at, actor: try Validate.actor(actor), action: .created, to: status)]
    }

    /// Rebuilds a stored service; no validation, no events added.
    public init(
        stored id: Int64, version: Int, name: String, description: String?, owner: String?, criticality: Criticality,
        status: PortfolioStatus, slaID: Int64?, events: [RecordEvent<PortfolioStatus>]
    ) {
        self.id = id
        self.version = version
        self.name = name
        self.description = description
        self.owner = owner
        self.criticality = criticality
        self.status = status
        self.slaID = slaID
        self.events = events
    }

    /// Moves the service through the portfolio: pipeline -> catalog -> retired.
    public mutating func move(to next: PortfolioStatus, at: Instant, by actor: String) throws(DomainError) {
        let actor = try Validate.actor(actor)
        let from = status
        status = try status.move(to: next)
        events.append(RecordEvent(at: at, actor: actor, action: .transitioned, from: from, to: next))
    }

    /// Edits the descriptive fields, validated as at creation (nil: unchanged; an empty text clears
    /// an optional one; `slaID: .some(nil)` removes the SLA). One `updated` event names what changed.
    public mutating func update(
        name: String? = nil, description: String? = nil, owner: String? = nil, criticality: Criticality? = nil,
        slaID: Int64?? = nil, at: Instant, by actor: String
    ) throws(DomainError) {
        var next = self
        var edit = FieldEdit()
        if let name { edit.set("name", &next.name, try Validate.line(name, field: "name", maxLength: 200)) }
        if let description { edit.set("description", &next.description, try Validate.optionalText(description, field: "description", maxLength: 4000)) }
        if let owner { edit.set("owner", &next.owner, try Validate.optionalLine(owner, field: "owner", maxLength: 200)) }
        if let criticality { edit.set("criticality", &next.criticality, criticality) }
        if let slaID { edit.set("sla", &next.slaID, slaID) }
        try edit.record(in: &next.events, at: at, by: actor)
        self = next
    }

    /// When the service entered its current portfolio status.
    public var statusSince: Instant? { events.lastEntry(into: status) }
}
