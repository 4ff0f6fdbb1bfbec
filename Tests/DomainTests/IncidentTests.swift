import Testing
@testable import Domain

/// 2026-03-02T09:00:00Z, a Monday morning.
private let opened = Instant(secondsSinceEpoch: 1_772_442_000)

/// `minutes` after the incident was opened.
private func minute(_ minutes: Int64) -> Instant { opened + .minutes(minutes) }

private func newIncident(impact: Impact = .medium, urgency: Urgency = .medium) throws -> Incident {
    try Incident(title: "Mail is down", impact: impact, urgency: urgency, serviceID: 4, at: opened, by: "alice")
}

/// An incident rebuilt in `state`, with no audit trail, to try one move from there.
private func storedIncident(in state: IncidentState) -> Incident {
    Incident(
        stored: 1, version: 3, title: "Mail is down", description: nil, category: nil, impact: .medium,
        urgency: .medium, priority: .p3, state: state, serviceID: 4, problemID: nil, isMajor: false,
        assignee: nil, events: []
    )
}

@Suite("Incident lifecycle")
struct IncidentTransitionTests {
    /// The legal moves, written out by hand from the incident process (not read from `successors`).
    static let legal: [IncidentState: Set<IncidentState>] = [
        .new: [.assigned, .inProgress, .resolved],
        .assigned: [.inProgress, .onHold, .resolved],
        .inProgress: [.assigned, .onHold, .resolved],
        .onHold: [.assigned, .inProgress],
        .resolved: [.inProgress, .closed],
        .closed: [],
    ]

    /// The names people and the database see.
    static let name: [IncidentState: String] = [
        .new: "new", .assigned: "assigned", .inProgress: "in-progress", .onHold: "on-hold",
        .resolved: "resolved", .closed: "closed",
    ]

    @Test("the hand-written tables cover every incident state")
    func tablesCoverEveryState() {
        #expect(Set(Self.legal.keys) == Set(IncidentState.allCases))
        #expect(Set(Self.name.keys) == Set(IncidentState.allCases))
        #expect(IncidentState.allCases.count == 6)
        for state in IncidentState.allCases {
            #expect(state.rawValue == Self.name[state])
        }
        // 36 ordered pairs, 13 of them legal.
        #expect(Self.legal.values.map(\.count).reduce(0, +) == 13)
    }

    @Test("each move is allowed exactly when the incident process allows it", arguments: IncidentState.allCases, IncidentState.allCases)
    func stateMachine(from: IncidentState, to: IncidentState) throws {
        let isLegal = try #require(Self.legal[from]).contains(to)
        let fromName = try #require(Self.name[from])
        let toName = try #require(Self.name[to])
        if isLegal {
            #expect(try from.move(to: to) == to)
        } else {
            #expect(throws: DomainError.illegalTransition(record: "incident", from: fromName, to: toName)) {
                try from.move(to: to)
            }
        }
    }

    @Test("an incident record makes the legal moves, logs them, and refuses the rest unchanged", arguments: IncidentState.allCases, IncidentState.allCases)
    func incidentMove(from: IncidentState, to: IncidentState) throws {
        let isLegal = try #require(Self.legal[from]).contains(to)
        let fromName = try #require(Self.name[from])
        let toName = try #require(Self.name[to])
        var incident = storedIncident(in: from)
        if isLegal {
            try incident.move(to: to, at: minute(5), by: "bob", note: "why")
            #expect(incident.state == to)
            let move = try #require(incident.events.first { $0.to != nil })
            #expect(move.from == from)
            #expect(move.to == to)
            #expect(move.at == minute(5))
            #expect(move.actor == "bob")
            #expect(move.detail == "why")
            #expect(move.action == ((from, to) == (.resolved, .inProgress) ? .reopened : .transitioned))
        } else {
            #expect(throws: DomainError.illegalTransition(record: "incident", from: fromName, to: toName)) {
                try incident.move(to: to, at: minute(5), by: "bob")
            }
            #expect(incident.state == from)
            #expect(incident.events.isEmpty)
        }
    }

    @Test("closed is final and resolved and closed are the only states not open")
    func openStates() {
        #expect(IncidentState.allCases.filter { !$0.isOpen } == [.resolved, .closed])
    }

    @Test("a new incident starts in new with a created event by its reporter and the matrix priority")
    func created() throws {
        let incident = try newIncident(impact: .high, urgency: .medium)
        #expect(incident.state == .new)
        #expect(incident.priority == .p2)
        #expect(incident.events == [RecordEvent(at: opened, actor: "alice", action: .created, to: .new)])
        #expect(incident.openedAt == opened)
        #expect(incident.firstResponseAt == nil)
        #expect(incident.resolvedAt == nil)
        #expect(incident.closedAt == nil)
    }

    @Test("a custom matrix decides the priority of a new incident")
    func createdWithCustomMatrix() throws {
        let everythingP1 = try PriorityMatrix(Dictionary(uniqueKeysWithValues: Impact.allCases.map { impact in
            (impact, Dictionary(uniqueKeysWithValues: Urgency.allCases.map { ($0, Priority.p1) }))
        }))
        let incident = try Incident(title: "Printer", impact: .low, urgency: .low, matrix: everythingP1, at: opened, by: "alice")
        #expect(incident.priority == .p1)
    }

    @Test("an empty or blank title is rejected naming the title", arguments: ["", "   ", "\n\t "])
    func blankTitle(title: String) {
        #expect(throws: DomainError.invalidField(field: "title", value: title, expected: "a non-empty title")) {
            try Incident(title: title, impact: .low, urgency: .low, at: opened, by: "alice")
        }
    }

    @Test("title and actor are stored trimmed")
    func trimmed() throws {
        let incident = try Incident(title: "  Mail is down \n", impact: .low, urgency: .low, at: opened, by: " alice ")
        #expect(incident.title == "Mail is down")
        #expect(incident.events.first?.actor == "alice")
    }

    @Test("a blank actor is rejected naming the actor, and the incident does not move")
    func blankActor() throws {
        var incident = try newIncident()
        #expect(throws: DomainError.invalidField(field: "actor", value: " ", expected: "a non-empty actor")) {
            try incident.move(to: .inProgress, at: minute(1), by: " ")
        }
        #expect(incident.state == .new)
        #expect(incident.events.count == 1)
    }
}

