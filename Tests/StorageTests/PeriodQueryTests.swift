import Domain
import Storage
import Testing

/// The period and state queries the digests run. Periods are half-open: the start is in, the end is out.
@Suite("Period and state queries")
struct PeriodQueryTests {
    @Test("incidents opened in a period: the first instant is in, the end instant is out", arguments: TestEngine.available)
    func openedIn(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.openIncident("last of February", at: justBefore(march.lowerBound))
            _ = try await store.openIncident("first of March", at: march.lowerBound)
            _ = try await store.openIncident("last of March", at: justBefore(march.upperBound))
            _ = try await store.openIncident("first of April", at: march.upperBound)

            let inMarch = try await store.incidents.list(RecordFilter(openedIn: march))
            #expect(inMarch.map(\.title) == ["first of March", "last of March"])
            let firstMicrosecond = try await store.incidents.list(RecordFilter(openedIn: march.lowerBound..<after(march.lowerBound, microseconds: 1)))
            #expect(firstMicrosecond.map(\.title) == ["first of March"])
            #expect(try await store.incidents.list(RecordFilter(openedIn: march.upperBound..<march.upperBound)).isEmpty)
        }
    }

    @Test("incidents resolved in a period count by their latest resolution, and only while resolved", arguments: TestEngine.available)
    func resolvedIn(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let opened = justBefore(justBefore(march.lowerBound))
            func resolved(_ title: String, at instant: Instant) async throws -> Incident {
                var incident = try await store.openIncident(title, at: opened)
                try incident.resolve(at: instant, by: "bob")
                return try await store.incidents.save(incident)
            }
            _ = try await resolved("at the start", at: march.lowerBound)
            _ = try await resolved("at the end", at: march.upperBound)
            _ = try await resolved("just before the end", at: justBefore(march.upperBound))
            _ = try await resolved("just before the start", at: justBefore(march.lowerBound))
            _ = try await store.openIncident("never resolved", at: m(0))

            var again = try await resolved("resolved in February, again in March", at: justBefore(march.lowerBound))
            try again.reopen(at: m(0), by: "alice")
            try again.resolve(at: m(30), by: "bob")
            _ = try await store.incidents.save(again)

            var reopened = try await resolved("resolved in March, reopened", at: m(0))
            try reopened.reopen(at: m(30), by: "alice")
            _ = try await store.incidents.save(reopened)

            var closed = try await resolved("resolved in March, then closed in April", at: m(60))
            try closed.close(at: march.upperBound, by: "alice")
            _ = try await store.incidents.save(closed)

            #expect(try await store.incidents.resolved(in: march).map(\.title) == [
                "at the start", "just before the end", "resolved in February, again in March",
                "resolved in March, then closed in April",
            ])
        }
    }

    @Test("incidents open at an instant: opened by then and not yet resolved", arguments: TestEngine.available)
    func openAt(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            var early = try await store.openIncident("resolved after an hour", at: t0)
            try early.resolve(at: m(60), by: "bob")
            early = try await store.incidents.save(early)
            _ = try await store.openIncident("still open", at: m(30))
            var closed = try await store.openIncident("resolved and closed", at: m(10))
            try closed.resolve(at: m(20), by: "bob")
            try closed.close(at: m(25), by: "bob")
            closed = try await store.incidents.save(closed)

            func titlesOpen(at instant: Instant) async throws -> [String] { try await store.incidents.open(at: instant).map(\.title) }
            #expect(try await titlesOpen(at: justBefore(t0)) == [])
            #expect(try await titlesOpen(at: t0) == ["resolved after an hour"])
            #expect(try await titlesOpen(at: m(15)) == ["resolved after an hour", "resolved and closed"])
            #expect(try await titlesOpen(at: m(20)) == ["resolved after an hour"])
            #expect(try await titlesOpen(at: justBefore(m(60))) == ["resolved after an hour", "still open"])
            #expect(try await titlesOpen(at: m(60)) == ["still open"])
            #expect(try await titlesOpen(at: d(365)) == ["still open"])
        }
    }

    @Test("an incident is not open between a resolution and its reopening", arguments: TestEngine.available)
    func openAtAcrossReopening(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            // Opened 09:00, resolved 10:00, reopened 12:00, resolved again 14:00.
            var twice = try await store.openIncident("resolved twice", at: t0)
            try twice.resolve(at: m(60), by: "bob")
            try twice.reopen(at: m(180), by: "alice")
            try twice.resolve(at: m(300), by: "bob")
            _ = try await store.incidents.save(twice)
            // Opened 09:00, resolved 10:00, reopened 12:00 and still being worked on.
            var reopened = try await store.openIncident("reopened, still open", at: t0)
            try reopened.resolve(at: m(60), by: "bob")
            try reopened.reopen(at: m(180), by: "alice")
            _ = try await store.incidents.save(reopened)

            func titlesOpen(at instant: Instant) async throws -> [String] { try await store.incidents.open(at: instant).map(\.title) }
            #expect(try await titlesOpen(at: m(30)) == ["resolved twice", "reopened, still open"])
            #expect(try await titlesOpen(at: m(60)) == [])
            #expect(try await titlesOpen(at: m(120)) == [])
            #expect(try await titlesOpen(at: m(180)) == ["resolved twice", "reopened, still open"])
            #expect(try await titlesOpen(at: m(240)) == ["resolved twice", "reopened, still open"])
            #expect(try await titlesOpen(at: m(300)) == ["reopened, still open"])
        }
    }

    @Test("change windows overlapping a period; windows that only touch it are out", arguments: TestEngine.available)
    func changeWindows(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            // The period: 2026-03-02T09:00Z .. 2026-03-02T17:00Z.
            let period = t0..<m(480)
            func planned(_ title: String, from start: Instant, to end: Instant) async throws {
                _ = try await store.changes.create(
                    try Change(title: title, type: .standard, risk: .low, window: try ChangeWindow(start: start, end: end), at: d(-7), by: "alice")
                )
            }
            try await planned("ends as the period starts", from: m(-60), to: t0)
            try await planned("starts as the period ends", from: m(480), to: m(540))
            try await planned("straddles the start", from: justBefore(t0), to: after(t0, microseconds: 1))
            try await planned("inside", from: m(60), to: m(120))
            try await planned("covers the period", from: d(-1), to: d(1))
            _ = try await store.changes.create(try Change(title: "not planned yet", type: .standard, risk: .low, at: d(-7), by: "alice"))
            try await planned("straddles the end", from: justBefore(m(480)), to: m(600))
            try await planned("the day before", from: d(-1), to: m(-600))

            #expect(try await store.changes.windows(overlapping: period).map(\.title) == [
                "straddles the start", "inside", "covers the period", "straddles the end",
            ])
            let inside = try #require(try await store.changes.windows(overlapping: m(90)..<m(91)).first { $0.title == "inside" })
            #expect(inside.window == (try ChangeWindow(start: m(60), end: m(120))))
        }
    }

    @Test("changes implemented in a period", arguments: TestEngine.available)
    func implementedIn(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            func implemented(_ title: String, at instant: Instant) async throws {
                var change = try await store.changes.create(try Change(title: title, type: .standard, risk: .low, at: d(-60), by: "alice"))
                try change.submit(at: d(-60), by: "alice")
                try change.schedule(try ChangeWindow(start: justBefore(instant), end: after(instant, microseconds: 1)), at: d(-59), by: "alice")
                try change.implement(outcome: .successful, at: instant, by: "alice")
                _ = try await store.changes.save(change)
            }
            try await implemented("end of February", at: justBefore(march.lowerBound))
            try await implemented("start of March", at: march.lowerBound)
            try await implemented("end of March", at: justBefore(march.upperBound))
            try await implemented("start of April", at: march.upperBound)
            _ = try await store.changes.create(try Change(title: "never implemented", type: .standard, risk: .low, at: m(0), by: "alice"))

            let inMarch = try await store.changes.implemented(in: march)
            #expect(inMarch.map(\.title) == ["start of March", "end of March"])
            #expect(inMarch.map(\.implementedAt) == [march.lowerBound, justBefore(march.upperBound)])
        }
    }

    @Test("requests fulfilled in a period", arguments: TestEngine.available)
    func fulfilledIn(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            func fulfilled(_ title: String, at instant: Instant) async throws {
                var request = try await store.requests.create(try ServiceRequest(title: title, requester: "frank", at: d(-60), by: "frank"))
                try request.move(to: .inFulfilment, at: d(-59), by: "henry")
                try request.move(to: .fulfilled, at: instant, by: "henry")
                _ = try await store.requests.save(request)
            }
            try await fulfilled("end of February", at: justBefore(march.lowerBound))
            try await fulfilled("start of March", at: march.lowerBound)
            try await fulfilled("end of March", at: justBefore(march.upperBound))
            try await fulfilled("start of April", at: march.upperBound)

            #expect(try await store.requests.fulfilled(in: march).map(\.title) == ["start of March", "end of March"])
        }
    }

    @Test("problems that became known errors in a period", arguments: TestEngine.available)
    func knownErrors(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            func knownError(_ title: String, at instant: Instant) async throws {
                var problem = try await store.problems.create(try Problem(title: title, at: d(-60), by: "erin"))
                try problem.document(rootCause: nil, workaround: "restart it", at: d(-59), by: "erin")
                try problem.markKnownError(at: instant, by: "erin")
                _ = try await store.problems.save(problem)
            }
            try await knownError("end of February", at: justBefore(march.lowerBound))
            try await knownError("start of March", at: march.lowerBound)
            try await knownError("end of March", at: justBefore(march.upperBound))
            try await knownError("start of April", at: march.upperBound)
            _ = try await store.problems.create(try Problem(title: "not a known error", at: m(0), by: "erin"))

            let inMarch = try await store.problems.knownErrors(addedIn: march)
            #expect(inMarch.map(\.title) == ["start of March", "end of March"])
            #expect(inMarch.map(\.knownErrorAt) == [march.lowerBound, justBefore(march.upperBound)])
        }
    }

    @Test("freeze windows overlapping a period, with their services; touching ones are out", arguments: TestEngine.available)
    func freezes(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let mail = try await store.makeService("Mail")
            let web = try await store.makeService("Web")
            let period = t0..<m(480)
            let touchingStart = try await store.freezes.create(try FreezeWindow(name: "ends as the period starts", start: m(-60), end: t0))
            let inside = try await store.freezes.create(try FreezeWindow(name: "inside", start: m(60), end: m(120), serviceIDs: [mail, web]))
            _ = try await store.freezes.create(try FreezeWindow(name: "starts as the period ends", start: m(480), end: m(540)))
            let straddling = try await store.freezes.create(
                try FreezeWindow(name: "straddles the start", start: justBefore(t0), end: after(t0, microseconds: 1), serviceIDs: [web])
            )
            let covering = try await store.freezes.create(try FreezeWindow(name: "year end", start: d(-30), end: d(30)))
            #expect(touchingStart.id != nil)

            let found = try await store.freezes.overlapping(period)
            // Ordered by start.
            #expect(found == [covering, straddling, inside])
            #expect(found.map(\.name) == ["year end", "straddles the start", "inside"])
            #expect(found.map(\.serviceIDs) == [[], [web], [mail, web]])
            #expect(try await store.freezes.overlapping(m(-60)..<t0).map(\.name) == ["year end", "ends as the period starts", "straddles the start"])
        }
    }

    @Test("a filter with an empty set of states matches no record", arguments: TestEngine.available)
    func emptyStateSet(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.openIncident("Mail is down", at: t0)
            _ = try await store.makeService("Web")
            // nil admits any state; an empty set admits none (e.g. a digest section whose states were all deselected).
            #expect(try await store.incidents.list(RecordFilter(states: [])) == [])
            #expect(try await store.services.list(RecordFilter(states: [])) == [])
            #expect(try await store.incidents.list(RecordFilter(states: nil)).count == 1)
        }
    }

    @Test("record filters select by state, by service and both, and limit the count in id order", arguments: TestEngine.available)
    func filters(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let mail = try await store.makeService("Mail")
            let web = try await store.makeService("Web")
            func incident(_ title: String, on serviceID: Int64?, moving: (inout Incident) throws -> Void = { _ in }) async throws {
                var incident = try await store.openIncident(title, at: t0, serviceID: serviceID)
                try moving(&incident)
                _ = try await store.incidents.save(incident)
            }
            try await incident("mail new", on: mail)
            try await incident("web assigned", on: web) { try $0.assign(to: "bob", at: m(1), by: "bob") }
            try await incident("mail resolved", on: mail) { try $0.resolve(at: m(2), by: "bob") }
            try await incident("mail assigned", on: mail) { try $0.assign(to: "bob", at: m(3), by: "bob") }
            try await incident("no service, new", on: nil)
            try await incident("web closed", on: web) {
                try $0.resolve(at: m(4), by: "bob")
                try $0.close(at: m(5), by: "bob")
            }

            func titles(_ filter: RecordFilter<IncidentState>) async throws -> [String] { try await store.incidents.list(filter).map(\.title) }
            #expect(try await titles(RecordFilter()) == ["mail new", "web assigned", "mail resolved", "mail assigned", "no service, new", "web closed"])
            #expect(try await titles(RecordFilter(states: [.new, .assigned])) == ["mail new", "web assigned", "mail assigned", "no service, new"])
            #expect(try await titles(RecordFilter(states: [.closed])) == ["web closed"])
            #expect(try await titles(RecordFilter(states: [.onHold])) == [])
            #expect(try await titles(RecordFilter(serviceID: mail)) == ["mail new", "mail resolved", "mail assigned"])
            #expect(try await titles(RecordFilter(states: [.assigned], serviceID: mail)) == ["mail assigned"])
            #expect(try await titles(RecordFilter(states: [.new, .assigned], limit: 2)) == ["mail new", "web assigned"])
            #expect(try await titles(RecordFilter(serviceID: mail, openedIn: t0..<m(1))) == ["mail new", "mail resolved", "mail assigned"])
            #expect(try await titles(RecordFilter(serviceID: mail, openedIn: m(1)..<m(2))) == [])

            // Services filter on their portfolio status column.
            var retired = try await store.services.get(web)
            try retired.move(to: .retired, at: m(10), by: "alice")
            _ = try await store.services.save(retired)
            #expect(try await store.services.list(RecordFilter(states: [.pipeline])).map(\.name) == ["Mail"])
            #expect(try await store.services.list(RecordFilter(states: [.retired])).map(\.name) == ["Web"])
        }
    }
}
