import Foundation

/// A service request's states.
public enum RequestState: String, RecordState {
    case new
    case approved
    case inFulfilment = "in-fulfilment"
    case fulfilled
    case closed
    case cancelled

    public static let recordKind = RecordKind.request

    public var successors: Set<RequestState> {
        switch self {
        case .new: [.approved, .inFulfilment, .cancelled]
        case .approved: [.inFulfilment, .cancelled]
        case .inFulfilment: [.fulfilled, .cancelled]
        case .fulfilled: [.closed, .inFulfilment]
        case .closed, .cancelled: []
        }
    }
}

/// A user's request for something the catalog offers (access, equipment, information).
public struct ServiceRequest: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var version: Int
    public var title: String
    public var requester: String
    public var serviceID: Int64?
    public var priority: Priority
    public var state: RequestState
    public var events: [RecordEvent<RequestState>]

    public init(title: String, requester: String, serviceID: Int64? = nil, priority: Priority = .p4, at: Instant, by actor: String) throws(DomainError) {
        self.id = nil
        self.version = 0
        self.title = try Validate.line(title, field: "title", maxLength: 300)
        self.requester = try Validate.line(requester, field: "requester", maxLength: 200)
        self.serviceID = serviceID
        self.priority = priority
        self.state = .new
        self.events = [RecordEvent(at: at, actor: try Validate.actor(actor), action: .created, to: .new)]
    }

    /// Rebuilds a stored request; no validation, no events added.
    public init(
        stored id: Int64, version: Int, title: String, requester: String, serviceID: Int64?, priority: Priority,
        state: RequestState, events: [RecordEvent<RequestState>]
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.requester = requester
        self.serviceID = serviceID
        self.priority = priority
        self.state = state
        self.events = events
    }

    public mutating func move(to next: RequestState, at: Instant, by actor: String, note: String? = nil) throws(DomainError) {
        let actor = try Validate.actor(actor)
        let from = state
        state = try state.move(to: next)
        events.append(RecordEvent(at: at, actor: actor, action: .transitioned, from: from, to: next, detail: note))
    }

    /// Edits title, requester, service and priority, validated as at creation (nil: unchanged;
    /// `serviceID: .some(nil)` unlinks). One `updated` event names what changed.
    public mutating func update(
        title: String? = nil, requester: String? = nil, serviceID: Int64?? = nil, priority: Priority? = nil,
        at: Instant, by actor: String
    ) throws(DomainError) {
        var next = self
        var edit = FieldEdit()
        if let title { edit.set("title", &next.title, try Validate.line(title, field: "title", maxLength: 300)) }
        if let requester { edit.set("requester", &next.requester, try Validate.line(requester, field: "requester", maxLength: 200)) }
        if let serviceID { edit.set("service", &next.serviceID, serviceID) }
        if let priority { edit.set("priority", &next.priority, priority) }
        try edit.record(in: &next.events, at: at, by: actor)
        self = next
    }

    public var openedAt: Instant { events.first?.at ?? Instant(microsecondsSinceEpoch: 0) }
    public var fulfilledAt: Instant? { state == .fulfilled || state == .closed ? events.lastEntry(into: .fulfilled) : nil }
}