@Suite("Incident reopening, response and resolution facts")
struct IncidentFactsTests {
    @Test("reopening a resolved incident counts a reopen and logs it as reopened")
    func reopen() throws {
        var incident = try newIncident()
        try incident.resolve(at: minute(30), by: "bob", note: "restarted postfix")
        #expect(incident.reopenCount == 0)
        try incident.reopen(at: minute(90), by: "alice", reason: "still bouncing")
        #expect(incident.state == .inProgress)
        #expect(incident.reopenCount == 1)
        let last = try #require(incident.events.last)
        #expect(last == RecordEvent(at: minute(90), actor: "alice", action: .reopened, from: .resolved, to: .inProgress, detail: "still bouncing"))
        try incident.resolve(at: minute(120), by: "bob")
        try incident.reopen(at: minute(150), by: "alice")
        #expect(incident.reopenCount == 2)
    }

    @Test("a plain move from resolved back to in progress is a reopen too")
    func moveBackIsReopen() throws {
        var incident = try newIncident()
        try incident.resolve(at: minute(30), by: "bob")
        try incident.move(to: .inProgress, at: minute(40), by: "bob")
        #expect(incident.reopenCount == 1)
        #expect(incident.events.last?.action == .reopened)
    }

    @Test("a closed incident cannot be reopened")
    func reopenClosed() throws {
        var incident = try newIncident()
        try incident.resolve(at: minute(30), by: "bob")
        try incident.close(at: minute(60), by: "bob")
        let before = incident
        #expect(throws: DomainError.illegalTransition(record: "incident", from: "closed", to: "in-progress")) {
            try incident.reopen(at: minute(90), by: "alice")
        }
        #expect(incident == before)
        #expect(incident.reopenCount == 0)
    }

    @Test("only a resolved incident can be reopened", arguments: [
        (IncidentState.new, "new"), (.assigned, "assigned"), (.inProgress, "in-progress"), (.onHold, "on-hold"),
    ])
    func reopenOpen(state: IncidentState, name: String) throws {
        var incident = storedIncident(in: state)
        #expect(throws: DomainError.illegalTransition(record: "incident", from: name, to: "in-progress")) {
            try incident.reopen(at: minute(90), by: "alice")
        }
        #expect(incident.events.isEmpty)
    }

    @Test("the first move to in progress is the first response, and later work does not move it")
    func firstResponseOnWork() throws {
        var incident = try newIncident()
        try incident.move(to: .inProgress, at: minute(12), by: "bob")
        #expect(incident.firstResponseAt == minute(12))
        try incident.hold(at: minute(20), by: "bob", reason: "waiting for the caller")
        try incident.resume(at: minute(40), by: "bob")
        try incident.respond(at: minute(45), by: "bob")
        try incident.resolve(at: minute(60), by: "bob")
        try incident.reopen(at: minute(70), by: "alice")
        #expect(incident.firstResponseAt == minute(12))
        #expect(incident.events.filter { $0.action == .firstResponse }.count == 1)
        #expect(incident.events.filter { $0.action == .firstResponse }.first?.actor == "bob")
    }

    @Test("an explicit response counts once and a later move to in progress does not replace it")
    func explicitResponse() throws {
        var incident = try newIncident()
        try incident.respond(at: minute(3), by: "carol")
        try incident.respond(at: minute(4), by: "dave")
        try incident.move(to: .inProgress, at: minute(20), by: "bob")
        #expect(incident.firstResponseAt == minute(3))
        let responses = incident.events.filter { $0.action == .firstResponse }
        #expect(responses == [RecordEvent(at: minute(3), actor: "carol", action: .firstResponse)])
    }

    @Test("assigning is not a response to the caller")
    func assignIsNoResponse() throws {
        var incident = try newIncident()
        try incident.assign(to: "network team", at: minute(2), by: "alice")
        #expect(incident.firstResponseAt == nil)
        try incident.move(to: .inProgress, at: minute(25), by: "bob")
        #expect(incident.firstResponseAt == minute(25))
    }

    @Test("opened, first response and the latest resolution come from the audit trail")
    func mttaAndMttrInstants() throws {
        var incident = try newIncident()
        try incident.assign(to: "bob", at: minute(5), by: "alice")
        try incident.move(to: .inProgress, at: minute(15), by: "bob")
        try incident.resolve(at: minute(120), by: "bob")
        #expect(incident.resolvedAt == minute(120))
        try incident.reopen(at: minute(200), by: "alice")
        #expect(incident.resolvedAt == nil)
        try incident.resolve(at: minute(300), by: "bob")
        try incident.close(at: minute(400), by: "alice")

        #expect(incident.openedAt == opened)
        #expect(incident.firstResponseAt == minute(15))
        #expect(incident.resolvedAt == minute(300))
        #expect(incident.closedAt == minute(400))
        // MTTA 15 minutes, MTTR (wall clock) 300 minutes.
        #expect(try #require(incident.firstResponseAt) - incident.openedAt == .seconds(900))
        #expect(try #require(incident.resolvedAt) - incident.openedAt == .seconds(18_000))
    }

    @Test("holds are pauses, and a hold still open ends at now")
    func pauses() throws {
        var incident = try newIncident()
        try incident.move(to: .inProgress, at: minute(10), by: "bob")
        #expect(incident.pauses(until: minute(500)) == [])
        try incident.hold(at: minute(30), by: "bob", reason: "waiting for the vendor")
        try incident.resume(at: minute(90), by: "bob")
        try incident.hold(at: minute(150), by: "bob")
        #expect(incident.pauses(until: minute(200)) == [minute(30)..<minute(90), minute(150)..<minute(200)])
        // A hold ended by reassigning is a pause that ended.
        try incident.move(to: .assigned, at: minute(210), by: "alice")
        #expect(incident.pauses(until: minute(500)) == [minute(30)..<minute(90), minute(150)..<minute(210)])
    }

    @Test("a hold that began at now is not yet a pause")
    func holdStartingNow() throws {
        var incident = try newIncident()
        try incident.move(to: .inProgress, at: minute(10), by: "bob")
        try incident.hold(at: minute(30), by: "bob")
        #expect(incident.pauses(until: minute(30)) == [])
        #expect(incident.pauses(until: minute(31)) == [minute(30)..<minute(31)])
    }

    @Test("resolving a new incident straight away is a first-contact resolution")
    func firstContactResolution() throws {
        var incident = try newIncident()
        #expect(!incident.isFirstContactResolution)
        try incident.resolve(at: minute(4), by: "servicedesk")
        #expect(incident.isFirstContactResolution)
        #expect(incident.firstResponseAt == minute(4))
        try incident.close(at: minute(60), by: "servicedesk")
        #expect(incident.isFirstContactResolution)
    }

    @Test("working on it without handing it on is still a first-contact resolution")
    func firstContactAfterWork() throws {
        var incident = try newIncident()
        try incident.move(to: .inProgress, at: minute(2), by: "servicedesk")
        try incident.resolve(at: minute(9), by: "servicedesk")
        #expect(incident.isFirstContactResolution)
    }

    @Test("an assigned incident is not a first-contact resolution")
    func notFirstContactAfterAssignment() throws {
        var incident = try newIncident()
        try incident.assign(to: "network team", at: minute(2), by: "servicedesk")
        try incident.resolve(at: minute(30), by: "network team")
        #expect(!incident.isFirstContactResolution)
    }

    @Test("a held or reopened incident is not a first-contact resolution")
    func notFirstContactAfterHoldOrReopen() throws {
        var held = try newIncident()
        try held.move(to: .inProgress, at: minute(1), by: "servicedesk")
        try held.hold(at: minute(2), by: "servicedesk")
        try held.resume(at: minute(3), by: "servicedesk")
        try held.resolve(at: minute(4), by: "servicedesk")
        #expect(!held.isFirstContactResolution)

        var reopened = try newIncident()
        try reopened.resolve(at: minute(1), by: "servicedesk")
        try reopened.reopen(at: minute(2), by: "alice")
        try reopened.resolve(at: minute(3), by: "servicedesk")
        #expect(!reopened.isFirstContactResolution)
    }
}

