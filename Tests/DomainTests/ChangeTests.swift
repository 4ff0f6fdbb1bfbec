import Testing
@testable import Domain

/// 2026-03-02T09:00:00Z, when the change is requested.
private let requested = Instant(secondsSinceEpoch: 1_772_442_000)

/// `hours` after the change was requested.
private func hour(_ hours: Int64) -> Instant { requested + .hours(hours) }

/// Saturday 2026-03-07 22:00Z to Sunday 2026-03-08 02:00Z.
private func saturdayNight() throws(DomainError) -> ChangeWindow {
    try ChangeWindow(start: Instant(secondsSinceEpoch: 1_772_920_800), end: Instant(secondsSinceEpoch: 1_772_935_200))
}

private func normalChange(approvers: [String] = ["alice", "bob", "carol"]) throws -> Change {
    try Change(title: "Upgrade mail relay", type: .normal, risk: .medium, serviceID: 4, approvers: approvers, at: requested, by: "dave")
}

private func storedChange(in state: ChangeState) -> Change {
    Change(
        stored: 9, version: 2, title: "Upgrade mail relay", description: nil, type: .normal, risk: .medium,
        serviceID: 4, window: nil, approval: CABApproval(approvers: ["alice"]), outcome: nil, state: state,
        incidentIDs: [], events: []
    )
}

/// The named operations whose target state is fixed, to try from every state.
enum ChangeOperation: String, CaseIterable, Sendable {
    case schedule, implement, review, close, cancel

    var target: ChangeState {
        switch self {
        case .schedule: .scheduled
        case .implement: .implemented
        case .review: .reviewed
        case .close: .closed
        case .cancel: .cancelled
        }
    }

    func apply(to change: inout Change, at: Instant) throws(DomainError) {
        switch self {
        case .schedule: try change.schedule(try saturdayNight(), at: at, by: "erin")
        case .implement: try change.implement(outcome: .successful, at: at, by: "erin")
        case .review: try change.review(at: at, by: "erin")
        case .close: try change.close(at: at, by: "erin")
        case .cancel: try change.cancel(at: at, by: "erin")
        }
    }
}

@Suite("Change lifecycle")
struct ChangeTransitionTests {
    /// The legal moves, written out by hand from the change process (not read from `successors`).
    static let legal: [ChangeState: Set<ChangeState>] = [
        .new: [.awaitingApproval, .authorised, .cancelled],
        .awaitingApproval: [.authorised, .rejected, .cancelled],
        .authorised: [.scheduled, .cancelled],
        .scheduled: [.implemented, .authorised, .cancelled],
        .implemented: [.reviewed],
        .reviewed: [.closed],
        .closed: [],
        .rejected: [],
        .cancelled: [],
    ]

    static let name: [ChangeState: String] = [
        .new: "new", .awaitingApproval: "awaiting-approval", .authorised: "authorised", .scheduled: "scheduled",
        .implemented: "implemented", .reviewed: "reviewed", .closed: "closed", .rejected: "rejected",
        .cancelled: "cancelled",
    ]

    @Test("the hand-written tables cover every change state")
    func tablesCoverEveryState() {
        #expect(Set(Self.legal.keys) == Set(ChangeState.allCases))
        #expect(ChangeState.allCases.count == 9)
        for state in ChangeState.allCases {
            #expect(state.rawValue == Self.name[state])
        }
        // 81 ordered pairs, 13 of them legal.
        #expect(Self.legal.values.map(\.count).reduce(0, +) == 13)
    }

