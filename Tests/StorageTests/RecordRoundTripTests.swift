import Domain
import SQLKit
import Storage
import Testing

/// Each record kind written, changed several times and saved, then read back: every field and the whole trail.
@Suite("Record round trips")
struct RecordRoundTripTests {
    @Test("an incident keeps every field and its whole audit trail across create and several saves", arguments: TestEngine.available)
    func incident(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let serviceID = try await store.makeService()
            let problemID = try #require(try await store.problems.create(Problem(title: "MTA crashes", at: t0, by: "erin")).id)

            let logged = try Incident(
                title: "Mail is down", description: "Nobody can send", category: "email", impact: .high, urgency: .medium,
                serviceID: serviceID, isMajor: true, at: t0, by: "alice"
            )
            let created = try await store.incidents.create(logged)
            let id = try #require(created.id)
            #expect(created.withoutEventIDs == logged.stored(id: id, version: 1))
            #expect(created.priority == .p2)  // high impact, medium urgency
            #expect(areAscending(created.eventIDs))

            var incident = created
            try incident.assign(to: "bob", at: m(5), by: "alice")
            try incident.resume(at: m(10), by: "bob")
            try incident.hold(at: m(20), by: "bob", reason: "waiting for vendor")
            let second = try await store.incidents.save(incident)
            #expect(second.withoutEventIDs == incident.stored(id: id, version: 2))
            #expect(second.eventIDs.first == created.eventIDs.first)  // stored events are never rewritten

            incident = second
            try incident.resume(at: m(60), by: "bob")
            try incident.link(problem: problemID, at: m(61), by: "bob")
            try incident.reprioritise(impact: .high, urgency: .high, at: m(62), by: "carol")
            try incident.resolve(at: m(90), by: "bob", note: "restarted the MTA")
            let third = try await store.incidents.save(incident)
            #expect(third.version == 3)
            #expect(Array(third.eventIDs.prefix(6)) == second.eventIDs)

            incident = third
            try incident.reopen(at: m(120), by: "alice", reason: "still bouncing")
            try incident.resolve(at: m(150), by: "bob")
            try incident.close(at: m(200), by: "alice")
            let saved = try await store.incidents.save(incident)
            #expect(saved.withoutEventIDs == incident.stored(id: id, version: 4))

            let read = try await store.incidents.get(id)
            #expect(read == saved)
            #expect(read.title == "Mail is down")
            #expect(read.description == "Nobody can send")
            #expect(read.category == "email")
            #expect(read.impact == .high)
            #expect(read.urgency == .high)
            #expect(read.priority == .p1)
            #expect(read.state == .closed)
            #expect(read.serviceID == serviceID)
            #expect(read.problemID == problemID)
            #expect(read.isMajor)
            #expect(read.assignee == "bob")
            #expect(read.version == 4)
            #expect(read.withoutEventIDs.events == [
                event(t0, "alice", .created, to: .new),
                event(m(5), "alice", .transitioned, from: .new, to: .assigned),
                event(m(5), "alice", .assigned, detail: "bob"),
                event(m(10), "bob", .transitioned, from: .assigned, to: .inProgress),
                event(m(10), "bob", .firstResponse),
                event(m(20), "bob", .transitioned, from: .inProgress, to: .onHold, detail: "waiting for vendor"),
                event(m(60), "bob", .transitioned, from: .onHold, to: .inProgress),
                event(m(61), "bob", .linked, detail: "problem \(problemID)"),
                event(m(62), "carol", .reprioritised, detail: "P2 -> P1"),
                event(m(90), "bob", .transitioned, from: .inProgress, to: .resolved, detail: "restarted the MTA"),
                event(m(120), "alice", .reopened, from: .resolved, to: .inProgress, detail: "still bouncing"),
                event(m(150), "bob", .transitioned, from: .inProgress, to: .resolved),
                event(m(200), "alice", .transitioned, from: .resolved, to: .closed),
            ] as [RecordEvent<IncidentState>])
            #expect(areAscending(read.eventIDs))
            #expect(read.openedAt == t0)
            #expect(read.firstResponseAt == m(10))
            #expect(read.resolvedAt == m(150))
            #expect(read.closedAt == m(200))
            #expect(read.reopenCount == 1)

            // The columns the period queries use hold the facts derived from the trail, in microseconds.
            let columns = try await store.database.withSession { db in
                try #require(try await db.raw("SELECT opened_at_us, first_response_at_us, resolved_at_us, closed_at_us FROM incidents WHERE id = \(bind: id)").first())
            }
            #expect(try columns.decode(column: "opened_at_us", as: Int64.self) == 1_772_442_000_000_000)
            #expect(try columns.decode(column: "first_response_at_us", as: Int64.self) == 1_772_442_600_000_000)
            #expect(try columns.decode(column: "resolved_at_us", as: Int64.self) == 1_772_451_000_000_000)
            #expect(try columns.decode(column: "closed_at_us", as: Int64.self) == 1_772_454_000_000_000)
            #expect(try await store.database.rowCount("record_events") == 1 + 1 + 13)  // service, problem, incident
        }
    }

    @Test("a problem keeps its fields and trail, and lists the incidents linked to it", arguments: TestEngine.available)
    func problem(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let serviceID = try await store.makeService()
            let opened = try Problem(title: "MTA crashes under load", description: "Postfix runs out of memory", serviceID: serviceID, at: t0, by: "erin")
            let created = try await store.problems.create(opened)
            let id = try #require(created.id)
            #expect(created.withoutEventIDs == opened.stored(id: id, version: 1))
            #expect(created.incidentIDs == [])

            var problem = created
            try problem.move(to: .investigating, at: m(30), by: "erin")
            try problem.document(rootCause: "queue manager leak", workaround: "restart postfix nightly", at: m(45), by: "erin")
            try problem.markKnownError(at: m(50), by: "erin")
            let second = try await store.problems.save(problem)
            #expect(second.withoutEventIDs == problem.stored(id: id, version: 2))

            // Two incidents linked to it, one not; plus one linked after creation.
            var first = try Incident(title: "Bounces", impact: .low, urgency: .low, at: m(60), by: "alice")
            try first.link(problem: id, at: m(61), by: "alice")
            let firstID = try #require(try await store.incidents.create(first).id)
            _ = try await store.openIncident("Unrelated printer jam", at: m(62))
            var later = try await store.openIncident("Slow delivery", at: m(63))
            try later.link(problem: id, at: m(64), by: "bob")
            let laterID = try #require(try await store.incidents.save(later).id)

            problem = try await store.problems.get(id)
            #expect(problem.incidentIDs == [firstID, laterID])
            #expect(try await store.incidents.linked(toProblem: id).map(\.id) == [firstID, laterID])

            try problem.move(to: .resolved, at: d(1), by: "erin", note: "patched in 3.8.1")
            let saved = try await store.problems.save(problem)
            let read = try await store.problems.get(id)
            #expect(read == saved)
            #expect(read.version == 3)
            #expect(read.title == "MTA crashes under load")
            #expect(read.description == "Postfix runs out of memory")
            #expect(read.serviceID == serviceID)
            #expect(read.state == .resolved)
            #expect(read.rootCause == "queue manager leak")
            #expect(read.workaround == "restart postfix nightly")
            #expect(read.isKnownError)
            #expect(read.incidentIDs == [firstID, laterID])
            #expect(read.withoutEventIDs.events == [
                event(t0, "erin", .created, to: .new),
                event(m(30), "erin", .transitioned, from: .new, to: .investigating),
                event(m(45), "erin", .updated, detail: "root cause/workaround documented"),
                event(m(50), "erin", .knownError),
                event(d(1), "erin", .transitioned, from: .investigating, to: .resolved, detail: "patched in 3.8.1"),
            ] as [RecordEvent<ProblemState>])
            #expect(areAscending(read.eventIDs))
            #expect(read.knownErrorAt == m(50))
            #expect(read.resolvedAt == d(1))
        }
    }

    @Test("a service keeps its fields and portfolio trail; optional fields stay absent", arguments: TestEngine.available)
    func service(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let calendarID = try await store.makeCalendar()
            let target = try SLATarget(response: .minutes(30), resolution: .hours(8))
            let slaID = try #require(try await store.slas.create(ServiceLevelAgreement(name: "Gold", calendarID: calendarID, targets: [.p2: target])).id)

            let proposed = try Service(
                name: "Mail", description: "Corporate email", owner: "it-ops", criticality: .high, status: .pipeline,
                slaID: slaID, at: t0, by: "alice"
            )
            let created = try await store.services.create(proposed)
            let id = try #require(created.id)
            #expect(created.withoutEventIDs == proposed.stored(id: id, version: 1))

            var service = created
            try service.move(to: .catalog, at: d(1), by: "bob")
            service = try await store.services.save(service)
            #expect(service.version == 2)
            try service.move(to: .retired, at: d(30), by: "bob")
            let saved = try await store.services.save(service)

            let read = try await store.services.get(id)
            #expect(read == saved)
            #expect(read.version == 3)
            #expect(read.name == "Mail")
            #expect(read.description == "Corporate email")
            #expect(read.owner == "it-ops")
            #expect(read.criticality == .high)
            #expect(read.status == .retired)
            #expect(read.slaID == slaID)
            #expect(read.withoutEventIDs.events == [
                event(t0, "alice", .created, to: .pipeline),
                event(d(1), "bob", .transitioned, from: .pipeline, to: .catalog),
                event(d(30), "bob", .transitioned, from: .catalog, to: .retired),
            ] as [RecordEvent<PortfolioStatus>])
            #expect(read.statusSince == d(30))
            #expect(try await store.services.named("Mail") == read)
            #expect(try await store.services.named("mail") == nil)

            let bare = try Service(name: "Print", at: t0, by: "alice")
            let storedBare = try await store.services.create(bare)
            #expect(storedBare.withoutEventIDs == bare.stored(id: storedBare.id, version: 1))
            #expect(storedBare.description == nil)
            #expect(storedBare.owner == nil)
            #expect(storedBare.criticality == .medium)
            #expect(storedBare.slaID == nil)
        }
    }

    @Test("text with quotes, newlines and non-ASCII characters round-trips unchanged", arguments: TestEngine.available)
    func awkwardText(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let name = "Café ☕ 'Mail' \"Relay\"; DROP TABLE services; --"
            let description = "Line one\nLine two\twith a tab, ümlauts, 日本語 and an emoji 📨"
            let service = try await store.services.create(try Service(name: name, description: description, at: t0, by: "Zoë"))
            let read = try await store.services.get(try #require(service.id))
            #expect(read.name == name)
            #expect(read.description == description)
            #expect(read.events.first?.actor == "Zoë")
            #expect(try await store.services.named(name)?.id == service.id)
            #expect(try await store.database.rowCount("services") == 1)
        }
    }

    @Test("a service request keeps its fields and trail through fulfilment and closure", arguments: TestEngine.available)
    func request(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let serviceID = try await store.makeService("Workplace")
            let raised = try ServiceRequest(title: "New laptop", requester: "frank", serviceID: serviceID, priority: .p3, at: t0, by: "frank")
            let created = try await store.requests.create(raised)
            let id = try #require(created.id)
            #expect(created.withoutEventIDs == raised.stored(id: id, version: 1))

            var request = created
            try request.move(to: .approved, at: m(60), by: "grace", note: "budget approved")
            try request.move(to: .inFulfilment, at: m(120), by: "henry")
            request = try await store.requests.save(request)
            try request.move(to: .fulfilled, at: d(1), by: "henry", note: "delivered to desk 4")
            request = try await store.requests.save(request)
            try request.move(to: .closed, at: d(2), by: "frank")
            let saved = try await store.requests.save(request)

            let read = try await store.requests.get(id)
            #expect(read == saved)
            #expect(read.version == 4)
            #expect(read.title == "New laptop")
            #expect(read.requester == "frank")
            #expect(read.serviceID == serviceID)
            #expect(read.priority == .p3)
            #expect(read.state == .closed)
            #expect(read.withoutEventIDs.events == [
                event(t0, "frank", .created, to: .new),
                event(m(60), "grace", .transitioned, from: .new, to: .approved, detail: "budget approved"),
                event(m(120), "henry", .transitioned, from: .approved, to: .inFulfilment),
                event(d(1), "henry", .transitioned, from: .inFulfilment, to: .fulfilled, detail: "delivered to desk 4"),
                event(d(2), "frank", .transitioned, from: .fulfilled, to: .closed),
            ] as [RecordEvent<RequestState>])
            #expect(read.fulfilledAt == d(1))
        }
    }

    @Test("an improvement keeps its metric values exactly, its due date and its measurements", arguments: TestEngine.available)
    func improvement(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let serviceID = try await store.makeService()
            let dueDate = try #require(CivilDate(year: 2026, month: 6, day: 30))
            let proposed = try Improvement(
                title: "Cut P2 resolution time", owner: "ivy", serviceID: serviceID, metric: "MTTR P2 (business hours)",
                baseline: 12.3, target: 8.1, dueDate: dueDate, at: t0, by: "ivy"
            )
            let created = try await store.improvements.create(proposed)
            let id = try #require(created.id)
            #expect(created.withoutEventIDs == proposed.stored(id: id, version: 1))

            var improvement = created
            try improvement.move(to: .approved, at: d(1), by: "jack")
            try improvement.move(to: .inProgress, at: d(2), by: "ivy")
            try improvement.measure(10.7, at: d(10), by: "ivy")
            let saved = try await store.improvements.save(improvement)

            let read = try await store.improvements.get(id)
            #expect(read == saved)
            #expect(read.version == 2)
            #expect(read.title == "Cut P2 resolution time")
            #expect(read.owner == "ivy")
            #expect(read.serviceID == serviceID)
            #expect(read.metric == "MTTR P2 (business hours)")
            // Exact doubles: 12.3, 8.1 and 10.7 have no short binary form, so any narrowing shows.
            #expect(read.baseline == 12.3)
            #expect(read.target == 8.1)
            #expect(read.current == 10.7)
            #expect(read.dueDate == dueDate)
            #expect(read.state == .inProgress)
            #expect(read.withoutEventIDs.events == [
                event(t0, "ivy", .created, to: .proposed),
                event(t0, "ivy", .measured, detail: "12.3"),
                event(d(1), "jack", .transitioned, from: .proposed, to: .approved),
                event(d(2), "ivy", .transitioned, from: .approved, to: .inProgress),
                event(d(10), "ivy", .measured, detail: "10.7"),
            ] as [RecordEvent<ImprovementState>])
            #expect(read.value(asOf: d(5)) == 12.3)

            let bare = try Improvement(title: "Fewer printer tickets", metric: "tickets per week", baseline: 40, target: 20, at: t0, by: "ivy")
            let storedBare = try await store.improvements.create(bare)
            #expect(storedBare.withoutEventIDs == bare.stored(id: storedBare.id, version: 1))
            #expect(storedBare.owner == nil)
            #expect(storedBare.serviceID == nil)
            #expect(storedBare.dueDate == nil)
        }
    }
}
