import Foundation
import Testing

@Suite("itsm ITSM record commands, end to end")
struct RecordCommandsTests {
    @Test("calendars, SLAs and services: create, list, show, update and move the service into the catalog", arguments: Engine.available)
    func designRecords(engine: Engine) async throws {
        try await RecordSession.with(engine) { cli in
            let calendar = try await cli.object([
                "calendars", "create", "--name", "Office", "--time-zone", "Europe/Berlin",
                "--hours", "mon-fri 09:00-12:00,13:00-17:00", "--hours", "sat 10:00-14:00", "--holiday", "2026-12-25:Christmas Day",
            ])
            #expect(calendar.string("timeZone") == "Europe/Berlin")
            let hours = try #require(calendar.values["weeklyHours"] as? [String: [String]])
            #expect(hours == [
                "mon": ["09:00-12:00", "13:00-17:00"], "tue": ["09:00-12:00", "13:00-17:00"], "wed": ["09:00-12:00", "13:00-17:00"],
                "thu": ["09:00-12:00", "13:00-17:00"], "fri": ["09:00-12:00", "13:00-17:00"], "sat": ["10:00-14:00"],
            ])
            #expect(calendar.objects("holidays").map { "\($0.string("date") ?? "") \($0.string("name") ?? "")" } == ["2026-12-25 Christmas Day"])
            let listed = try await cli.succeed(["calendars", "list"])
            #expect(listed.contains("Office  Europe/Berlin  1         mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00"), "\(listed)")

            let updated = try await cli.object(["calendars", "update", "Office", "--add-holiday", "2026-12-26", "--hours", "mon-fri 08:00-16:00"])
            #expect(updated.objects("holidays").compactMap { $0.string("date") } == ["2026-12-25", "2026-12-26"])
            #expect((updated.values["weeklyHours"] as? [String: [String]])?["sat"] == nil)

