import Foundation

/// A subscription's states: double opt-in, then out; leaving is never final (people come back).
public enum SubscriptionState: String, RecordState {
    /// Asked to join; nothing but the confirmation mail goes out until confirmed.
    case pending
    /// Confirmed by the subscriber (or by an operator for lists without opt-in); receives digests.
    case confirmed
    /// Left the list; subscribing again starts a new opt-in.
    case unsubscribed

    public static let recordKind = RecordKind.subscription

    public var successors: Set<SubscriptionState> {
        switch self {
        case .pending: [.confirmed, .unsubscribed]
        case .confirmed: [.unsubscribed]
        case .unsubscribed: [.pending]
        }
    }
}

/// What a subscribe request did to an existing subscription.
public enum SubscribeOutcome: Hashable, Sendable {
    /// An unsubscribed subscription is pending again and needs a new confirmation.
    case resubscribed
    /// It was pending already: nothing changed (a confirmation may be re-sent, rate-limited).
    case alreadyPending
    /// It was confirmed already: nothing changed and nothing needs sending.
    case alreadyConfirmed
}

/// What a confirm request did; a re-used confirm link is not an error.
public enum ConfirmOutcome: Hashable, Sendable {
    case confirmed
    case alreadyConfirmed
}

/// What an unsubscribe request did; a second unsubscribe is not an error.
public enum UnsubscribeOutcome: Hashable, Sendable {
    case unsubscribed
    case alreadyUnsubscribed
}

/// One subscriber on one list, with the audit trail of every move.
public struct Subscription: Hashable, Sendable, Identifiable {
    public var id: Int64?
    public var version: Int
    public var listID: Int64
    public var subscriberID: Int64
    public var state: SubscriptionState
    public var events: [RecordEvent<SubscriptionState>]

    /// Subscribes `subscriberID` to `listID`: a new pending subscription.
    public init(listID: Int64, subscriberID: Int64, at: Instant, by actor: String) throws(DomainError) {
        self.id = nil
        self.version = 0
        self.listID = listID
        self.subscriberID = subscriberID
        self.state = .pending
        self.events = [RecordEvent(at: at, actor: try Validate.actor(actor), action: .created, to: .pending)]
    }

    /// Rebuilds a stored subscription; no validation, no events added.
    public init(
        stored id: Int64, version: Int, listID: Int64, subscriberID: Int64, state: SubscriptionState,
        events: [RecordEvent<SubscriptionState>]
    ) {
        self.id = id
        self.version = version
        self.listID = listID
        self.subscriberID = subscriberID
        self.state = state
        self.events = events
    }

    // MARK: Moves

    /// Any legal state change; the named moves below are the ones people use.
    public mutating func move(to next: SubscriptionState, at: Instant, by actor: String, note: String? = nil) throws(DomainError) {
        let actor = try Validate.actor(actor)
        let from = state
        state = try state.move(to: next)
        events.append(RecordEvent(at: at, actor: actor, action: .transitioned, from: from, to: next, detail: note))
    }

    /// A subscribe request for an existing subscription: an unsubscribed one becomes pending again;
    /// a pending or confirmed one is left as it is, so the answer to the request can be the same.
    @discardableResult
    public mutating func subscribe(at: Instant, by actor: String) throws(DomainError) -> SubscribeOutcome {
        switch state {
        case .pending:
            return .alreadyPending
        case .confirmed:
            return .alreadyConfirmed
        case .unsubscribed:
            try move(to: .pending, at: at, by: actor)
            return .resubscribed
        }
    }

    /// Confirms a pending subscription; an already confirmed one is left unchanged.
    /// An unsubscribed subscription cannot be confirmed (an old confirm link must not re-subscribe).
    @discardableResult
    public mutating func confirm(at: Instant, by actor: String) throws(DomainError) -> ConfirmOutcome {
        if state == .confirmed { return .alreadyConfirmed }
        try move(to: .confirmed, at: at, by: actor)
        return .confirmed
    }

    /// Ends a pending or confirmed subscription; an unsubscribed one is left unchanged.
    @discardableResult
    public mutating func unsubscribe(at: Instant, by actor: String) throws(DomainError) -> UnsubscribeOutcome {
        if state == .unsubscribed { return .alreadyUnsubscribed }
        try move(to: .unsubscribed, at: at, by: actor)
        return .unsubscribed
    }

    // MARK: Facts derived from the audit trail

    /// When the current opt-in began: the creation, or the latest re-subscribe.
    public var subscribedAt: Instant? { events.lastEntry(into: .pending) }
    /// When the subscription was confirmed, while it is confirmed.
    public var confirmedAt: Instant? { state == .confirmed ? events.lastEntry(into: .confirmed) : nil }
    /// When the subscriber left, while unsubscribed.
    public var unsubscribedAt: Instant? { state == .unsubscribed ? events.lastEntry(into: .unsubscribed) : nil }
    /// Whether digests go to this subscriber now (suppression of the address is checked elsewhere).
    public var receivesDigests: Bool { state == .confirmed }
}
