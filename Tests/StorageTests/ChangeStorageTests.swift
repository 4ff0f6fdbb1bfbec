import Domain
import Storage
import Testing

/// 2026-03-07T22:00:00Z .. 2026-03-08T02:00:00Z: a Saturday-night maintenance window.
private func saturdayNight() throws -> ChangeWindow {
    try ChangeWindow(start: Instant(secondsSinceEpoch: 1_772_920_800), end: Instant(secondsSinceEpoch: 1_772_935_200))
}

@Suite("Changes, CAB votes and incident links")
struct ChangeStorageTests {
    @Test("a change keeps its fields, CAB votes, incident links and trail through the CAB and implementation", arguments: TestEngine.available)
    func changeRoundTrip(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let serviceID = try await store.makeService()
            let firstIncident = try #require(try await store.openIncident("Bounces", at: t0).id)
            let secondIncident = try #require(try await store.openIncident("Queue backlog", at: t0).id)

            let requested = try Change(
                title: "Upgrade Postfix", description: "3.7 to 3.8", type: .normal, risk: .medium, serviceID: serviceID,
                approvers: ["carol", "dave"], at: t0, by: "alice"
            )
            let created = try await store.changes.create(requested)
            let id = try #require(created.id)
            #expect(created.withoutEventIDs == requested.stored(id: id, version: 1))
            #expect(created.approval.approvers == ["carol", "dave"])
            #expect(created.approval.votes == [])
            #expect(created.window == nil)
            #expect(created.outcome == nil)

            var change = created
            try change.submit(at: m(10), by: "alice")
            try change.vote(approver: "carol", approve: true, comment: "fine by networking", at: m(60))
            change = try await store.changes.save(change)
            #expect(change.version == 2)
            #expect(change.approval.votes == [CABApproval.Vote(approver: "carol", approve: true, at: m(60), comment: "fine by networking")])
            #expect(change.approval.decision == .pending)

            try change.vote(approver: "dave", approve: true, at: m(120))
            try change.schedule(try saturdayNight(), at: m(180), by: "alice")
            change.incidentIDs = [firstIncident, secondIncident]
            change = try await store.changes.save(change)
            #expect(change.incidentIDs == [firstIncident, secondIncident])
            // Re-saving appends only the new vote.
            #expect(try await store.database.rowCount("change_votes") == 2)

            try change.implement(outcome: .backedOut, at: Instant(secondsSinceEpoch: 1_772_924_400), by: "alice", note: "rolled back: TLS errors")
            change.incidentIDs = [secondIncident]  // the links are replaced, not added to
            let saved = try await store.changes.save(change)

            let read = try await store.changes.get(id)
            #expect(read == saved)
            #expect(read.version == 4)
            #expect(read.title == "Upgrade Postfix")
            #expect(read.description == "3.7 to 3.8")
            #expect(read.type == .normal)
            #expect(read.risk == .medium)
            #expect(read.serviceID == serviceID)
            #expect(read.window == (try saturdayNight()))
            #expect(read.approval.approvers == ["carol", "dave"])
            #expect(read.approval.votes == [
                CABApproval.Vote(approver: "carol", approve: true, at: m(60), comment: "fine by networking"),
                CABApproval.Vote(approver: "dave", approve: true, at: m(120), comment: nil),
            ])
            #expect(read.approval.decision == .approved)
            #expect(read.outcome == .backedOut)
            #expect(read.state == .implemented)
            #expect(read.incidentIDs == [secondIncident])
            #expect(read.withoutEventIDs.events == [
                event(t0, "alice", .created, to: .new),
                event(m(10), "alice", .transitioned, from: .new, to: .awaitingApproval),
                event(m(60), "carol", .vote, detail: "approve"),
                event(m(120), "dave", .vote, detail: "approve"),
                event(m(120), "dave", .transitioned, from: .awaitingApproval, to: .authorised, detail: "CAB approved"),
                event(m(180), "alice", .transitioned, from: .authorised, to: .scheduled, detail: "2026-03-07T22:00:00.000000Z .. 2026-03-08T02:00:00.000000Z"),
                // 2026-03-07T23:00:00Z
                event(Instant(secondsSinceEpoch: 1_772_924_400), "alice", .transitioned, from: .scheduled, to: .implemented, detail: "rolled back: TLS errors"),
            ] as [RecordEvent<ChangeState>])
            #expect(areAscending(read.eventIDs))
            #expect(read.requestedAt == t0)
            #expect(read.implementedAt == Instant(secondsSinceEpoch: 1_772_924_400))
            #expect(try await store.database.rowCount("change_votes") == 2)
            #expect(try await store.database.rowCount("change_incidents") == 1)
        }
    }

    @Test("a rejecting vote keeps its comment and the change reads back rejected", arguments: TestEngine.available)
    func rejectedChange(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            var change = try await store.changes.create(
                try Change(title: "Open port 25 to the world", type: .emergency, risk: .high, approvers: ["carol"], at: t0, by: "alice")
            )
            let id = try #require(change.id)
            try change.submit(at: m(1), by: "alice")
            try change.vote(approver: "carol", approve: false, comment: "no: open relay", at: m(2))
            _ = try await store.changes.save(change)

            let read = try await store.changes.get(id)
            #expect(read.type == .emergency)
            #expect(read.risk == .high)
            #expect(read.serviceID == nil)
            #expect(read.state == .rejected)
            #expect(read.approval.votes == [CABApproval.Vote(approver: "carol", approve: false, at: m(2), comment: "no: open relay")])
            #expect(read.approval.decision == .rejected)
            #expect(read.withoutEventIDs.events == [
                event(t0, "alice", .created, to: .new),
                event(m(1), "alice", .transitioned, from: .new, to: .awaitingApproval),
                event(m(2), "carol", .vote, detail: "reject"),
                event(m(2), "carol", .transitioned, from: .awaitingApproval, to: .rejected, detail: "no: open relay"),
            ] as [RecordEvent<ChangeState>])
        }
    }

    @Test("linking a change to the same incident twice stores one link", arguments: TestEngine.available)
    func duplicateLinks(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let incidentID = try #require(try await store.openIncident("Bounces", at: t0).id)
            var change = try Change(title: "Restart MTA", type: .standard, risk: .low, at: t0, by: "alice")
            change.incidentIDs = [incidentID, incidentID]
            let stored = try await store.changes.create(change)
            #expect(stored.incidentIDs == [incidentID])
            #expect(try await store.database.rowCount("change_incidents") == 1)
        }
    }
}
