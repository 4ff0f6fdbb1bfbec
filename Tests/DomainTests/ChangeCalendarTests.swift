import Testing
@testable import Domain

private func instant(_ text: String) throws -> Instant {
    try #require(Instant(iso8601: text), "not an ISO 8601 instant: \(text)")
}

private func span(_ start: String, _ end: String) throws -> Range<Instant> {
    try instant(start)..<instant(end)
}

/// A stored change with a planned window on the calendar.
private func plannedChange(
    _ id: Int64?, service: Int64?, _ start: String, _ end: String, state: ChangeState = .scheduled
) throws -> Change {
    var change = Change(
        stored: 0, version: 1, title: "Change \(id.map(String.init) ?? "draft")", description: nil, type: .normal,
        risk: .medium, serviceID: service, window: try ChangeWindow(start: instant(start), end: instant(end)),
        approval: CABApproval(approvers: ["alice"]), outcome: nil, state: state, incidentIDs: [], events: []
    )
    change.id = id
    return change
}

private func freeze(_ name: String, _ start: String, _ end: String, services: [Int64] = []) throws -> FreezeWindow {
    try FreezeWindow(name: name, start: instant(start), end: instant(end), serviceIDs: services)
}

@Suite("Change calendar: collisions")
struct ChangeCollisionTests {
    @Test("two changes to the same service with overlapping windows are one collision over the overlap")
    func overlapCollides() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(7, service: 1, "2026-03-14T22:00Z", "2026-03-15T02:00Z"),
            try plannedChange(3, service: 1, "2026-03-15T01:00Z", "2026-03-15T04:00Z"),
        ], freezes: [])
        #expect(calendar.conflicts() == [
            .collision(first: 3, second: 7, serviceID: 1, overlap: try span("2026-03-15T01:00Z", "2026-03-15T02:00Z")),
        ])
    }

    @Test("a window inside another collides over the inner window")
    func nestedWindows() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 5, "2026-03-14T20:00Z", "2026-03-14T23:00Z"),
            try plannedChange(2, service: 5, "2026-03-14T21:00Z", "2026-03-14T21:30Z"),
        ], freezes: [])
        #expect(calendar.conflicts() == [
            .collision(first: 1, second: 2, serviceID: 5, overlap: try span("2026-03-14T21:00Z", "2026-03-14T21:30Z")),
        ])
    }

    @Test("identical windows collide over the whole window")
    func identicalWindows() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(4, service: 5, "2026-03-14T20:00Z", "2026-03-14T23:00Z"),
            try plannedChange(2, service: 5, "2026-03-14T20:00Z", "2026-03-14T23:00Z"),
        ], freezes: [])
        #expect(calendar.conflicts() == [
            .collision(first: 2, second: 4, serviceID: 5, overlap: try span("2026-03-14T20:00Z", "2026-03-14T23:00Z")),
        ])
    }

    @Test("windows that only touch (one ends as the next starts) do not collide")
    func touchingWindows() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 1, "2026-03-14T22:00Z", "2026-03-15T02:00Z"),
            try plannedChange(2, service: 1, "2026-03-15T02:00Z", "2026-03-15T04:00Z"),
        ], freezes: [])
        #expect(calendar.conflicts() == [])
    }

    @Test("overlapping changes to different services do not collide")
    func differentServices() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 1, "2026-03-14T22:00Z", "2026-03-15T02:00Z"),
            try plannedChange(2, service: 2, "2026-03-14T23:00Z", "2026-03-15T01:00Z"),
        ], freezes: [])
        #expect(calendar.conflicts() == [])
    }

    @Test("changes without a service do not collide, not even with each other")
    func noService() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: nil, "2026-03-14T22:00Z", "2026-03-15T02:00Z"),
            try plannedChange(2, service: nil, "2026-03-14T23:00Z", "2026-03-15T01:00Z"),
            try plannedChange(3, service: 1, "2026-03-14T23:00Z", "2026-03-15T01:00Z"),
        ], freezes: [])
        #expect(calendar.conflicts() == [])
    }

    @Test("three overlapping changes to one service are three collisions")
    func threeWay() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(30, service: 1, "2026-03-14T21:30Z", "2026-03-14T23:30Z"),
            try plannedChange(10, service: 1, "2026-03-14T20:00Z", "2026-03-14T23:00Z"),
            try plannedChange(20, service: 1, "2026-03-14T21:00Z", "2026-03-14T22:00Z"),
        ], freezes: [])
        let conflicts = calendar.conflicts()
        #expect(conflicts.count == 3)
        #expect(conflicts.first == .collision(first: 10, second: 20, serviceID: 1, overlap: try span("2026-03-14T21:00Z", "2026-03-14T22:00Z")))
        #expect(Set(conflicts) == [
            .collision(first: 10, second: 20, serviceID: 1, overlap: try span("2026-03-14T21:00Z", "2026-03-14T22:00Z")),
            .collision(first: 10, second: 30, serviceID: 1, overlap: try span("2026-03-14T21:30Z", "2026-03-14T23:00Z")),
            .collision(first: 20, second: 30, serviceID: 1, overlap: try span("2026-03-14T21:30Z", "2026-03-14T22:00Z")),
        ])
    }

    @Test("a long window collides with a later change even when a change to another service starts in between")
    func longWindowAcrossOthers() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 1, "2026-03-14T20:00Z", "2026-03-15T02:00Z"),
            try plannedChange(2, service: 2, "2026-03-14T20:30Z", "2026-03-14T20:45Z"),
            try plannedChange(3, service: 1, "2026-03-15T01:00Z", "2026-03-15T03:00Z"),
        ], freezes: [])
        #expect(calendar.conflicts() == [
            .collision(first: 1, second: 3, serviceID: 1, overlap: try span("2026-03-15T01:00Z", "2026-03-15T02:00Z")),
        ])
    }

    @Test("changes still to happen take part in collisions", arguments: [
        ChangeState.new, .awaitingApproval, .authorised, .scheduled,
    ])
    func plannedStatesCount(state: ChangeState) throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 1, "2026-03-14T22:00Z", "2026-03-15T02:00Z"),
            try plannedChange(2, service: 1, "2026-03-15T00:00Z", "2026-03-15T04:00Z", state: state),
        ], freezes: [])
        #expect(calendar.conflicts() == [
            .collision(first: 1, second: 2, serviceID: 1, overlap: try span("2026-03-15T00:00Z", "2026-03-15T02:00Z")),
        ])
    }

    @Test("rejected, cancelled and already implemented changes are ignored", arguments: [
        ChangeState.rejected, .cancelled, .implemented, .reviewed, .closed,
    ])
    func finishedStatesIgnored(state: ChangeState) throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 1, "2026-03-14T22:00Z", "2026-03-15T02:00Z"),
            try plannedChange(2, service: 1, "2026-03-15T00:00Z", "2026-03-15T04:00Z", state: state),
        ], freezes: [
            try freeze("Quarter end", "2026-03-15T03:00Z", "2026-03-16T00:00Z"),
        ])
        #expect(calendar.conflicts() == [])
    }

    @Test("changes without an id or without a window are ignored")
    func incompleteChangesIgnored() throws {
        var unwindowed = try plannedChange(5, service: 1, "2026-03-14T21:00Z", "2026-03-14T22:00Z")
        unwindowed.window = nil
        // Would collide with change 1 over 22:00-22:30 and sit in the freeze over 22:45-23:00.
        let unsaved = try plannedChange(nil, service: 1, "2026-03-14T22:00Z", "2026-03-14T23:00Z")
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 1, "2026-03-14T20:00Z", "2026-03-14T22:30Z"),
            unwindowed,
            unsaved,
        ], freezes: [
            try freeze("Late", "2026-03-14T22:45Z", "2026-03-14T23:30Z"),
        ])
        #expect(unsaved.id == nil)
        #expect(calendar.conflicts() == [])
    }

    @Test("an empty calendar has no conflicts")
    func emptyCalendar() throws {
        #expect(ChangeCalendar(changes: [], freezes: [try freeze("Everything", "2026-03-14T00:00Z", "2026-03-15T00:00Z")]).conflicts() == [])
    }
}

