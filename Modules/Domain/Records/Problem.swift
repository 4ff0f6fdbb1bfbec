import Foundation

/// A problem's states; known-error is a flag with its own event, not a state.
public enum ProblemState: String, RecordState {
    case new
    case investigating
    case resolved
    case closed

    public static let recordKind = RecordKind.problem

    public var successors: Set<ProblemState> {
        switch self {
        case .new: [.investigating, .closed]
        case .investigating: [.resolved, .closed]
        case .resolved: [.investigating, .closed]
        case .closed: []
        }
    }
}

/// The cause of one or more incidents.
public struct Problem: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var version: Int
    public var title: String
    public var description: String?
    public var serviceID: Int64?
    public var state: ProblemState
    public var rootCause: String?
    public var workaround: String?
    public var isKnownError: Bool
    /// Incidents linked to this problem (the link is stored on the incident).
    public var incidentIDs: [Int64]
    public var events: [RecordEvent<ProblemState>]

    public init(title: String, description: String? = nil, serviceID: Int64? = nil, at: Instant, by actor: String) throws(DomainError) {
        self.id = nil
        self.version = 0
        self.title = try Validate.line(title, field: "title", maxLength: 300)
        self.description = try Validate.optionalText(description, field: "description", maxLength: 20_000)
        self.serviceID = serviceID
        self.state = .new
        self.rootCause = nil
        self.workaround = nil
        self.isKnownError = false
        self.incidentIDs = []
        self.events = [RecordEvent(at: at, actor: try Validate.actor(actor), action: .created, to: .new)]
    }

    /// Rebuilds a stored problem; no validation, no events added.
    public init(
        stored id: Int64, version: Int, title: String, description: String?, serviceID: Int64?, state: ProblemState,
        rootCause: String?, workaround: String?, isKnownError: Bool, incidentIDs: [Int64], events: [RecordEvent<ProblemState>]
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.description = description
        self.serviceID = serviceID
        self.state = state
        self.rootCause = rootCause
        self.workaround = workaround
        self.isKnownError = isKnownError
        self.incidentIDs = incidentIDs
        self.events = events
    }

    public mutating func move(to next: ProblemState, at: Instant, by actor: String, note: String? = nil) throws(DomainError) {
        let actor = try Validate.actor(actor)
        let from = state
        state = try state.move(to: next)
        events.append(RecordEvent(at: at, actor: actor, action: .transitioned, from: from, to: next, detail: note))
    }

    /// Records the root cause and/or workaround found in the investigation.
    public mutating func document(rootCause: String?, workaround: String?, at: Instant, by actor: String) throws(DomainError) {
        let rootCause = try rootCause.map { text throws(DomainError) in try Validate.text(text, field: "rootCause", maxLength: 20_000) }
        let workaround = try workaround.map { text throws(DomainError) in try Validate.text(text, field: "workaround", maxLength: 20_000) }
        let actor = try Validate.actor(actor)
        if let rootCause { self.rootCause = rootCause }
        if let workaround { self.workaround = workaround }
        events.append(RecordEvent(at: at, actor: actor, action: .updated, detail: "root cause/workaround documented"))
    }

    /// Marks the problem a known error: it needs a documented root cause or workaround first.
    public mutating func markKnownError(at: Instant, by actor: String) throws(DomainError) {
        guard !isKnownError else { return }
        guard rootCause != nil || workaround != nil else {
            throw .ruleViolated(record: "problem", rule: "a known error needs a documented root cause or workaround")
        }
        guard state != .closed else {
            throw .ruleViolated(record: "problem", rule: "a closed problem cannot become a known error")
        }
        isKnownError = true
        events.append(RecordEvent(at: at, actor: try Validate.actor(actor), action: .knownError))
    }

    /// Edits title, description and service, validated as at creation (nil: unchanged; an empty
    /// description clears it; `serviceID: .some(nil)` unlinks). One `updated` event names what changed.
    public mutating func update(
        title: String? = nil, description: String? = nil, serviceID: Int64?? = nil, at: Instant, by actor: String
    ) throws(DomainError) {
        var next = self
        var edit = FieldEdit()
        if let title { edit.set("title", &next.title, try Validate.line(title, field: "title", maxLength: 300)) }
        if let description { edit.set("description", &next.description, try Validate.optionalText(description, field: "description", maxLength: 20_000)) }
        if let serviceID { edit.set("service", &next.serviceID, serviceID) }
        try edit.record(in: &next.events, at: at, by: actor)
        self = next
    }

    public var openedAt: Instant { events.first?.at ?? Instant(microsecondsSinceEpoch: 0) }
    public var knownErrorAt: Instant? { events.first(.knownError) }
    public var resolvedAt: Instant? { state == .resolved || state == .closed ? events.lastEntry(into: .resolved) : nil }
}
