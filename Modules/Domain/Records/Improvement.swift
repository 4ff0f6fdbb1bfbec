import Foundation

/// A CSI register entry's states.
public enum ImprovementState: String, RecordState {
    case proposed
    case approved
    case inProgress = "in-progress"
    case completed
    case cancelled

    public static let recordKind = RecordKind.improvement

    public var successors: Set<ImprovementState> {
        switch self {
        case .proposed: [.approved, .cancelled]
        case .approved: [.inProgress, .cancelled]
        case .inProgress: [.completed, .cancelled]
        case .completed, .cancelled: []
        }
    }
}

/// An initiative in the Continual Service Improvement register, tracked against a metric.
public struct Improvement: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var version: Int
    public var title: String
    public var owner: String?
    public var serviceID: Int64?
    /// What is measured, e.g. "MTTR P2 (business hours)".
    public var metric: String
    public var baseline: Double
    public var target: Double
    public var current: Double
    public var dueDate: CivilDate?
    public var state: ImprovementState
    public var events: [RecordEvent<ImprovementState>]

    public init(
        title: String, owner: String? = nil, serviceID: Int64? = nil, metric: String, baseline: Double, target: Double,
        dueDate: CivilDate? = nil, at: Instant, by actor: String
    ) throws(DomainError) {
        self.id = nil
        self.version = 0
        self.title = try Validate.line(title, field: "title", maxLength: 300)
        self.owner = try Validate.optionalLine(owner, field: "owner", maxLength: 200)
        self.serviceID = serviceID
        self.metric = try Validate.line(metric, field: "metric", maxLength: 200)
        guard baseline.isFinite else { throw .invalidField(field: "baseline", value: "\(baseline)", expected: "a finite number") }
        guard target.isFinite, target != baseline else {
            throw .invalidField(field: "target", value: "\(target)", expected: "a finite number different from the baseline (\(baseline))")
        }
        self.baseline = baseline
        self.target = target
        self.current = baseline
        self.dueDate = dueDate
        self.state = .proposed
        let actor = try Validate.actor(actor)
        self.events = [
            RecordEvent(at: at, actor: actor, action: .created, to: .proposed),
            RecordEvent(at: at, actor: actor, action: .measured, detail: Self.format(baseline)),
        ]
    }

    /// Rebuilds a stored improvement; no validation, no events added.
    public init(
        stored id: Int64, version: Int, title: String, owner: String?, serviceID: Int64?, metric: String, baseline: Double,
        target: Double, current: Double, dueDate: CivilDate?, state: ImprovementState, events: [RecordEvent<ImprovementState>]
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.owner = owner
        self.serviceID = serviceID
        self.metric = metric
        self.baseline = baseline
        self.target = target
        self.current = current
        self.dueDate = dueDate
        self.state = state
        self.events = events
    }

    public mutating func move(to next: ImprovementState, at: Instant, by actor: String, note: String? = nil) throws(DomainError) {
        let actor = try Validate.actor(actor)
        let from = state
        state = try state.move(to: next)
        events.append(RecordEvent(at: at, actor: actor, action: .transitioned, from: from, to: next, detail: note))
    }

    /// Edits the register entry, validated as at creation (nil: unchanged; an empty owner clears it;
    /// `serviceID`/`dueDate` `.some(nil)` remove them). The baseline is fixed once work starts.
    /// One `updated` event names what changed.
    public mutating func update(
        title: String? = nil, owner: String? = nil, serviceID: Int64?? = nil, metric: String? = nil, baseline: Double? = nil,
        target: Double? = nil, dueDate: CivilDate?? = nil, at: Instant, by actor: String
    ) throws(DomainError) {
        var next = self
        var edit = FieldEdit()
        if let title { edit.set("title", &next.title, try Validate.line(title, field: "title", maxLength: 300)) }
        if let owner { edit.set("owner", &next.owner, try Validate.optionalLine(owner, field: "owner", maxLength: 200)) }
        if let serviceID { edit.set("service", &next.serviceID, serviceID) }
        if let metric { edit.set("metric", &next.metric, try Validate.line(metric, field: "metric", maxLength: 200)) }
        if let baseline, baseline != next.baseline {
            guard state == .proposed || state == .approved else {
                throw .ruleViolated(record: "improvement", rule: "the baseline is fixed once work has started (state is \(state.rawValue))")
            }
            guard baseline.isFinite else { throw .invalidField(field: "baseline", value: "\(baseline)", expected: "a finite number") }
            if next.current == next.baseline { next.current = baseline }
            edit.set("baseline", &next.baseline, baseline)
        }
        if let target { edit.set("target", &next.target, target) }
        guard next.target.isFinite, next.target != next.baseline else {
            throw .invalidField(field: "target", value: "\(next.target)", expected: "a finite number different from the baseline (\(next.baseline))")
        }
        if let dueDate { edit.set("due", &next.dueDate, dueDate) }
        try edit.record(in: &next.events, at: at, by: actor)
        self = next
    }

    /// Records a new measurement of the metric.
    public mutating func measure(_ value: Double, at: Instant, by actor: String) throws(DomainError) {
        guard value.isFinite else { throw .invalidField(field: "current", value: "\(value)", expected: "a finite number") }
        let actor = try Validate.actor(actor)
        current = value
        events.append(RecordEvent(at: at, actor: actor, action: .measured, detail: Self.format(value)))
    }

    /// The metric's value as last measured at or before `instant` (from the measurement events).
    public func value(asOf instant: Instant) -> Double? {
        events.last(where: { $0.action == .measured && $0.at <= instant }).flatMap { $0.detail }.flatMap(Double.init)
    }

    /// Share of the way from baseline to target, 0...1 (clamped), whichever direction the target lies.
    public var progress: Double {
        let fraction = (current - baseline) / (target - baseline)
        return min(max(fraction, 0), 1)
    }

    public var isTargetMet: Bool { progress >= 1 }

    /// Late when the due date has passed (in the register's time zone) and the target is not met.
    public func isLate(today: CivilDate) -> Bool {
        guard let dueDate, state != .completed, state != .cancelled else { return false }
        return today > dueDate && !isTargetMet
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