@Suite("Incident assignment, priority and links")
struct IncidentChangesTests {
    @Test("assigning a new incident moves it to assigned and logs who got it")
    func assignNew() throws {
        var incident = try newIncident()
        try incident.assign(to: " network team ", at: minute(2), by: "alice")
        #expect(incident.state == .assigned)
        #expect(incident.assignee == "network team")
        let expected: [RecordEvent<IncidentState>] = [
            RecordEvent(at: minute(2), actor: "alice", action: .transitioned, from: .new, to: .assigned),
            RecordEvent(at: minute(2), actor: "alice", action: .assigned, detail: "network team"),
        ]
        #expect(Array(incident.events.dropFirst()) == expected)
    }

    @Test("assigning an in-progress incident hands it back to assigned")
    func assignInProgress() throws {
        var incident = try newIncident()
        try incident.move(to: .inProgress, at: minute(2), by: "bob")
        try incident.assign(to: "carol", at: minute(9), by: "bob")
        #expect(incident.state == .assigned)
        #expect(incident.assignee == "carol")
    }

    @Test("reassigning an assigned or held incident keeps its state")
    func reassignKeepsState() throws {
        var incident = try newIncident()
        try incident.assign(to: "bob", at: minute(2), by: "alice")
        try incident.assign(to: "carol", at: minute(3), by: "alice")
        #expect(incident.state == .assigned)
        #expect(incident.assignee == "carol")
        try incident.hold(at: minute(4), by: "carol")
        try incident.assign(to: "dave", at: minute(5), by: "alice")
        #expect(incident.state == .onHold)
        #expect(incident.assignee == "dave")
        #expect(incident.events.last == RecordEvent(at: minute(5), actor: "alice", action: .assigned, detail: "dave"))
    }

