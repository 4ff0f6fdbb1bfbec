import Foundation

/// An incident's states. Closed is final; a resolved incident can be reopened.
public enum IncidentState: String, RecordState {
    case new
    case assigned
    case inProgress = "in-progress"
    case onHold = "on-hold"
    case resolved
    case closed

    public static let recordKind = RecordKind.incident

    public var successors: Set<IncidentState> {
        switch self {
        case .new: [.assigned, .inProgress, .resolved]
        case .assigned: [.inProgress, .onHold, .resolved]
        case .inProgress: [.assigned, .onHold, .resolved]
        case .onHold: [.assigned, .inProgress]
        case .resolved: [.inProgress, .closed]
        case .closed: []
        }
    }

    /// Open means the SLA resolution clock may still be running.
    public var isOpen: Bool { self != .resolved && self != .closed }
}

/// An unplanned interruption or reduction in quality of a service.
public struct Incident: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var version: Int
    public var title: String
    public var description: String?
    public var category: String?
    public var impact: Impact
    public var urgency: Urgency
    public var priority: Priority
    public var state: IncidentState
    public var serviceID: Int64?
    public var problemID: Int64?
    public var isMajor: Bool
    public var assignee: String?
    public var events: [RecordEvent<IncidentState>]

    /// Logs a new incident; its priority comes from `matrix`.
    public init(
        title: String, description: String? = nil, category: String? = nil, impact: Impact, urgency: Urgency,
        serviceID: Int64? = nil, isMajor: Bool = false, matrix: PriorityMatrix = .itil, at: Instant, by actor: String
    ) throws(DomainError) {
        self.id = nil
        self.version = 0
        self.title = try Validate.line(title, field: "title", maxLength: 300)
        self.description = try Validate.optionalText(description, field: "description", maxLength: 20_000)
        self.category = try Validate.optionalLine(category, field: "category", maxLength: 100)
        self.impact = impact
        self.urgency = urgency
        self.priority = matrix.priority(impact: impact, urgency: urgency)
        self.state = .new
        self.serviceID = serviceID
        self.problemID = nil
        self.isMajor = isMajor
        self.assignee = nil
        self.events = [RecordEvent(at: at, actor: try Validate.actor(actor), action: .created, to: .new)]
    }

    /// Rebuilds a stored incident; no validation, no events added.
    public init(
        stored id: Int64, version: Int, title: String, description: String?, category: String?, impact: Impact,
        urgency: Urgency, priority: Priority, state: IncidentState, serviceID: Int64?, problemID: Int64?,
        isMajor: Bool, assignee: String?, events: [RecordEvent<IncidentState>]
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.description = description
        self.category = category
        self.impact = impact
        self.urgency = urgency
        self.priority = priority
        self.state = state
        self.serviceID = serviceID
        self.problemID = problemID
        self.isMajor = isMajor
        self.assignee = assignee
        self.events = events
    }

    // MARK: Moves

    /// Any legal state change; the named moves below are the ones people use.
    public mutating func move(to next: IncidentState, at: Instant, by actor: String, note: String? = nil) throws(DomainError) {
        let actor = try Validate.actor(actor)
        let from = state
        state = try state.move(to: next)
        let action: EventAction = (from == .resolved && next == .inProgress) ? .reopened : .transitioned
        events.append(RecordEvent(at: at, actor: actor, action: action, from: from, to: next, detail: note))
        // Working on an incident is a response to the caller, if nobody responded yet.
        if firstResponseAt == nil, next == .inProgress || next == .resolved {
            events.append(RecordEvent(at: at, actor: actor, action: .firstResponse))
        }
    }

    /// Assigns the incident to a person or group; from new it becomes assigned.
    public mutating func assign(to assignee: String, at: Instant, by actor: String) throws(DomainError) {
        let assignee = try Validate.line(assignee, field: "assignee", maxLength: 200)
        let actor = try Validate.actor(actor)
        if state == .new || state == .inProgress {
            try move(to: .assigned, at: at, by: actor)
        } else if !state.isOpen {
            throw .ruleViolated(record: "incident", rule: "a \(state.rawValue) incident cannot be assigned")
        }
        self.assignee = assignee
        events.append(RecordEvent(at: at, actor: actor, action: .assigned, detail: assignee))
    }

    /// Records the first response to the caller (the SLA response clock stops here). Later calls change nothing.
    public mutating func respond(at: Instant, by actor: String) throws(DomainError) {
        guard firstResponseAt == nil else { return }
        events.append(RecordEvent(at: at, actor: try Validate.actor(actor), action: .firstResponse))
    }

    public mutating func hold(at: Instant, by actor: String, reason: String? = nil) throws(DomainError) {
        try move(to: .onHold, at: at, by: actor, note: reason)
    }

    public mutating func resume(at: Instant, by actor: String) throws(DomainError) {
        try move(to: .inProgress, at: at, by: actor)
    }

    public mutating func resolve(at: Instant, by actor: String, note: String? = nil) throws(DomainError) {
        try move(to: .resolved, at: at, by: actor, note: note)
    }

    public mutating func close(at: Instant, by actor: String) throws(DomainError) {
        try move(to: .closed, at: at, by: actor)
    }

    /// Reopens a resolved incident (the caller says it is not fixed).
    public mutating func reopen(at: Instant, by actor: String, reason: String? = nil) throws(DomainError) {
        guard state == .resolved else {
            throw .illegalTransition(record: "incident", from: state.rawValue, to: IncidentState.inProgress.rawValue)
        }
        try move(to: .inProgress, at: at, by: actor, note: reason)
    }

    /// Changes impact and urgency; the priority follows the matrix.
    public mutating func reprioritise(impact: Impact, urgency: Urgency, matrix: PriorityMatrix = .itil, at: Instant, by actor: String) throws(DomainError) {
        let actor = try Validate.actor(actor)
        let before = priority
        self.impact = impact
        self.urgency = urgency
        self.priority = matrix.priority(impact: impact, urgency: urgency)
        if priority != before {
            events.append(RecordEvent(at: at, actor: actor, action: .reprioritised, detail: "\(before) -> \(priority)"))
        }
    }

    /// Links the incident to a problem record.
    public mutating func link(problem problemID: Int64, at: Instant, by actor: String) throws(DomainError) {
        let actor = try Validate.actor(actor)
        self.problemID = problemID
        events.append(RecordEvent(at: at, actor: actor, action: .linked, detail: "problem \(problemID)"))
    }

    /// Edits the descriptive fields, validated as at creation: nil leaves a field as it is, an
    /// empty text clears an optional one, `serviceID: .some(nil)` unlinks the service. Impact and
    /// urgency go through `reprioritise`. One `updated` event names what changed.
    public mutating func update(
        title: String? = nil, description: String? = nil, category: String? = nil, serviceID: Int64?? = nil,
        isMajor: Bool? = nil, at: Instant, by actor: String
    ) throws(DomainError) {
        var next = self
        var edit = FieldEdit()
        if let title { edit.set("title", &next.title, try Validate.line(title, field: "title", maxLength: 300)) }
        if let description { edit.set("description", &next.description, try Validate.optionalText(description, field: "description", maxLength: 20_000)) }
        if let category { edit.set("category", &next.category, try Validate.optionalLine(category, field: "category", maxLength: 100)) }
        if let serviceID { edit.set("service", &next.serviceID, serviceID) }
        if let isMajor { edit.set("major", &next.isMajor, isMajor) }
        try edit.record(in: &next.events, at: at, by: actor)
        self = next
    }

    // MARK: Facts derived from the audit trail

    public var openedAt: Instant { events.first?.at ?? Instant(microsecondsSinceEpoch: 0) }
    public var firstResponseAt: Instant? { events.first(.firstResponse) }
    /// The latest resolution, if the incident is resolved or closed now.
    public var resolvedAt: Instant? { state.isOpen ? nil : events.lastEntry(into: .resolved) }
    public var closedAt: Instant? { state == .closed ? events.lastEntry(into: .closed) : nil }
    public var reopenCount: Int { events.filter { $0.action == .reopened }.count }
    /// Resolved on first contact: resolved without ever being assigned, held or reopened.
    public var isFirstContactResolution: Bool {
        guard resolvedAt != nil else { return false }
        return !events.contains { $0.to == .assigned || $0.to == .onHold || $0.action == .reopened }
    }
    /// Time on hold, which the SLA clock does not count; an open hold ends at `now`.
    public func pauses(until now: Instant) -> [Range<Instant>] { events.intervals(in: .onHold, until: now) }
}