@Suite("Change calendar: freezes")
struct ChangeFreezeTests {
    @Test("a change inside a freeze for every service conflicts over the overlap")
    func freezeForAllServices() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(5, service: 2, "2026-03-29T22:00Z", "2026-03-30T03:00Z"),
            try plannedChange(6, service: nil, "2026-03-31T10:00Z", "2026-03-31T11:00Z"),
        ], freezes: [
            try freeze("March close", "2026-03-30T00:00Z", "2026-04-02T00:00Z"),
        ])
        #expect(calendar.conflicts() == [
            .freeze(change: 5, freeze: "March close", overlap: try span("2026-03-30T00:00Z", "2026-03-30T03:00Z")),
            .freeze(change: 6, freeze: "March close", overlap: try span("2026-03-31T10:00Z", "2026-03-31T11:00Z")),
        ])
    }

    @Test("a freeze listing services applies to those services only")
    func freezeForListedServices() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 6, "2026-03-31T10:00Z", "2026-03-31T11:00Z"),
            try plannedChange(2, service: 3, "2026-03-31T12:00Z", "2026-03-31T13:00Z"),
            try plannedChange(3, service: nil, "2026-03-31T14:00Z", "2026-03-31T15:00Z"),
        ], freezes: [
            try freeze("Payroll run", "2026-03-31T00:00Z", "2026-04-01T00:00Z", services: [2, 6]),
        ])
        #expect(calendar.conflicts() == [
            .freeze(change: 1, freeze: "Payroll run", overlap: try span("2026-03-31T10:00Z", "2026-03-31T11:00Z")),
        ])
    }

    @Test("a freeze on another service does not apply")
    func freezeOnOtherService() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 3, "2026-03-31T10:00Z", "2026-03-31T11:00Z"),
        ], freezes: [
            try freeze("Payroll run", "2026-03-31T00:00Z", "2026-04-01T00:00Z", services: [2]),
        ])
        #expect(calendar.conflicts() == [])
    }

    @Test("a change ending as a freeze begins, or starting as it ends, is clear of it")
    func touchingFreeze() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 1, "2026-03-29T22:00Z", "2026-03-30T00:00Z"),
            try plannedChange(2, service: 2, "2026-04-02T00:00Z", "2026-04-02T02:00Z"),
        ], freezes: [
            try freeze("March close", "2026-03-30T00:00Z", "2026-04-02T00:00Z"),
        ])
        #expect(calendar.conflicts() == [])
    }

    @Test("a change spanning a whole freeze conflicts over the freeze")
    func changeSpansFreeze() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(1, service: 1, "2026-03-14T18:00Z", "2026-03-15T06:00Z"),
        ], freezes: [
            try freeze("DNS cutover", "2026-03-14T23:00Z", "2026-03-15T01:00Z", services: [1]),
        ])
        #expect(calendar.conflicts() == [
            .freeze(change: 1, freeze: "DNS cutover", overlap: try span("2026-03-14T23:00Z", "2026-03-15T01:00Z")),
        ])
    }

    @Test("conflicts are ordered by where their overlap starts")
    func orderedByOverlapStart() throws {
        let calendar = ChangeCalendar(changes: [
            try plannedChange(25, service: 3, "2026-03-14T21:30Z", "2026-03-14T22:30Z"),
            try plannedChange(22, service: 1, "2026-03-14T22:00Z", "2026-03-15T01:00Z"),
            try plannedChange(23, service: 2, "2026-03-14T18:00Z", "2026-03-14T19:00Z"),
            try plannedChange(21, service: 1, "2026-03-14T20:00Z", "2026-03-14T23:00Z"),
            try plannedChange(24, service: 3, "2026-03-14T21:00Z", "2026-03-14T21:45Z"),
        ], freezes: [
            try freeze("Payroll run", "2026-03-15T00:00Z", "2026-03-15T06:00Z", services: [1]),
            try freeze("Store-wide", "2026-03-14T18:30Z", "2026-03-14T19:30Z"),
        ])
        #expect(calendar.conflicts() == [
            .freeze(change: 23, freeze: "Store-wide", overlap: try span("2026-03-14T18:30Z", "2026-03-14T19:00Z")),
            .collision(first: 24, second: 25, serviceID: 3, overlap: try span("2026-03-14T21:30Z", "2026-03-14T21:45Z")),
            .collision(first: 21, second: 22, serviceID: 1, overlap: try span("2026-03-14T22:00Z", "2026-03-14T23:00Z")),
            .freeze(change: 22, freeze: "Payroll run", overlap: try span("2026-03-15T00:00Z", "2026-03-15T01:00Z")),
        ])
    }

    @Test("a freeze whose end is not after its start is rejected naming the end")
    func badFreeze() throws {
        let start = try instant("2026-12-20T00:00Z")
        #expect(throws: DomainError.invalidField(
            field: "end", value: "2026-12-20T00:00:00.000000Z", expected: "an end after the start (2026-12-20T00:00:00.000000Z)"
        )) {
            try FreezeWindow(name: "Year end", start: start, end: start)
        }
    }

    @Test("a freeze needs a name")
    func unnamedFreeze() throws {
        let start = try instant("2026-12-20T00:00Z")
        #expect(throws: DomainError.invalidField(field: "name", value: "", expected: "a non-empty name")) {
            try FreezeWindow(name: "", start: start, end: start + .days(1))
        }
    }

    @Test("an all-services freeze applies to any change, a listed one only to its services")
    func applies() throws {
        let all = try freeze("Year end", "2026-12-20T00:00Z", "2027-01-04T00:00Z")
        #expect(all.applies(to: 1))
        #expect(all.applies(to: nil))
        let listed = try freeze("Payroll", "2026-12-20T00:00Z", "2026-12-21T00:00Z", services: [4])
        #expect(listed.applies(to: 4))
        #expect(!listed.applies(to: 5))
        #expect(!listed.applies(to: nil))
    }
}
