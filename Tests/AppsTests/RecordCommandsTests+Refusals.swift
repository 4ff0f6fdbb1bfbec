import Foundation
import Testing

@Suite("itsm ITSM record commands: refusals and filters")
struct RecordCommandRefusalTests {
    @Test("an illegal move exits 1 naming both states, and the record, its version and its history stay as they were", arguments: Engine.available)
    func illegalTransition(engine: Engine) async throws {
        try await RecordSession.with(engine) { cli in
            try await cli.succeed(["incidents", "create", "--title", "Printer jam", "--impact", "low", "--urgency", "low"])
            let before = try await cli.object(["incidents", "show", "1"])
            try await cli.fail(["incidents", "close", "1"], status: 1, message: "error: incident cannot move from new to closed")
            try await cli.fail(["incidents", "reopen", "1"], status: 1, message: "error: incident cannot move from new to in-progress")
            let after = try await cli.object(["incidents", "show", "1"])
            #expect(after.int("version") == before.int("version"))
            #expect(after.trail == before.trail)
            #expect(after.string("state") == "new")

            try await cli.succeed(["changes", "create", "--title", "Patch", "--type", "normal", "--risk", "low"])
            try await cli.fail(["changes", "submit", "1"], status: 1, message: "error: change: a normal change needs at least one CAB approver before submission")
            try await cli.fail(["changes", "implement", "1", "--outcome", "successful"], status: 1, message: "error: change cannot move from new to implemented")
            try await cli.succeed(["services", "create", "--name", "Web"])
            try await cli.succeed(["services", "move", "Web", "--to", "retired"])
            try await cli.fail(["services", "move", "Web", "--to", "catalog"], status: 1, message: "error: service cannot move from retired to catalog")
            try await cli.fail(["services", "create", "--name", "Web"], status: 1, message: "error: name: a service with name 'Web' already exists")
            try await cli.fail(["incidents", "show", "99"], status: 1, message: "error: incident 99 does not exist")
            #expect(try await cli.array(["services", "list"]).count == 1)
            #expect(try await cli.array(["changes", "list"]).first?.string("state") == "new")
        }
    }

