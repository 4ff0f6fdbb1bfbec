import Domain
import Storage
import Testing

/// `createAll`, what an import writes each batch with: a few multi-row statements for many records,
/// which must give each record its own id, its own trail and its own side-table rows, in order.
@Suite("Storage: records created in batches")
struct BatchCreateTests {
    @Test("1,234 incidents in one batch (three INSERTs of records, several of events): ids in order, each read back equal to what was written", arguments: TestEngine.available)
    func incidentsInOrder(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let serviceID = try await store.makeService()
            // Every third one assigned, worked on and resolved (six events: created; moved to
            // assigned and assigned; moved to in progress and first response; resolved), the rest
            // only logged (one): the events of one record never come out as another's.
            let incidents = try (0..<1_234).map { number in
                var incident = try Incident(
                    title: "Incident \(number)", impact: number % 2 == 0 ? .high : .low, urgency: .medium,
                    serviceID: number % 5 == 0 ? serviceID : nil, at: m(Int64(number)), by: "import")
                if number % 3 == 0 {
                    try incident.assign(to: "bob", at: m(Int64(number) + 1), by: "import")
                    try incident.resume(at: m(Int64(number) + 2), by: "bob")
                    try incident.resolve(at: m(Int64(number) + 3), by: "bob", note: "fixed \(number)")
                }
                return incident
            }
            let ids = try await store.transaction { tx in try await store.incidents.createAll(incidents, in: tx) }
            #expect(ids.count == incidents.count)
            #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })

            let read = try await store.incidents.list()
            #expect(read.map(\.id) == ids.map(Optional.some))
            for (written, (id, stored)) in zip(incidents, zip(ids, read)) where stored.withoutEventIDs != written.stored(id: id, version: 1) {
                Issue.record("incident \(id) reads back as \(stored.title) with \(stored.events.count) events, written as \(written.title) with \(written.events.count)")
            }
            // 0, 3, ..., 1,233 are 412 incidents of six events; 822 of one. 3,294 events: four INSERTs of events.
            let events = read.map(\.events.count).reduce(0, +)
            #expect(events == 3_294)
        }
    }

    @Test("a change's votes and linked incidents, its side tables, go with its own id", arguments: TestEngine.available)
    func changesWithExtras(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let incident = try await store.openIncident("Mail is down", at: t0)
            let incidentID = try #require(incident.id)
            var voted = try Change(title: "Patch MTA", type: .normal, risk: .medium, approvers: ["carol", "dave"], at: t0, by: "alice")
            try voted.submit(at: m(1), by: "alice")
            try voted.vote(approver: "carol", approve: true, comment: "ok", at: m(2))
            var linked = try Change(title: "Reboot", type: .standard, risk: .low, at: t0, by: "alice")
            linked.incidentIDs = [incidentID]
            let changes = [voted, try Change(title: "Nothing", type: .normal, risk: .low, at: t0, by: "alice"), linked]

            let ids = try await store.transaction { tx in try await store.changes.createAll(changes, in: tx) }
            let read = try await ids.asyncMap { try await store.changes.get($0) }
            #expect(read.map(\.title) == ["Patch MTA", "Nothing", "Reboot"])
            #expect(read.map(\.approval.votes.count) == [1, 0, 0])
            #expect(read.map(\.incidentIDs) == [[], [], [incidentID]])
        }
    }

    @Test("a reference to a record that does not exist names the first such record's field, and nothing of the batch is written", arguments: TestEngine.available)
    func missingReference(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let serviceID = try await store.makeService()
            var noSuchProblem = try Incident(title: "no such problem", impact: .low, urgency: .low, at: t0, by: "import")
            try noSuchProblem.link(problem: 404, at: t0, by: "import")
            let incidents = try [
                Incident(title: "fine", impact: .low, urgency: .low, serviceID: serviceID, at: t0, by: "import"),
                noSuchProblem,
                Incident(title: "no such service", impact: .low, urgency: .low, serviceID: 405, at: t0, by: "import"),
            ]
            await #expect(throws: StorageError.missingReference(field: "problemID", id: 404)) {
                try await store.transaction { tx in try await store.incidents.createAll(incidents, in: tx) }
            }
            #expect(try await store.incidents.list().isEmpty)
        }
    }

    @Test("services with a name taken in the batch fail as a duplicate, without naming a record it cannot tell", arguments: TestEngine.available)
    func duplicateName(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let services = try [Service(name: "Mail", at: t0, by: "import"), Service(name: "Mail", at: t0, by: "import")]
            await #expect(throws: StorageError.duplicate(record: "service", field: "name", value: "?")) {
                try await store.transaction { tx in try await store.services.createAll(services, in: tx) }
            }
            #expect(try await store.services.list().isEmpty)
        }
    }
}

extension Array {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