    @Test("each move is allowed exactly when the change process allows it", arguments: ChangeState.allCases, ChangeState.allCases)
    func stateMachine(from: ChangeState, to: ChangeState) throws {
        let isLegal = try #require(Self.legal[from]).contains(to)
        let fromName = try #require(Self.name[from])
        let toName = try #require(Self.name[to])
        if isLegal {
            #expect(try from.move(to: to) == to)
        } else {
            #expect(throws: DomainError.illegalTransition(record: "change", from: fromName, to: toName)) {
                try from.move(to: to)
            }
        }
    }

    @Test("schedule, implement, review, close and cancel work exactly from the states that allow them", arguments: ChangeState.allCases, ChangeOperation.allCases)
    func namedOperation(from: ChangeState, operation: ChangeOperation) throws {
        let isLegal = try #require(Self.legal[from]).contains(operation.target)
        let fromName = try #require(Self.name[from])
        let toName = try #require(Self.name[operation.target])
        var change = storedChange(in: from)
        if from == .scheduled, operation == .schedule {
            // Scheduling a scheduled change moves it to the new window: an update, not a state change.
            try operation.apply(to: &change, at: hour(1))
            #expect(change.state == .scheduled)
            #expect(change.window != nil)
            let update = try #require(change.events.last)
            #expect(update.action == .updated)
            #expect(update.from == nil && update.to == nil)
        } else if isLegal {
            try operation.apply(to: &change, at: hour(1))
            #expect(change.state == operation.target)
            let move = try #require(change.events.last)
            #expect(move.from == from)
            #expect(move.to == operation.target)
            #expect(move.action == .transitioned)
            #expect(move.actor == "erin")
            #expect(move.at == hour(1))
        } else {
            let before = change
            #expect(throws: DomainError.illegalTransition(record: "change", from: fromName, to: toName)) {
                try operation.apply(to: &change, at: hour(1))
            }
            #expect(change == before)
        }
    }

    @Test("a new change starts in new with a created event and no outcome")
    func created() throws {
        let change = try normalChange(approvers: ["alice", " bob ", "alice"])
        #expect(change.state == .new)
        #expect(change.outcome == nil)
        #expect(change.approval.approvers == ["alice", "bob"])
        #expect(change.approval.decision == .pending)
        #expect(change.events == [RecordEvent(at: requested, actor: "dave", action: .created, to: .new)])
        #expect(change.requestedAt == requested)
        #expect(change.leadTime == nil)
    }

    @Test("an empty title is rejected naming the title")
    func blankTitle() {
        #expect(throws: DomainError.invalidField(field: "title", value: " ", expected: "a non-empty title")) {
            try Change(title: " ", type: .standard, risk: .low, at: requested, by: "dave")
        }
    }

    @Test("a blank approver name is rejected naming the approvers")
    func blankApprover() {
        #expect(throws: DomainError.invalidField(field: "approvers", value: "", expected: "a non-empty approvers")) {
            try Change(title: "Relay", type: .normal, risk: .low, approvers: ["alice", ""], at: requested, by: "dave")
        }
    }
}