    @Test("six updates of one incident at once: each is saved or exits 1 saying someone else changed it; one 'updated' event per save", arguments: Engine.available)
    func concurrentUpdates(engine: Engine) async throws {
        try await RecordSession.with(engine) { cli in
            try await cli.succeed(["incidents", "create", "--title", "race", "--impact", "low", "--urgency", "low"])
            let results = try await withThrowingTaskGroup(of: CommandResult.self) { group in
                for n in 1...6 { group.addTask { try await cli.run(["incidents", "update", "1", "--title", "race \(n)"]) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let saved = results.filter { $0.termination == .success }
            for refused in results where refused.termination != .success {
                #expect(refused.termination == .failure, "\(refused.output)")
                #expect(refused.standardError == "error: incident 1 was changed by someone else since it was read; reload it and try again\n")
            }
            #expect(!saved.isEmpty)
            let incident = try await cli.object(["incidents", "show", "1"])
            #expect(incident.trail.filter { $0.hasPrefix("updated") }.count == saved.count)
            #expect(incident.int("version") == Int64(1 + saved.count))
        }
    }

    @Test("bad arguments exit 2 with the field or argument named, and create nothing")
    func badArguments() async throws {
        try await RecordSession.with(.sqlite) { cli in
            try await cli.succeed(["incidents", "create", "--title", "Existing", "--impact", "low", "--urgency", "low"])
            try await cli.fail(["incidents", "create", "--title", "X", "--impact", "huge", "--urgency", "low"], status: 2, message: "error: impact: 'huge' is not valid; expected one of high, medium, low")
            try await cli.fail(["incidents", "create", "--impact", "low", "--urgency", "low"], status: 2, message: "error: title: '' is not valid; expected a value (title is required)")
            try await cli.fail(["incidents", "create", "--title", "X", "--impact", "low", "--urgency", "low", "--service", "Nope"], status: 2, message: "error: service: 'Nope' is not valid; expected the id or name of an existing service")
            try await cli.fail(["incidents", "show", "abc"], status: 2, message: "error: ID: 'abc' is not valid; expected the numeric id of an incident")
            try await cli.fail(["incidents", "update", "1"], status: 2, message: "give at least one field to change")
            try await cli.fail(["incidents", "list", "--state", "open"], status: 2, message: "error: state: 'open' is not valid; expected one of new, assigned, in-progress, on-hold, resolved, closed")
            try await cli.fail(["incidents", "list", "--priority", "P9"], status: 2, message: "error: priority: 'P9' is not valid; expected one of P1, P2, P3, P4")
            try await cli.fail(["incidents", "list", "--limit", "0"], status: 2, message: "--limit: expected a positive number")
            try await cli.fail(["changes", "list", "--priority", "P1"], status: 2, message: "--priority: changes have no priority")
            try await cli.fail(["incidents", "frobnicate", "1"], status: 2, message: "unexpected arguments: 'frobnicate', '1'")
            try await cli.fail(["changes", "schedule", "1", "--start", "2026-12-01T10:00", "--end", "2026-12-01T11:00Z"], status: 2, message: "error: start: '2026-12-01T10:00' is not valid; expected an offset (Z or +01:00), or a time zone given with --time-zone")
            try await cli.fail(["calendars", "create", "--name", "Bad", "--time-zone", "Mars/Olympus", "--hours", "mon-fri 09:00-17:00"], status: 2, message: "error: timeZone: 'Mars/Olympus' is not valid")
            try await cli.fail(["calendars", "create", "--name", "Bad", "--time-zone", "UTC", "--hours", "mon-fri 9-5"], status: 2, message: "error: hours: 'mon-fri 9-5' is not valid")
            try await cli.fail(["slas", "create", "--name", "S", "--calendar", "Nope", "--target", "P1=1h/4h"], status: 2, message: "error: calendar: 'Nope' is not valid; expected the id or name of an existing calendar")
            try await cli.succeed(["calendars", "create", "--name", "Office", "--time-zone", "UTC", "--hours", "mon-fri 09:00-17:00"])
            try await cli.fail(["slas", "create", "--name", "S", "--calendar", "Office", "--target", "P1=4h/1h"], status: 2, message: "error: resolution: '3600s' is not valid; expected a target no shorter than the response target (14400s)")
            try await cli.fail(["improvements", "measure", "1", "lots"], status: 2, message: "error: value: 'lots' is not valid; expected a number")
            #expect(try await cli.array(["incidents", "list"]).map { $0.string("title") } == ["Existing"])
            #expect(try await cli.array(["slas", "list"]).isEmpty)
        }
    }

    @Test("list filters: state, service by name, priority, opened since and until (dates and instants), limit", arguments: Engine.available)
    func filters(engine: Engine) async throws {
        try await RecordSession.with(engine) { cli in
            try await cli.succeed(["services", "create", "--name", "Mail"])
            try await cli.succeed(["services", "create", "--name", "Web"])
            for (title, impact, service) in [("a", "high", "Mail"), ("b", "low", "Web"), ("c", "high", "Web"), ("d", "medium", "Mail")] {
                try await cli.succeed(["incidents", "create", "--title", title, "--impact", impact, "--urgency", "high", "--service", service])
            }
            try await cli.succeed(["incidents", "assign", "2", "--to", "alice"])
            try await cli.succeed(["incidents", "resolve", "3"])
            func titles(_ arguments: [String]) async throws -> [String] {
                try await cli.array(["incidents", "list"] + arguments).compactMap { $0.string("title") }
            }
            #expect(try await titles([]) == ["a", "b", "c", "d"])
            #expect(try await titles(["--state", "new"]) == ["a", "d"])
            #expect(try await titles(["--state", "assigned,resolved"]) == ["b", "c"])
            #expect(try await titles(["--state", "assigned", "--state", "new"]) == ["a", "b", "d"])
            #expect(try await titles(["--service", "Web"]) == ["b", "c"])
            #expect(try await titles(["--service", "1", "--state", "new"]) == ["a", "d"])
            // high x high = P1, low x high = P3, medium x high = P2.
            #expect(try await titles(["--priority", "P1"]) == ["a", "c"])
            #expect(try await titles(["--priority", "2"]) == ["d"])
            #expect(try await titles(["--limit", "3"]) == ["a", "b", "c"])

            let all = try await cli.array(["incidents", "list"])
            let third = try #require(all[2].string("openedAt"))
            #expect(try await titles(["--opened-since", third]) == ["c", "d"])
            #expect(try await titles(["--opened-until", third]) == ["a", "b"])
            let today = String(third.prefix(10))
            #expect(try await titles(["--opened-since", today, "--opened-until", today]) == ["a", "b", "c", "d"])
            #expect(try await titles(["--opened-until", "2020-01-01"]) == [])
            #expect(try await titles(["--opened-since", "2020-01-01", "--time-zone", "Pacific/Kiritimati", "--state", "new", "--limit", "1"]) == ["a"])

            let empty = try await cli.succeed(["incidents", "list", "--state", "closed"])
            #expect(empty == "No incidents match.\n")
            #expect(try await cli.array(["requests", "list", "--priority", "P4"]).isEmpty)
        }
    }
}