    @Test("a resolved or closed incident cannot be assigned")
    func assignResolved() throws {
        var incident = try newIncident()
        try incident.resolve(at: minute(2), by: "bob")
        #expect(throws: DomainError.ruleViolated(record: "incident", rule: "a resolved incident cannot be assigned")) {
            try incident.assign(to: "carol", at: minute(3), by: "alice")
        }
        try incident.close(at: minute(4), by: "bob")
        #expect(throws: DomainError.ruleViolated(record: "incident", rule: "a closed incident cannot be assigned")) {
            try incident.assign(to: "carol", at: minute(5), by: "alice")
        }
        #expect(incident.assignee == nil)
    }

    @Test("a blank assignee is rejected naming the assignee")
    func blankAssignee() throws {
        var incident = try newIncident()
        #expect(throws: DomainError.invalidField(field: "assignee", value: "", expected: "a non-empty assignee")) {
            try incident.assign(to: "", at: minute(2), by: "alice")
        }
        #expect(incident.state == .new)
    }

    @Test("reprioritising follows the matrix and logs the change of priority")
    func reprioritise() throws {
        var incident = try newIncident(impact: .medium, urgency: .medium)
        #expect(incident.priority == .p3)
        try incident.reprioritise(impact: .high, urgency: .medium, at: minute(10), by: "bob")
        #expect(incident.impact == .high)
        #expect(incident.urgency == .medium)
        #expect(incident.priority == .p2)
        #expect(incident.events.last == RecordEvent(at: minute(10), actor: "bob", action: .reprioritised, detail: "P3 -> P2"))
    }

    @Test("reprioritising to a cell with the same priority logs nothing")
    func reprioritiseSamePriority() throws {
        var incident = try newIncident(impact: .medium, urgency: .medium)
        try incident.reprioritise(impact: .low, urgency: .high, at: minute(10), by: "bob")
        #expect(incident.impact == .low)
        #expect(incident.urgency == .high)
        #expect(incident.priority == .p3)
        #expect(incident.events.count == 1)
        #expect(!incident.events.contains { $0.action == .reprioritised })
    }

    @Test("reprioritising uses the matrix it is given")
    func reprioritiseCustomMatrix() throws {
        let strict = try PriorityMatrix([
            .high: [.high: .p1, .medium: .p1, .low: .p1],
            .medium: [.high: .p2, .medium: .p2, .low: .p2],
            .low: [.high: .p4, .medium: .p4, .low: .p4],
        ])
        var incident = try newIncident(impact: .medium, urgency: .medium)
        try incident.reprioritise(impact: .high, urgency: .low, matrix: strict, at: minute(10), by: "bob")
        #expect(incident.priority == .p1)
        #expect(incident.events.last?.detail == "P3 -> P1")
    }

    @Test("linking to a problem is logged")
    func linkProblem() throws {
        var incident = try newIncident()
        try incident.link(problem: 42, at: minute(10), by: "bob")
        #expect(incident.problemID == 42)
        #expect(incident.events.last == RecordEvent(at: minute(10), actor: "bob", action: .linked, detail: "problem 42"))
    }

    @Test("every event carries its actor and its instant")
    func eventsCarryActorAndInstant() throws {
        var incident = try newIncident()
        try incident.assign(to: "bob", at: minute(1), by: "alice")
        try incident.move(to: .inProgress, at: minute(7), by: "bob")
        try incident.hold(at: minute(20), by: "bob", reason: "vendor")
        try incident.resume(at: minute(50), by: "bob")
        try incident.resolve(at: minute(80), by: "bob", note: "patched")
        try incident.close(at: minute(200), by: "carol")
        let expected: [RecordEvent<IncidentState>] = [
            RecordEvent(at: opened, actor: "alice", action: .created, to: .new),
            RecordEvent(at: minute(1), actor: "alice", action: .transitioned, from: .new, to: .assigned),
            RecordEvent(at: minute(1), actor: "alice", action: .assigned, detail: "bob"),
            RecordEvent(at: minute(7), actor: "bob", action: .transitioned, from: .assigned, to: .inProgress),
            RecordEvent(at: minute(7), actor: "bob", action: .firstResponse),
            RecordEvent(at: minute(20), actor: "bob", action: .transitioned, from: .inProgress, to: .onHold, detail: "vendor"),
            RecordEvent(at: minute(50), actor: "bob", action: .transitioned, from: .onHold, to: .inProgress),
            RecordEvent(at: minute(80), actor: "bob", action: .transitioned, from: .inProgress, to: .resolved, detail: "patched"),
            RecordEvent(at: minute(200), actor: "carol", action: .transitioned, from: .resolved, to: .closed),
        ]
        #expect(incident.events == expected)
    }

    // A refused operation must leave the record as it was: the audit trail is the source of every KPI,
    // so a field that changed without its event is a fact nobody can account for.

    @Test("a reprioritisation refused for a blank actor leaves the priority unchanged")
    func refusedReprioritiseChangesNothing() throws {
        var incident = try newIncident(impact: .medium, urgency: .medium)
        let before = incident
        #expect(throws: DomainError.invalidField(field: "actor", value: "", expected: "a non-empty actor")) {
            try incident.reprioritise(impact: .high, urgency: .high, at: minute(10), by: "")
        }
        #expect(incident == before)
        #expect(incident.priority == .p3)
    }

    @Test("an assignment refused for a blank actor leaves the assignee unchanged")
    func refusedAssignChangesNothing() throws {
        var incident = try newIncident()
        try incident.move(to: .inProgress, at: minute(1), by: "bob")
        try incident.hold(at: minute(2), by: "bob")
        let before = incident
        #expect(throws: DomainError.invalidField(field: "actor", value: "", expected: "a non-empty actor")) {
            try incident.assign(to: "carol", at: minute(3), by: "")
        }
        #expect(incident == before)
        #expect(incident.assignee == nil)
    }

    @Test("a link refused for a blank actor leaves the incident unlinked")
    func refusedLinkChangesNothing() throws {
        var incident = try newIncident()
        let before = incident
        #expect(throws: DomainError.invalidField(field: "actor", value: "", expected: "a non-empty actor")) {
            try incident.link(problem: 42, at: minute(3), by: "")
        }
        #expect(incident == before)
        #expect(incident.problemID == nil)
    }
}
