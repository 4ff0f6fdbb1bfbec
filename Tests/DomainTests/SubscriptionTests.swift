import Testing
@testable import Domain

private func minute(_ minutes: Int64) -> Instant { monday + .minutes(minutes) }

private func stored(in state: SubscriptionState) -> Subscription {
    Subscription(stored: 5, version: 2, listID: 3, subscriberID: 8, state: state, events: [])
}

@Suite("Subscription lifecycle")
struct SubscriptionTests {
    /// Double opt-in, written out by hand: pending -> confirmed/unsubscribed, confirmed -> unsubscribed,
    /// unsubscribed -> pending (subscribing again).
    static let legal: [SubscriptionState: Set<SubscriptionState>] = [
        .pending: [.confirmed, .unsubscribed],
        .confirmed: [.unsubscribed],
        .unsubscribed: [.pending],
    ]
    static let name: [SubscriptionState: String] = [.pending: "pending", .confirmed: "confirmed", .unsubscribed: "unsubscribed"]

    @Test("the hand-written tables cover every subscription state, and the record kind is subscription")
    func tables() {
        #expect(Set(Self.legal.keys) == Set(SubscriptionState.allCases))
        for state in SubscriptionState.allCases { #expect(state.rawValue == Self.name[state]) }
        #expect(SubscriptionState.recordKind == .subscription)
        #expect(RecordKind.subscription.rawValue == "subscription")
    }

    @Test("each move is allowed exactly when double opt-in allows it", arguments: SubscriptionState.allCases, SubscriptionState.allCases)
    func transitions(from: SubscriptionState, to: SubscriptionState) throws {
        let isLegal = try #require(Self.legal[from]).contains(to)
        var subscription = stored(in: from)
        if isLegal {
            try subscription.move(to: to, at: minute(1), by: "alice")
            #expect(subscription.state == to)
            #expect(subscription.events == [RecordEvent(at: minute(1), actor: "alice", action: .transitioned, from: from, to: to)])
        } else {
            let fromName = try #require(Self.name[from])
            let toName = try #require(Self.name[to])
            #expect(throws: DomainError.illegalTransition(record: "subscription", from: fromName, to: toName)) {
                try subscription.move(to: to, at: minute(1), by: "alice")
            }
            #expect(subscription.state == from)
            #expect(subscription.events.isEmpty)
        }
    }

    @Test("subscribing makes a pending subscription with one created event")
    func subscribe() throws {
        let subscription = try Subscription(listID: 3, subscriberID: 8, at: monday, by: "web")
        #expect(subscription.id == nil)
        #expect(subscription.version == 0)
        #expect(subscription.listID == 3)
        #expect(subscription.subscriberID == 8)
        #expect(subscription.state == .pending)
        #expect(subscription.events == [RecordEvent(at: monday, actor: "web", action: .created, to: .pending)])
        #expect(subscription.subscribedAt == monday)
        #expect(subscription.confirmedAt == nil)
        #expect(subscription.unsubscribedAt == nil)
        #expect(!subscription.receivesDigests)
    }

    @Test("a blank actor is refused")
    func blankActor() {
        #expect(throws: DomainError.invalidField(field: "actor", value: " ", expected: "a non-empty actor")) {
            try Subscription(listID: 3, subscriberID: 8, at: monday, by: " ")
        }
    }

    @Test("confirming a pending subscription confirms it; confirming again changes nothing and says so")
    func confirmTwice() throws {
        var subscription = try Subscription(listID: 3, subscriberID: 8, at: monday, by: "web")
        #expect(try subscription.confirm(at: minute(10), by: "web") == .confirmed)
        #expect(subscription.state == .confirmed)
        #expect(subscription.confirmedAt == minute(10))
        #expect(subscription.receivesDigests)
        let afterFirst = subscription
        #expect(try subscription.confirm(at: minute(20), by: "web") == .alreadyConfirmed)
        #expect(subscription == afterFirst)
        #expect(subscription.confirmedAt == minute(10))
        #expect(subscription.events.count == 2)
    }

    @Test("unsubscribing twice is not an error; the second changes nothing")
    func unsubscribeTwice() throws {
        var subscription = try Subscription(listID: 3, subscriberID: 8, at: monday, by: "web")
        try subscription.confirm(at: minute(10), by: "web")
        #expect(try subscription.unsubscribe(at: minute(30), by: "web") == .unsubscribed)
        #expect(subscription.state == .unsubscribed)
        #expect(subscription.unsubscribedAt == minute(30))
        #expect(subscription.confirmedAt == nil)
        let afterFirst = subscription
        #expect(try subscription.unsubscribe(at: minute(40), by: "web") == .alreadyUnsubscribed)
        #expect(subscription == afterFirst)
        #expect(subscription.unsubscribedAt == minute(30))
    }

    @Test("a pending subscription can be left without ever confirming")
    func unsubscribeWhilePending() throws {
        var subscription = try Subscription(listID: 3, subscriberID: 8, at: monday, by: "web")
        #expect(try subscription.unsubscribe(at: minute(5), by: "web") == .unsubscribed)
        #expect(subscription.events.map(\.to) == [.pending, .unsubscribed])
    }

    @Test("an old confirm link cannot bring back an unsubscribed subscription")
    func confirmAfterUnsubscribe() throws {
        var subscription = try Subscription(listID: 3, subscriberID: 8, at: monday, by: "web")
        try subscription.unsubscribe(at: minute(5), by: "web")
        let before = subscription
        #expect(throws: DomainError.illegalTransition(record: "subscription", from: "unsubscribed", to: "confirmed")) {
            try subscription.confirm(at: minute(6), by: "web")
        }
        #expect(subscription == before)
    }

    @Test("a subscribe request on a pending or confirmed subscription changes nothing and tells which")
    func repeatedSubscribe() throws {
        var subscription = try Subscription(listID: 3, subscriberID: 8, at: monday, by: "web")
        #expect(try subscription.subscribe(at: minute(1), by: "web") == .alreadyPending)
        #expect(subscription.events.count == 1)
        try subscription.confirm(at: minute(2), by: "web")
        #expect(try subscription.subscribe(at: minute(3), by: "web") == .alreadyConfirmed)
        #expect(subscription.events.count == 2)
        #expect(subscription.subscribedAt == monday)
    }

    @Test("subscribing again after leaving starts a new opt-in, and the derived times follow the latest round")
    func resubscribe() throws {
        var subscription = try Subscription(listID: 3, subscriberID: 8, at: monday, by: "web")
        try subscription.confirm(at: minute(10), by: "web")
        try subscription.unsubscribe(at: minute(20), by: "web")
        #expect(try subscription.subscribe(at: minute(30), by: "web") == .resubscribed)
        #expect(subscription.state == .pending)
        #expect(subscription.subscribedAt == minute(30))
        #expect(subscription.confirmedAt == nil)
        #expect(subscription.unsubscribedAt == nil)
        try subscription.confirm(at: minute(40), by: "alice")
        #expect(subscription.confirmedAt == minute(40))
        #expect(subscription.events.map(\.to) == [.pending, .confirmed, .unsubscribed, .pending, .confirmed])
        #expect(subscription.events.map(\.action) == [.created, .transitioned, .transitioned, .transitioned, .transitioned])
        #expect(subscription.events.last?.actor == "alice")
    }
}