@Suite("Change submission and the CAB")
struct ChangeApprovalTests {
    @Test("a standard change is authorised on submission without the CAB")
    func standardChange() throws {
        var change = try Change(title: "Rotate TLS certificate", type: .standard, risk: .low, at: requested, by: "dave")
        try change.submit(at: hour(1), by: "dave")
        #expect(change.state == .authorised)
        #expect(change.approval.votes.isEmpty)
        #expect(change.authorisedAt == hour(1))
        #expect(change.events.last == RecordEvent(
            at: hour(1), actor: "dave", action: .transitioned, from: .new, to: .authorised, detail: "standard change: pre-authorised"
        ))
    }

    @Test("a scheduled standard change cannot be submitted again")
    func resubmitScheduledStandard() throws {
        var change = try Change(title: "Rotate TLS certificate", type: .standard, risk: .low, at: requested, by: "dave")
        try change.submit(at: hour(1), by: "dave")
        try change.schedule(try saturdayNight(), at: hour(2), by: "dave")
        let before = change
        // Submission starts the approval path; it must not pull a scheduled change off the calendar.
        #expect(throws: DomainError.self) {
            try change.submit(at: hour(3), by: "dave")
        }
        #expect(change == before)
        #expect(change.state == .scheduled)
    }

    @Test("a normal or emergency change without approvers cannot be submitted", arguments: [
        (ChangeType.normal, "a normal change needs at least one CAB approver before submission"),
        (.emergency, "a emergency change needs at least one CAB approver before submission"),
    ])
    func noApprovers(type: ChangeType, rule: String) throws {
        var change = try Change(title: "Relay", type: type, risk: .high, at: requested, by: "dave")
        #expect(throws: DomainError.ruleViolated(record: "change", rule: rule)) {
            try change.submit(at: hour(1), by: "dave")
        }
        #expect(change.state == .new)
        #expect(change.events.count == 1)
    }

    @Test("a normal change with approvers goes to the CAB on submission")
    func submitToCAB() throws {
        var change = try normalChange()
        try change.submit(at: hour(1), by: "dave")
        #expect(change.state == .awaitingApproval)
        #expect(change.events.last == RecordEvent(at: hour(1), actor: "dave", action: .transitioned, from: .new, to: .awaitingApproval))
        #expect(throws: DomainError.illegalTransition(record: "change", from: "awaiting-approval", to: "awaiting-approval")) {
            try change.submit(at: hour(2), by: "dave")
        }
    }

    @Test("one rejection rejects the change even after approvals")
    func oneRejection() throws {
        var change = try normalChange()
        try change.submit(at: hour(1), by: "dave")
        try change.vote(approver: "alice", approve: true, at: hour(2))
        #expect(change.state == .awaitingApproval)
        try change.vote(approver: "bob", approve: false, comment: "no rollback plan", at: hour(3))
        #expect(change.state == .rejected)
        #expect(change.approval.decision == .rejected)
        let expectedTail: [RecordEvent<ChangeState>] = [
            RecordEvent(at: hour(3), actor: "bob", action: .vote, detail: "reject"),
            RecordEvent(at: hour(3), actor: "bob", action: .transitioned, from: .awaitingApproval, to: .rejected, detail: "no rollback plan"),
        ]
        #expect(Array(change.events.suffix(2)) == expectedTail)
    }

    @Test("a rejection without a comment is logged as rejected by the CAB")
    func rejectionWithoutComment() throws {
        var change = try normalChange(approvers: ["alice"])
        try change.submit(at: hour(1), by: "dave")
        try change.vote(approver: "alice", approve: false, at: hour(2))
        #expect(change.events.last?.detail == "CAB rejected")
    }

    @Test("the change is authorised when the last approver approves, not before")
    func allApprove() throws {
        var change = try normalChange()
        try change.submit(at: hour(1), by: "dave")
        try change.vote(approver: "alice", approve: true, at: hour(2))
        try change.vote(approver: "carol", approve: true, at: hour(3))
        #expect(change.state == .awaitingApproval)
        #expect(change.approval.decision == .pending)
        #expect(change.authorisedAt == nil)
        try change.vote(approver: "bob", approve: true, comment: "fine", at: hour(4))
        #expect(change.state == .authorised)
        #expect(change.approval.decision == .approved)
        #expect(change.authorisedAt == hour(4))
        #expect(change.approval.votes.map(\.approver) == ["alice", "carol", "bob"])
        #expect(change.approval.votes.last?.comment == "fine")
        #expect(change.events.last == RecordEvent(at: hour(4), actor: "bob", action: .transitioned, from: .awaitingApproval, to: .authorised, detail: "CAB approved"))
        #expect(change.events.filter { $0.action == .vote }.count == 3)
    }

    @Test("a vote from someone not on the CAB is rejected naming the approver")
    func voteFromStranger() throws {
        var change = try normalChange(approvers: ["alice", "bob"])
        try change.submit(at: hour(1), by: "dave")
        let before = change
        #expect(throws: DomainError.invalidField(field: "approver", value: "mallory", expected: "one of the CAB approvers: alice, bob")) {
            try change.vote(approver: " mallory ", approve: true, at: hour(2))
        }
        #expect(change == before)
    }

    @Test("votes are refused outside awaiting approval", arguments: [
        (ChangeState.new, "new"), (.authorised, "authorised"), (.scheduled, "scheduled"), (.rejected, "rejected"),
        (.cancelled, "cancelled"), (.closed, "closed"),
    ])
    func voteOutsideApproval(state: ChangeState, name: String) {
        var change = storedChange(in: state)
        #expect(throws: DomainError.ruleViolated(record: "change", rule: "votes are taken only while awaiting approval (state is \(name))")) {
            try change.vote(approver: "alice", approve: true, at: hour(2))
        }
        #expect(change.approval.votes.isEmpty)
        #expect(change.events.isEmpty)
    }

    @Test("a later vote by the same approver replaces the earlier one")
    func laterVoteReplaces() throws {
        var change = try normalChange(approvers: ["alice", "bob"])
        try change.submit(at: hour(1), by: "dave")
        try change.vote(approver: "alice", approve: true, at: hour(2))
        try change.vote(approver: "alice", approve: false, comment: "found a clash", at: hour(3))
        // Had the first vote stood, alice approved and bob has not voted: still pending.
        #expect(change.state == .rejected)
        #expect(change.approval.votes.count == 2)
    }

    @Test("the CAB decision counts each approver's latest vote")
    func decisionUsesLatestVote() {
        var approval = CABApproval(approvers: ["alice", "bob"])
        approval.votes = [
            .init(approver: "alice", approve: false, at: hour(1)),
            .init(approver: "bob", approve: true, at: hour(2)),
            .init(approver: "alice", approve: true, at: hour(3)),
        ]
        #expect(approval.decision == .approved)
        approval.votes.append(.init(approver: "bob", approve: false, at: hour(4)))
        #expect(approval.decision == .rejected)
    }

    @Test("a CAB with no approvers never approves")
    func emptyCAB() {
        #expect(CABApproval(approvers: []).decision == .pending)
    }
}

