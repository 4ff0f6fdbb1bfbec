import Foundation

public enum ChangeType: String, CaseIterable, Sendable, Codable, Hashable {
    /// Pre-authorised, low risk, follows a procedure: no CAB.
    case standard
    /// Assessed and authorised by the CAB.
    case normal
    /// Must be implemented as soon as possible; authorised by the emergency CAB.
    case emergency
}

public enum ChangeRisk: String, CaseIterable, Sendable, Codable, Hashable {
    case low, medium, high
}

public enum ChangeOutcome: String, CaseIterable, Sendable, Codable, Hashable {
    case successful
    case failed
    case backedOut = "backed-out"
}

/// A change's states, from request through CAB to review.
public enum ChangeState: String, RecordState {
    case new
    case awaitingApproval = "awaiting-approval"
    case authorised
    case scheduled
    case implemented
    case reviewed
    case closed
    case rejected
    case cancelled

    public static let recordKind = RecordKind.change

    public var successors: Set<ChangeState> {
        switch self {
        case .new: [.awaitingApproval, .authorised, .cancelled]
        case .awaitingApproval: [.authorised, .rejected, .cancelled]
        case .authorised: [.scheduled, .cancelled]
        case .scheduled: [.implemented, .authorised, .cancelled]
        case .implemented: [.reviewed]
        case .reviewed: [.closed]
        case .closed, .rejected, .cancelled: []
        }
    }
}

/// A planned implementation window, `start` inclusive, `end` exclusive.
public struct ChangeWindow: Hashable, Sendable, Codable {
    public var start: Instant
    public var end: Instant

    public init(start: Instant, end: Instant) throws(DomainError) {
        guard end > start else {
            throw .invalidField(field: "window.end", value: end.iso8601, expected: "an end after the start (\(start.iso8601))")
        }
        self.start = start
        self.end = end
    }

    public var range: Range<Instant> { start..<end }

    public func overlaps(_ other: Range<Instant>) -> Bool { range.overlaps(other) }
}

/// The CAB's say on a change: who must approve, and how each voted.
public struct CABApproval: Hashable, Sendable, Codable {
    public enum Decision: String, Sendable, Codable, Hashable { case pending, approved, rejected }

    public struct Vote: Hashable, Sendable, Codable {
        public var approver: String
        public var approve: Bool
        public var at: Instant
        public var comment: String?

        public init(approver: String, approve: Bool, at: Instant, comment: String? = nil) {
            self.approver = approver
            self.approve = approve
            self.at = at
            self.comment = comment
        }
    }

    public var approvers: [String]
    public var votes: [Vote]

    public init(approvers: [String]) {
        self.approvers = approvers
        self.votes = []
    }

    /// Rejected as soon as any approver rejects; approved once every approver approved.
    public var decision: Decision {
        let latest = Dictionary(votes.map { ($0.approver, $0.approve) }, uniquingKeysWith: { _, last in last })
        if latest.values.contains(false) { return .rejected }
        if !approvers.isEmpty, approvers.allSatisfy({ latest[$0] == true }) { return .approved }
        return .pending
    }
}