            let sla = try await cli.object([
                "slas", "create", "--name", "Standard", "--calendar", "Office", "--target", "P1=1h/4h", "--target", "P2=4h/1d30m", "--warning", "0.8",
            ])
            #expect(sla.string("calendar") == "Office")
            #expect(sla.double("warning") == 0.8)
            // 1d30m = 24.5 h of business time.
            #expect(sla.objects("targets").map { [$0.string("priority"), $0.int("responseSeconds").map(String.init), $0.int("resolutionSeconds").map(String.init)] }
                == [["P1", "3600", "14400"], ["P2", "14400", "88200"]])
            let slaID = try #require(sla.int("id"))
            let changedSLA = try await cli.object(["slas", "update", "\(slaID)", "--target", "P1=30m/2h", "--warning", "0.9"])
            #expect(changedSLA.objects("targets").map { $0.string("response") ?? "" } == ["30m"])
            #expect(changedSLA.double("warning") == 0.9)
            #expect(try await cli.array(["slas", "list"]).map { $0.string("name") } == ["Standard"])

            let created = try await cli.object(["services", "create", "--name", "Mail", "--sla", "Standard", "--criticality", "high", "--operator", "alice"])
            #expect(created.string("state") == "pipeline")
            #expect(created.int("slaId") == slaID)
            #expect(created.string("sla") == "Standard")
            #expect(created.trail == ["created ->pipeline by alice"])
            try await cli.succeed(["services", "update", "Mail", "--owner", "Messaging", "--description", "Mail for everyone"])
            try await cli.succeed(["services", "move", "Mail", "--to", "catalog"])
            let service = try await cli.object(["services", "show", "Mail"])
            #expect(service.string("state") == "catalog")
            #expect(service.string("owner") == "Messaging")
            #expect(service.int("version") == 3)
            #expect(service.trail == [
                "created ->pipeline by alice", "updated by records-test: description, owner", "transitioned pipeline->catalog by records-test",
            ])
            let shown = try await cli.succeed(["services", "show", "1"])
            #expect(shown.contains("History:"))
            #expect(shown.contains("records-test  transitioned  pipeline -> catalog"), "\(shown)")
            #expect(try await cli.array(["services", "list", "--state", "catalog"]).map { $0.string("name") } == ["Mail"])
        }
    }

    @Test("incidents: create, assign, hold, resume, resolve, reopen, resolve, close, each move in the history with its operator", arguments: Engine.available)
    func incidentLifecycle(engine: Engine) async throws {
        try await RecordSession.with(engine) { cli in
            try await cli.succeed(["services", "create", "--name", "Mail"])
            let created = try await cli.object(["incidents", "create", "--title", "Mail down", "--impact", "high", "--urgency", "medium", "--service", "Mail"])
            #expect(created.string("priority") == "P2")  // high impact x medium urgency
            #expect(created.string("service") == "Mail")
            #expect(created.string("state") == "new")
            let id = try #require(created.int("id")).description

            try await cli.succeed(["incidents", "assign", id, "--to", "service-desk", "--operator", "bob"])
            try await cli.succeed(["incidents", "hold", id, "--note", "waiting for the vendor"])
            try await cli.succeed(["incidents", "resume", id])
            try await cli.succeed(["incidents", "update", id, "--urgency", "high", "--major"])
            try await cli.succeed(["incidents", "resolve", id, "--note", "queue restarted"])
            try await cli.succeed(["incidents", "reopen", id, "--note", "down again"])
            try await cli.succeed(["incidents", "resolve", id])
            let closed = try await cli.object(["incidents", "close", id, "--operator", "carol"])
            #expect(closed.string("state") == "closed")
            #expect(closed.string("priority") == "P1")
            #expect(closed.bool("major") == true)
            #expect(closed.string("assignee") == "service-desk")
            #expect(closed.trail == [
                "created ->new by records-test",
                "transitioned new->assigned by bob", "assigned by bob: service-desk",
                "transitioned assigned->on-hold by records-test: waiting for the vendor",
                "transitioned on-hold->in-progress by records-test", "first-response by records-test",
                "updated by records-test: major", "reprioritised by records-test: P2 -> P1",
                "transitioned in-progress->resolved by records-test: queue restarted",
                "reopened resolved->in-progress by records-test: down again",
                "transitioned in-progress->resolved by records-test",
                "transitioned resolved->closed by carol",
            ])
            let events = closed.objects("events")
            #expect(events.allSatisfy { ($0.string("at") ?? "").hasSuffix("Z") })
            #expect(closed.string("closedAt") == events.last?.string("at"))

            let table = try await cli.succeed(["incidents", "list"])
            #expect(table.hasPrefix("ID  PRIORITY  STATE   OPENED (UTC)"), "\(table)")
            #expect(table.contains("P1        closed  "), "\(table)")
        }
    }

    @Test("problems and changes: known error after a workaround, a linked incident, CAB votes, a local-time window, implementation and review", arguments: Engine.available)
    func problemsAndChanges(engine: Engine) async throws {
        try await RecordSession.with(engine) { cli in
            try await cli.succeed(["services", "create", "--name", "Mail"])
            let problem = try await cli.object(["problems", "create", "--title", "Queue fills up", "--service", "Mail"])
            let problemID = try #require(problem.int("id")).description
            try await cli.fail(["problems", "known-error", problemID], status: 1, message: "error: problem: a known error needs a documented root cause or workaround")
            try await cli.succeed(["problems", "investigate", problemID])
            try await cli.succeed(["problems", "update", problemID, "--workaround", "Restart the queue"])
            try await cli.succeed(["problems", "known-error", problemID])
            try await cli.succeed(["incidents", "create", "--title", "Mail slow", "--impact", "low", "--urgency", "low"])
            try await cli.succeed(["incidents", "link-problem", "1", "--problem", problemID])
            try await cli.succeed(["problems", "resolve", problemID])
            let shownProblem = try await cli.object(["problems", "show", problemID])
            #expect(shownProblem.bool("knownError") == true)
            #expect(shownProblem.string("workaround") == "Restart the queue")
            #expect((shownProblem.values["incidentIds"] as? [Int]) == [1])
            #expect(shownProblem.trail.map { $0.components(separatedBy: " by ")[0] } == [
                "created ->new", "transitioned new->investigating", "updated", "known-error", "transitioned investigating->resolved",
            ])

            let change = try await cli.object([
                "changes", "create", "--title", "Upgrade mx1", "--type", "normal", "--risk", "medium", "--service", "Mail",
                "--approver", "carol", "--approver", "dave",
            ])
            let id = try #require(change.int("id")).description
            #expect(change.strings("approvers") == ["carol", "dave"])
            try await cli.succeed(["changes", "submit", id])
            let halfway = try await cli.object(["changes", "vote", id, "--approver", "carol", "--approve"])
            #expect(halfway.string("state") == "awaiting-approval")
            #expect(halfway.string("decision") == "pending")
            try await cli.succeed(["changes", "vote", id, "--approver", "dave", "--approve", "--comment", "fine"])
            // 23:00 in Berlin in December is 22:00 UTC; the window ends the next day.
            let scheduled = try await cli.object([
                "changes", "schedule", id, "--start", "2026-12-01 23:00", "--end", "2026-12-02T00:30", "--time-zone", "Europe/Berlin",
            ])
            #expect(scheduled.string("windowStart") == "2026-12-01T22:00:00.000000Z")
            #expect(scheduled.string("windowEnd") == "2026-12-01T23:30:00.000000Z")
            let moved = try await cli.object(["changes", "schedule", id, "--start", "2026-12-02T22:00Z", "--end", "2026-12-03T00:30+01:00"])
            #expect(moved.string("windowEnd") == "2026-12-02T23:30:00.000000Z")
            #expect(moved.string("state") == "scheduled")
            try await cli.succeed(["changes", "implement", id, "--outcome", "backed-out", "--note", "rolled back"])
            try await cli.succeed(["changes", "review", id, "--note", "needs a second attempt"])
            let closed = try await cli.object(["changes", "close", id])
            #expect(closed.string("outcome") == "backed-out")
            #expect(closed.string("state") == "closed")
            #expect(closed.objects("votes").map { "\($0.string("approver") ?? "") \($0.bool("approve") ?? false)" } == ["carol true", "dave true"])
            #expect(closed.trail == [
                "created ->new by records-test", "transitioned new->awaiting-approval by records-test",
                "vote by carol: approve", "vote by dave: approve", "transitioned awaiting-approval->authorised by dave: CAB approved",
                "transitioned authorised->scheduled by records-test: 2026-12-01T22:00:00.000000Z .. 2026-12-01T23:30:00.000000Z",
                "updated by records-test: rescheduled to 2026-12-02T22:00:00.000000Z .. 2026-12-02T23:30:00.000000Z",
                "transitioned scheduled->implemented by records-test: rolled back",
                "transitioned implemented->reviewed by records-test: needs a second attempt",
                "transitioned reviewed->closed by records-test",
            ])
        }
    }

    @Test("requests and improvements: approve, fulfil, close; approve, start, measure, complete", arguments: Engine.available)
    func requestsAndImprovements(engine: Engine) async throws {
        try await RecordSession.with(engine) { cli in
            let request = try await cli.object(["requests", "create", "--title", "New laptop", "--requester", "alice", "--priority", "3"])
            #expect(request.string("priority") == "P3")
            try await cli.succeed(["requests", "approve", "1"])
            try await cli.succeed(["requests", "fulfil", "1", "--note", "delivered"])
            let closed = try await cli.object(["requests", "close", "1"])
            #expect(closed.trail == [
                "created ->new by records-test", "transitioned new->approved by records-test",
                "transitioned approved->in-fulfilment by records-test", "transitioned in-fulfilment->fulfilled by records-test: delivered",
                "transitioned fulfilled->closed by records-test",
            ])
            #expect(closed.string("fulfilledAt") != nil)

            let improvement = try await cli.object([
                "improvements", "create", "--title", "Faster P2 fixes", "--metric", "MTTR P2 (h)", "--baseline", "10", "--target", "6", "--due", "2027-03-31",
            ])
            #expect(improvement.double("progress") == 0)
            #expect(improvement.string("due") == "2027-03-31")
            try await cli.succeed(["improvements", "approve", "1"])
            try await cli.succeed(["improvements", "start", "1"])
            // From 10 towards 6, 9 is a quarter of the way.
            let measured = try await cli.object(["improvements", "measure", "1", "9"])
            #expect(measured.double("current") == 9)
            #expect(measured.double("progress") == 0.25)
            try await cli.fail(["improvements", "update", "1", "--baseline", "12"], status: 1, message: "error: improvement: the baseline is fixed once work has started (state is in-progress)")
            let completed = try await cli.object(["improvements", "complete", "1"])
            #expect(completed.string("state") == "completed")
            #expect(completed.trail.filter { $0.hasPrefix("measured") } == ["measured by records-test: 10", "measured by records-test: 9"])
            let list = try await cli.succeed(["improvements", "list"])
            #expect(list.contains("1   completed  25%       2027-03-31  -        MTTR P2 (h)  Faster P2 fixes"), "\(list)")
        }
    }
}
