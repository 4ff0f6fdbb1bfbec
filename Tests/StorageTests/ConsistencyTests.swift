import Domain
import SQLKit
import Storage
import Testing

/// A failure raised inside a transaction body on purpose.
private struct Abandon: Error, Equatable {}

/// Optimistic locking, references, unique names and transactions: what keeps the stored data consistent.
@Suite("Storage consistency")
struct ConsistencyTests {
    @Test("saving a stale copy of an incident is refused and changes nothing", arguments: TestEngine.available)
    func staleIncident(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let created = try await store.openIncident("Mail is down", at: t0)
            let id = try #require(created.id)
            var mine = try await store.incidents.get(id)
            var theirs = try await store.incidents.get(id)

            try theirs.assign(to: "bob", at: m(5), by: "bob")
            let saved = try await store.incidents.save(theirs)
            #expect(saved.version == 2)

            try mine.resolve(at: m(6), by: "alice", note: "works for me")
            let before = try await store.database.rowCounts()
            await #expect(throws: StorageError.concurrentUpdate(record: "incident", id: id)) {
                _ = try await store.incidents.save(mine)
            }
            #expect(try await store.incidents.get(id) == saved)
            #expect(try await store.database.rowCounts() == before)

            // Reloading and redoing the work succeeds.
            var reloaded = try await store.incidents.get(id)
            try reloaded.resolve(at: m(7), by: "alice")
            #expect(try await store.incidents.save(reloaded).version == 3)
        }
    }

    @Test("saving a stale copy of a change adds neither its votes nor its events", arguments: TestEngine.available)
    func staleChange(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            var change = try Change(title: "Upgrade Postfix", type: .normal, risk: .low, approvers: ["carol", "dave"], at: t0, by: "alice")
            try change.submit(at: m(1), by: "alice")
            let created = try await store.changes.create(change)
            let id = try #require(created.id)

            var theirs = created
            try theirs.vote(approver: "carol", approve: true, at: m(2))
            let saved = try await store.changes.save(theirs)

            var mine = created
            try mine.vote(approver: "dave", approve: false, comment: "not this week", at: m(3))
            let before = try await store.database.rowCounts()
            await #expect(throws: StorageError.concurrentUpdate(record: "change", id: id)) {
                _ = try await store.changes.save(mine)
            }
            #expect(try await store.changes.get(id) == saved)
            #expect(try await store.database.rowCounts() == before)
            #expect(before["change_votes"] == 1)
        }
    }

    @Test("of two saves of the same version racing each other, exactly one wins", arguments: TestEngine.available)
    func racingSaves(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let created = try await store.openIncident("Mail is down", at: t0)
            let id = try #require(created.id)
            var assigned = created
            try assigned.assign(to: "bob", at: m(1), by: "bob")
            var resolved = created
            try resolved.resolve(at: m(1), by: "alice")

            let outcomes = await withTaskGroup(of: Result<Incident, any Error>.self) { group in
                for incident in [assigned, resolved] {
                    group.addTask {
                        do { return .success(try await store.incidents.save(incident)) } catch { return .failure(error) }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.compactMap { try? $0.get() }
            let losers = outcomes.compactMap { outcome -> StorageError? in
                guard case .failure(let error) = outcome else { return nil }
                return error as? StorageError
            }
            #expect(winners.count == 1)
            #expect(losers == [.concurrentUpdate(record: "incident", id: id)])
            let winner = try #require(winners.first)
            #expect(try await store.incidents.get(id) == winner)
            #expect(winner.version == 2)
            // The winner's trail only: created plus its own two events (assigned: the move and the
            // assignment; resolved: the move and the first response).
            #expect(winner.events.count == 3)
            #expect(try await store.database.rowCount("record_events") == Int64(winner.events.count))
        }
    }

    @Test("saving a record that was never stored is refused as not found", arguments: TestEngine.available)
    func saveUnknownRecord(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let ghost = Incident(
                stored: 999, version: 1, title: "Ghost", description: nil, category: nil, impact: .low, urgency: .low,
                priority: .p4, state: .new, serviceID: nil, problemID: nil, isMajor: false, assignee: nil, events: []
            )
            await #expect(throws: StorageError.notFound(record: "incident", id: 999)) {
                _ = try await store.incidents.save(ghost)
            }
            await #expect(throws: StorageError.notFound(record: "incident", id: 999)) {
                _ = try await store.incidents.get(999)
            }
            await #expect(throws: StorageError.notFound(record: "calendar", id: 999)) {
                _ = try await store.calendars.get(999)
            }
            await #expect(throws: StorageError.notFound(record: "sla", id: 999)) {
                _ = try await store.slas.get(999)
            }
        }
    }

    @Test("a reference to a record that does not exist is refused, naming the field, and nothing is stored", arguments: TestEngine.available)
    func missingReferences(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let serviceID = try await store.makeService()
            let incident = try await store.openIncident("Mail is down", at: t0, serviceID: serviceID)
            let incidentID = try #require(incident.id)
            let before = try await store.database.rowCounts()

            await #expect(throws: StorageError.missingReference(field: "serviceID", id: 999)) {
                _ = try await store.incidents.create(try Incident(title: "x", impact: .low, urgency: .low, serviceID: 999, at: t0, by: "alice"))
            }
            await #expect(throws: StorageError.missingReference(field: "problemID", id: 998)) {
                var linked = try Incident(title: "x", impact: .low, urgency: .low, at: t0, by: "alice")
                try linked.link(problem: 998, at: t0, by: "alice")
                _ = try await store.incidents.create(linked)
            }
            await #expect(throws: StorageError.missingReference(field: "serviceID", id: 997)) {
                _ = try await store.problems.create(try Problem(title: "x", serviceID: 997, at: t0, by: "alice"))
            }
            await #expect(throws: StorageError.missingReference(field: "serviceID", id: 996)) {
                _ = try await store.changes.create(try Change(title: "x", type: .standard, risk: .low, serviceID: 996, at: t0, by: "alice"))
            }
            // The incident links are written after the change row: the whole insert must roll back.
            await #expect(throws: StorageError.missingReference(field: "incidentIDs", id: 995)) {
                var change = try Change(title: "x", type: .standard, risk: .low, serviceID: serviceID, at: t0, by: "alice")
                change.incidentIDs = [incidentID, 995]
                _ = try await store.changes.create(change)
            }
            await #expect(throws: StorageError.missingReference(field: "serviceID", id: 994)) {
                _ = try await store.requests.create(try ServiceRequest(title: "x", requester: "frank", serviceID: 994, at: t0, by: "frank"))
            }
            await #expect(throws: StorageError.missingReference(field: "serviceID", id: 993)) {
                _ = try await store.improvements.create(
                    try Improvement(title: "x", serviceID: 993, metric: "m", baseline: 1, target: 2, at: t0, by: "ivy")
                )
            }
            await #expect(throws: StorageError.missingReference(field: "slaID", id: 992)) {
                _ = try await store.services.create(try Service(name: "Print", slaID: 992, at: t0, by: "alice"))
            }
            await #expect(throws: StorageError.missingReference(field: "calendarID", id: 991)) {
                let target = try SLATarget(response: .minutes(15), resolution: .hours(4))
                _ = try await store.slas.create(try ServiceLevelAgreement(name: "Gold", calendarID: 991, targets: [.p1: target]))
            }
            await #expect(throws: StorageError.missingReference(field: "serviceIDs", id: 990)) {
                _ = try await store.freezes.create(try FreezeWindow(name: "Year end", start: d(1), end: d(2), serviceIDs: [serviceID, 990]))
            }
            #expect(try await store.database.rowCounts() == before)

            // On save, too: the stored incident stays as it was.
            var relinked = incident
            try relinked.link(problem: 989, at: m(1), by: "bob")
            await #expect(throws: StorageError.missingReference(field: "problemID", id: 989)) {
                _ = try await store.incidents.save(relinked)
            }
            #expect(try await store.incidents.get(incidentID) == incident)
            #expect(try await store.database.rowCounts() == before)
        }
    }

    @Test("the missing-reference error names the field and the id")
    func missingReferenceMessage() {
        #expect(StorageError.missingReference(field: "serviceID", id: 999).description == "serviceID: no record with id 999")
    }

    @Test("service, calendar and SLA names are unique", arguments: TestEngine.available)
    func duplicateNames(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            _ = try await store.makeService("Mail")
            let calendarID = try await store.makeCalendar("Office hours")
            let target = try SLATarget(response: .minutes(15), resolution: .hours(4))
            _ = try await store.slas.create(try ServiceLevelAgreement(name: "Gold", calendarID: calendarID, targets: [.p1: target]))
            let before = try await store.database.rowCounts()

            await #expect(throws: StorageError.duplicate(record: "service", field: "name", value: "Mail")) {
                _ = try await store.services.create(try Service(name: "Mail", at: m(1), by: "bob"))
            }
            await #expect(throws: StorageError.duplicate(record: "calendar", field: "name", value: "Office hours")) {
                _ = try await store.makeCalendar("Office hours")
            }
            await #expect(throws: StorageError.duplicate(record: "sla", field: "name", value: "Gold")) {
                _ = try await store.slas.create(try ServiceLevelAgreement(name: "Gold", calendarID: calendarID, targets: [.p2: target]))
            }
            #expect(try await store.database.rowCounts() == before)

            // Renaming another service onto a taken name is refused the same way, and leaves it as it was.
            let print = try await store.services.create(try Service(name: "Print", at: m(2), by: "bob"))
            var renamed = print
            renamed.name = "Mail"
            await #expect(throws: StorageError.duplicate(record: "service", field: "name", value: "Mail")) {
                _ = try await store.services.save(renamed)
            }
            #expect(try await store.services.get(try #require(print.id)) == print)
            #expect(
                StorageError.duplicate(record: "service", field: "name", value: "Mail").description
                    == "a service with name 'Mail' already exists"
            )
        }
    }

    @Test("a transaction whose body throws stores nothing; one that returns is committed", arguments: TestEngine.available)
    func transactionRollback(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            await #expect(throws: Abandon()) {
                try await store.database.transaction { db in
                    try await db.raw("INSERT INTO freeze_windows (name, start_us, end_us, service_ids) VALUES ('Year end', 1, 2, '[]')").run()
                    try await db.raw(
                        "INSERT INTO record_events (record_kind, record_id, at_us, actor, action) VALUES ('incident', 1, 1, 'alice', 'created')"
                    ).run()
                    throw Abandon()
                }
            }
            #expect(try await store.database.rowCount("freeze_windows") == 0)
            #expect(try await store.database.rowCount("record_events") == 0)

            // The connection is usable afterwards (no transaction left open), and a body that returns commits.
            let written = try await store.database.transaction { db in
                try await db.raw("INSERT INTO freeze_windows (name, start_us, end_us, service_ids) VALUES ('Year end', 1, 2, '[]')").run()
                return "committed"
            }
            #expect(written == "committed")
            #expect(try await store.database.rowCount("freeze_windows") == 1)
        }
    }
}