/// A change to a service or its configuration.
public struct Change: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var version: Int
    public var title: String
    public var description: String?
    public var type: ChangeType
    public var risk: ChangeRisk
    public var serviceID: Int64?
    public var window: ChangeWindow?
    public var approval: CABApproval
    public var outcome: ChangeOutcome?
    public var state: ChangeState
    /// Incidents this change caused or fixed, as reported by the implementer.
    public var incidentIDs: [Int64]
    public var events: [RecordEvent<ChangeState>]

    public init(
        title: String, description: String? = nil, type: ChangeType, risk: ChangeRisk, serviceID: Int64? = nil,
        window: ChangeWindow? = nil, approvers: [String] = [], at: Instant, by actor: String
    ) throws(DomainError) {
        self.id = nil
        self.version = 0
        self.title = try Validate.line(title, field: "title", maxLength: 300)
        self.description = try Validate.optionalText(description, field: "description", maxLength: 20_000)
        self.type = type
        self.risk = risk
        self.serviceID = serviceID
        self.window = window
        var names: [String] = []
        for approver in approvers {
            let name = try Validate.line(approver, field: "approvers", maxLength: 200)
            if !names.contains(name) { names.append(name) }
        }
        self.approval = CABApproval(approvers: names)
        self.outcome = nil
        self.state = .new
        self.incidentIDs = []
        self.events = [RecordEvent(at: at, actor: try Validate.actor(actor), action: .created, to: .new)]
    }

    /// Rebuilds a stored change; no validation, no events added.
    public init(
        stored id: Int64, version: Int, title: String, description: String?, type: ChangeType, risk: ChangeRisk,
        serviceID: Int64?, window: ChangeWindow?, approval: CABApproval, outcome: ChangeOutcome?, state: ChangeState,
        incidentIDs: [Int64], events: [RecordEvent<ChangeState>]
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.description = description
        self.type = type
        self.risk = risk
        self.serviceID = serviceID
        self.window = window
        self.approval = approval
        self.outcome = outcome
        self.state = state
        self.incidentIDs = incidentIDs
        self.events = events
    }

    private mutating func record(_ next: ChangeState, at: Instant, by actor: String, note: String? = nil) throws(DomainError) {
        let actor = try Validate.actor(actor)
        let from = state
        state = try state.move(to: next)
        events.append(RecordEvent(at: at, actor: actor, action: .transitioned, from: from, to: next, detail: note))
    }

    /// Submits a normal or emergency change to the CAB; a standard change is authorised at once.
    public mutating func submit(at: Instant, by actor: String) throws(DomainError) {
        guard state == .new else {
            throw .illegalTransition(record: "change", from: state.rawValue, to: type == .standard ? ChangeState.authorised.rawValue : ChangeState.awaitingApproval.rawValue)
        }
        if type == .standard {
            try record(.authorised, at: at, by: actor, note: "standard change: pre-authorised")
            return
        }
        guard !approval.approvers.isEmpty else {
            throw .ruleViolated(record: "change", rule: "a \(type.rawValue) change needs at least one CAB approver before submission")
        }
        try record(.awaitingApproval, at: at, by: actor)
    }

    /// One approver's vote; the change is authorised or rejected when the CAB's decision is reached.
    public mutating func vote(approver: String, approve: Bool, comment: String? = nil, at: Instant) throws(DomainError) {
        guard state == .awaitingApproval else {
            throw .ruleViolated(record: "change", rule: "votes are taken only while awaiting approval (state is \(state.rawValue))")
        }
        let approver = try Validate.line(approver, field: "approver", maxLength: 200)
        guard approval.approvers.contains(approver) else {
            throw .invalidField(field: "approver", value: approver, expected: "one of the CAB approvers: \(approval.approvers.joined(separator: ", "))")
        }
        let comment = try Validate.optionalText(comment, field: "comment", maxLength: 4000)
        approval.votes.append(CABApproval.Vote(approver: approver, approve: approve, at: at, comment: comment))
        events.append(RecordEvent(at: at, actor: approver, action: .vote, detail: approve ? "approve" : "reject"))
        switch approval.decision {
        case .approved: try record(.authorised, at: at, by: approver, note: "CAB approved")
        case .rejected: try record(.rejected, at: at, by: approver, note: comment ?? "CAB rejected")
        case .pending: break
        }
    }

    /// Puts an authorised change on the change calendar, or moves a scheduled one to a new window.
    public mutating func schedule(_ window: ChangeWindow, at: Instant, by actor: String) throws(DomainError) {
        if state == .scheduled {
            let actor = try Validate.actor(actor)
            self.window = window
            events.append(RecordEvent(at: at, actor: actor, action: .updated, detail: "rescheduled to \(window.start.iso8601) .. \(window.end.iso8601)"))
            return
        }
        let previous = self.window
        self.window = window
        do {
            try record(.scheduled, at: at, by: actor, note: "\(window.start.iso8601) .. \(window.end.iso8601)")
        } catch {
            self.window = previous
            throw error
        }
    }

    public mutating func implement(outcome: ChangeOutcome, at: Instant, by actor: String, note: String? = nil) throws(DomainError) {
        try record(.implemented, at: at, by: actor, note: note ?? outcome.rawValue)
        self.outcome = outcome
    }

    public mutating func review(at: Instant, by actor: String, note: String? = nil) throws(DomainError) {
        try record(.reviewed, at: at, by: actor, note: note)
    }

    public mutating func close(at: Instant, by actor: String) throws(DomainError) {
        try record(.closed, at: at, by: actor)
    }

    public mutating func cancel(at: Instant, by actor: String, reason: String? = nil) throws(DomainError) {
        try record(.cancelled, at: at, by: actor, note: reason)
    }

    /// Edits the change, validated as at creation (nil: unchanged; an empty description clears it;
    /// `serviceID: .some(nil)` unlinks). Type and CAB approvers are fixed once the change is
    /// submitted. One `updated` event names what changed.
    public mutating func update(
        title: String? = nil, description: String? = nil, type: ChangeType? = nil, risk: ChangeRisk? = nil,
        serviceID: Int64?? = nil, approvers: [String]? = nil, at: Instant, by actor: String
    ) throws(DomainError) {
        var next = self
        var edit = FieldEdit()
        if let title { edit.set("title", &next.title, try Validate.line(title, field: "title", maxLength: 300)) }
        if let description { edit.set("description", &next.description, try Validate.optionalText(description, field: "description", maxLength: 20_000)) }
        if let risk { edit.set("risk", &next.risk, risk) }
        if let serviceID { edit.set("service", &next.serviceID, serviceID) }
        if (type != nil && type != self.type) || approvers != nil, state != .new {
            throw .ruleViolated(record: "change", rule: "type and CAB approvers can change only before submission (state is \(state.rawValue))")
        }
        if let type { edit.set("type", &next.type, type) }
        if let approvers {
            var names: [String] = []
            for approver in approvers {
                let name = try Validate.line(approver, field: "approvers", maxLength: 200)
                if !names.contains(name) { names.append(name) }
            }
            edit.set("approvers", &next.approval, CABApproval(approvers: names))
        }
        try edit.record(in: &next.events, at: at, by: actor)
        self = next
    }

    public var requestedAt: Instant { events.first?.at ?? Instant(microsecondsSinceEpoch: 0) }
    public var authorisedAt: Instant? { events.lastEntry(into: .authorised) }
    public var implementedAt: Instant? { events.lastEntry(into: .implemented) }
    /// Lead time: from request to implementation.
    public var leadTime: Duration? { implementedAt.map { $0 - requestedAt } }
}
