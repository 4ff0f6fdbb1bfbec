import Foundation

/// The kinds of record that keep an audit trail.
public enum RecordKind: String, CaseIterable, Sendable, Codable, Hashable {
    case service, incident, problem, change, request, improvement
    case subscription
}

/// A record's states: named, finite, with the moves each state allows.
public protocol RecordState: RawRepresentable, CaseIterable, Hashable, Sendable, Codable where RawValue == String {
    /// The record this state machine belongs to, for error messages and the event table.
    static var recordKind: RecordKind { get }
    /// The states reachable from this one in a single legal move.
    var successors: Set<Self> { get }
}

extension RecordState {
    /// Returns `next` if the move is legal, or an error naming both states.
    public func move(to next: Self) throws(DomainError) -> Self {
        guard successors.contains(next) else {
            throw .illegalTransition(record: Self.recordKind.rawValue, from: rawValue, to: next.rawValue)
        }
        return next
    }
}

/// What an event in a record's audit trail records.
public enum EventAction: String, CaseIterable, Sendable, Codable, Hashable {
    case created
    case transitioned
    case reopened
    case firstResponse = "first-response"
    case assigned
    case reprioritised
    case linked
    case knownError = "known-error"
    case vote
    case measured
    case updated
}

/// One entry of an audit trail: when, who, what, and for state changes the states on both sides.
///
/// Durations and KPIs are computed from these events, never from a record's current fields alone.
public struct RecordEvent<State: RecordState>: Hashable, Sendable {
    /// Database id; nil until stored. Stored events are never changed.
    public var id: Int64?
    public var at: Instant
    public var actor: String
    public var action: EventAction
    public var from: State?
    public var to: State?
    /// Free text for the action: the assignee, the vote, the measured value, a note.
    public var detail: String?

    public init(id: Int64? = nil, at: Instant, actor: String, action: EventAction, from: State? = nil, to: State? = nil, detail: String? = nil) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.from = from
        self.to = to
        self.detail = detail
    }
}

/// Queries over an audit trail shared by every record kind.
extension Array {
    /// The instant of the latest move into `state`, if any.
    public func lastEntry<S>(into state: S) -> Instant? where Element == RecordEvent<S> {
        last(where: { $0.to == state && ($0.action == .transitioned || $0.action == .reopened || $0.action == .created) })?.at
    }

    /// The first instant an event of `action` happened, if any.
    public func first<S>(_ action: EventAction) -> Instant? where Element == RecordEvent<S> {
        first(where: { $0.action == action })?.at
    }

    /// The intervals spent in `state`; an interval still open ends at `now`.
    public func intervals<S>(in state: S, until now: Instant) -> [Range<Instant>] where Element == RecordEvent<S> {
        var result: [Range<Instant>] = []
        var enteredAt: Instant?
        for event in self where event.to != nil {
            if event.to == state, enteredAt == nil {
                enteredAt = event.at
            } else if event.to != state, let start = enteredAt {
                if start < event.at { result.append(start..<event.at) }
                enteredAt = nil
            }
        }
        if let start = enteredAt, start < now { result.append(start..<now) }
        return result
    }
}

/// Validation helpers shared by the record initialisers.
enum Validate {
    static func text(_ value: String, field: String, maxLength: Int = 500) throws(DomainError) -> String {
        let trimmed = value.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .invalidField(field: field, value: value, expected: "a non-empty \(field)") }
        guard trimmed.count <= maxLength else {
            throw .invalidField(field: field, value: String(trimmed.prefix(40)) + "...", expected: "at most \(maxLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" }) else {
            throw .invalidField(field: field, value: trimmed, expected: "text without control characters")
        }
        return trimmed
    }

    static func optionalText(_ value: String?, field: String, maxLength: Int = 500) throws(DomainError) -> String? {
        guard let value, !value.trimmingWhitespace().isEmpty else { return nil }
        return try text(value, field: field, maxLength: maxLength)
    }

    static func actor(_ value: String) throws(DomainError) -> String {
        try line(value, field: "actor", maxLength: 200)
    }
}