@Suite("Change windows, implementation and review")
struct ChangeDeliveryTests {
    @Test("a window whose end is not after its start is rejected naming window.end", arguments: [0, -60] as [Int64])
    func badWindow(minutesAfterStart: Int64) {
        // Starts 2026-03-07T22:00:00Z.
        let start = Instant(secondsSinceEpoch: 1_772_920_800)
        let end = start + .minutes(minutesAfterStart)
        let endText = minutesAfterStart == 0 ? "2026-03-07T22:00:00.000000Z" : "2026-03-07T21:00:00.000000Z"
        #expect(throws: DomainError.invalidField(
            field: "window.end", value: endText, expected: "an end after the start (2026-03-07T22:00:00.000000Z)"
        )) {
            try ChangeWindow(start: start, end: end)
        }
    }

    @Test("a window is half-open: it contains its start but not its end")
    func windowRange() throws {
        let window = try saturdayNight()
        #expect(window.range.contains(Instant(secondsSinceEpoch: 1_772_920_800)))
        #expect(!window.range.contains(Instant(secondsSinceEpoch: 1_772_935_200)))
        #expect(window.overlaps(Instant(secondsSinceEpoch: 1_772_935_199)..<Instant(secondsSinceEpoch: 1_772_940_000)))
        #expect(!window.overlaps(Instant(secondsSinceEpoch: 1_772_935_200)..<Instant(secondsSinceEpoch: 1_772_940_000)))
    }

    @Test("a change goes from submission through schedule, implementation and review to closed")
    func fullPath() throws {
        var change = try normalChange(approvers: ["alice"])
        try change.submit(at: hour(1), by: "dave")
        try change.vote(approver: "alice", approve: true, at: hour(2))
        let window = try saturdayNight()
        try change.schedule(window, at: hour(3), by: "dave")
        #expect(change.state == .scheduled)
        #expect(change.window == window)
        #expect(change.events.last?.detail == "2026-03-07T22:00:00.000000Z .. 2026-03-08T02:00:00.000000Z")
        try change.implement(outcome: .backedOut, at: hour(135), by: "erin", note: "relay refused TLS 1.3")
        #expect(change.state == .implemented)
        #expect(change.outcome == .backedOut)
        #expect(change.events.last?.detail == "relay refused TLS 1.3")
        try change.review(at: hour(160), by: "alice", note: "retry with a config fix")
        try change.close(at: hour(161), by: "alice")
        #expect(change.state == .closed)
        let path = change.events.compactMap(\.to)
        #expect(path == [.new, .awaitingApproval, .authorised, .scheduled, .implemented, .reviewed, .closed])
        #expect(change.authorisedAt == hour(2))
        #expect(change.implementedAt == hour(135))
    }

    @Test("without a note the outcome is the implementation event's detail", arguments: [
        (ChangeOutcome.successful, "successful"), (.failed, "failed"), (.backedOut, "backed-out"),
    ])
    func outcomeAsDetail(outcome: ChangeOutcome, detail: String) throws {
        var change = storedChange(in: .scheduled)
        try change.implement(outcome: outcome, at: hour(5), by: "erin")
        #expect(change.outcome == outcome)
        #expect(change.events.last?.detail == detail)
    }

    @Test("scheduling a change that is not authorised keeps its old window")
    func scheduleUnauthorised() throws {
        var change = try normalChange()
        #expect(throws: DomainError.illegalTransition(record: "change", from: "new", to: "scheduled")) {
            try change.schedule(try saturdayNight(), at: hour(1), by: "dave")
        }
        #expect(change.window == nil)
        #expect(change.state == .new)
    }

    @Test("implementing a change that is not scheduled records no outcome")
    func implementUnscheduled() throws {
        var change = storedChange(in: .authorised)
        #expect(throws: DomainError.illegalTransition(record: "change", from: "authorised", to: "implemented")) {
            try change.implement(outcome: .failed, at: hour(1), by: "erin")
        }
        #expect(change.outcome == nil)
    }

    @Test("lead time runs from the request to the implementation")
    func leadTime() throws {
        var change = try Change(title: "Rotate TLS certificate", type: .standard, risk: .low, at: requested, by: "dave")
        try change.submit(at: hour(1), by: "dave")
        #expect(change.leadTime == nil)
        try change.schedule(try saturdayNight(), at: hour(2), by: "dave")
        // Implemented 2026-03-07T23:30:00Z: 5 days 14.5 hours after the request.
        try change.implement(outcome: .successful, at: Instant(secondsSinceEpoch: 1_772_926_200), by: "erin")
        #expect(change.leadTime == .seconds(484_200))
        try change.review(at: hour(200), by: "alice")
        #expect(change.leadTime == .seconds(484_200))
    }

    @Test("a change can be cancelled before implementation, with the reason logged", arguments: [
        ChangeState.new, .awaitingApproval, .authorised, .scheduled,
    ])
    func cancel(state: ChangeState) throws {
        var change = storedChange(in: state)
        try change.cancel(at: hour(4), by: "dave", reason: "vendor patch withdrawn")
        #expect(change.state == .cancelled)
        #expect(change.events.last == RecordEvent(at: hour(4), actor: "dave", action: .transitioned, from: state, to: .cancelled, detail: "vendor patch withdrawn"))
    }

    @Test("an implemented change cannot be cancelled")
    func cancelImplemented() {
        var change = storedChange(in: .implemented)
        #expect(throws: DomainError.illegalTransition(record: "change", from: "implemented", to: "cancelled")) {
            try change.cancel(at: hour(4), by: "dave")
        }
    }
}
