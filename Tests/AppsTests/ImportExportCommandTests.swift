import Foundation
import Testing

/// What `itsm import --json` prints: rejections carry `line` (CSV) or `record` (JSON).
struct RecordImportJSON: Decodable {
    struct Rejection: Decodable, Equatable {
        var line: Int?
        var record: Int?
        var reason: String
    }

    var rejections: [Rejection]
    var accepted: Int
    var rejected: Int
    var outcomes: [String: Int]
    var committed: Bool
}

@Suite("itsm import and export, end to end")
struct ImportExportCommandTests {
    static let mixedCSV = """
        title,impact,urgency,service,state,opened_at,responded_at,resolved_at,closed_at,assignee\r
        Mail down,high,high,Mail,closed,2026-01-05T09:00:00Z,,2026-01-05T10:00:00Z,2026-01-06T09:00:00Z,alice\r
        No impact,,high,,new,2026-01-05T09:00:00Z,,,,\r
        Bad service,low,low,Nope,new,2026-01-05T09:00:00Z,,,,\r
        Early fix,low,low,,closed,2026-01-05T09:00:00Z,,2026-01-05T08:00:00Z,2026-01-06T09:00:00Z,\r
        "Printer, ""jammed\""",medium,low,,in progress,2026-01-07 10:00:00,,,,\r
        Unresolved,low,low,,resolved,2026-01-05T09:00:00Z,,,,\r
        Finished,low,low,,done,2026-01-05T09:00:00Z,,,,\r
        "Broken "quote",low,low,,new,,,,,\r
        Waiting,low,medium,Mail,on-hold,2026-01-08T08:00:00+0100,2026-01-08T07:30:00Z,,,bob\r

        """

    static let mixedRejections: [RecordImportJSON.Rejection] = [
        .init(line: 3, reason: "impact: '' is not valid; expected a value (impact is required)"),
        .init(line: 4, reason: "service: 'Nope' is not valid; expected the id or name of an existing service"),
        .init(line: 5, reason: "resolved_at: '2026-01-05T08:00:00.000000Z' is not valid; expected an instant at or after opened_at (2026-01-05T09:00:00.000000Z)"),
        .init(line: 7, reason: "resolved_at: '' is not valid; expected an instant (a resolved record has one)"),
        .init(line: 8, reason: "state: 'done' is not valid; expected one of new, assigned, in-progress, on-hold, resolved, closed"),
        .init(line: 9, reason: "text after the closing quote of field 1"),
    ]

    static func write(_ text: String, _ name: String, in cli: CLISession) throws {
        try Data(text.utf8).write(to: cli.directory.appendingPathComponent(name))
    }

    static func object(_ cli: CLISession, _ arguments: [String]) async throws -> JSONObject {
        let result = try await cli.succeed(arguments)
        return JSONObject(try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]))
    }

    /// A JSON export's objects with every value as text (null as "").
    static func jsonRows(_ cli: CLISession, _ arguments: [String]) async throws -> [[String: String]] {
        let result = try await cli.succeed(arguments)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        return objects.map { object in object.mapValues { $0 is NSNull ? "" : ($0 as? String ?? "\($0)") } }
    }

    /// The CSV export's rows as dictionaries by column (for files without quoted fields).
    static func rows(_ csv: String) -> [[String: String]] {
        let lines = csv.split(separator: "\r\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test("a CSV with good and bad rows: every bad row by line and reason naming the field, the good rows kept with their history", arguments: Engine.available)
    func importMixed(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try await cli.succeed(["services", "create", "--name", "Mail"])
            try Self.write(Self.mixedCSV, "incidents.csv", in: cli)

            let report = try await cli.json(RecordImportJSON.self, ["import", "incidents", "incidents.csv", "--json"])
            #expect(report.rejections == Self.mixedRejections)
            #expect(report.accepted == 3)
            #expect(report.rejected == 6)
            #expect(report.outcomes == ["closed": 1, "in-progress": 1, "on-hold": 1])
            #expect(report.committed)

            let exported = try await Self.jsonRows(cli, ["export", "incidents", "--format", "json"])
            #expect(exported.map { $0["title"] } == ["Mail down", "Printer, \"jammed\"", "Waiting"])
            let first = try #require(exported.first)
            #expect(first["opened_at"] == "2026-01-05T09:00:00.000000Z")
            #expect(first["responded_at"] == "2026-01-05T10:00:00.000000Z")  // resolving answers the caller
            #expect(first["resolved_at"] == "2026-01-05T10:00:00.000000Z")
            #expect(first["closed_at"] == "2026-01-06T09:00:00.000000Z")
            #expect(first["service"] == "Mail" && first["assignee"] == "alice")
            // A local time without a zone is UTC; an offset without a colon is read.
            #expect(exported[1]["opened_at"] == "2026-01-07T10:00:00.000000Z")
            #expect(exported[2]["opened_at"] == "2026-01-08T07:00:00.000000Z")
            #expect(exported[2]["responded_at"] == "2026-01-08T07:30:00.000000Z")

            let closed = try await Self.object(cli, ["incidents", "show", "1", "--json"])
            #expect(closed.trail == [
                "created ->new by import", "transitioned new->assigned by import", "assigned by import: alice",
                "transitioned assigned->resolved by import", "first-response by import", "transitioned resolved->closed by import",
            ])
            #expect(closed.objects("events").map { $0.string("at") } == [
                "2026-01-05T09:00:00.000000Z", "2026-01-05T09:00:00.000000Z", "2026-01-05T09:00:00.000000Z",
                "2026-01-05T10:00:00.000000Z", "2026-01-05T10:00:00.000000Z", "2026-01-06T09:00:00.000000Z",
            ])
            let held = try await Self.object(cli, ["incidents", "show", "3", "--json"])
            #expect(held.trail == [
                "created ->new by import", "transitioned new->assigned by import", "assigned by import: bob",
                "first-response by import", "transitioned assigned->on-hold by import",
            ])

            // For people: the same lines, then the summary.
            let text = try await cli.succeed(["import", "incidents", "incidents.csv", "--operator", "migration"])
            let lines = text.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.filter { $0.hasPrefix("line ") }.count == 6)
            #expect(lines.contains("line 4: service: 'Nope' is not valid; expected the id or name of an existing service"))
            #expect(lines.last == "Imported 3 rows (1 closed, 1 in-progress, 1 on-hold); rejected 6.")
            #expect(text.standardError.isEmpty, "no progress bar off a terminal: \(text.standardError)")
            #expect(try await Self.object(cli, ["incidents", "show", "4", "--json"]).trail.first == "created ->new by migration")
        }
    }

    @Test("--all-or-nothing rolls the whole file back on one rejection (exit 1) and keeps a clean file whole", arguments: Engine.available)
    func allOrNothing(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try await cli.succeed(["services", "create", "--name", "Mail"])
            try Self.write(Self.mixedCSV, "mixed.csv", in: cli)
            let refused = try await cli.run(["import", "incidents", "mixed.csv", "--all-or-nothing", "--json"])
            #expect(refused.termination == .failure, "\(refused.output)")
            let report = try JSONDecoder().decode(RecordImportJSON.self, from: Data(refused.standardOutput.utf8))
            #expect(report.rejections == Self.mixedRejections)
            #expect(report.accepted == 0)
            #expect(!report.committed)
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents") == 0)

            try Self.write("title,impact,urgency\nA,low,low\nB,high,low\n", "clean.csv", in: cli)
            let clean = try await cli.succeed(["import", "incidents", "clean.csv", "--all-or-nothing"])
            #expect(clean.standardOutput == "Imported 2 rows (2 new); rejected 0.\n")
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents") == 2)
        }
    }

    @Test("importing the same export again makes no duplicates: ids seen before (or earlier in the file) from the same --source are skipped as already-imported", arguments: Engine.available)
    func reimport(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            // INC1 twice in the file; a row without an id; a rejected row, whose id is not remembered.
            let first = """
                id,title,impact,urgency,state\r
                INC1,Mail down,high,high,new\r
                INC2,VPN slow,low,medium,new\r
                INC1,Mail down (again),high,high,new\r
                ,No id,low,low,new\r
                INC3,Bad,,low,new\r

                """
            try Self.write(first, "first.csv", in: cli)
            let once = try await cli.succeed(["import", "incidents", "first.csv"])
            #expect(once.standardOutput == """
                line 6: impact: '' is not valid; expected a value (impact is required)
                Imported 4 rows (1 already-imported, 3 new); rejected 1.

                """, "\(once.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents") == 3)

            // A newer export: the old rows again, INC3 fixed, INC4 new.
            let newer = """
                id,title,impact,urgency,state\r
                " INC1 ",Mail down,high,high,new\r
                INC2,VPN slow,low,medium,new\r
                INC3,Bad,low,low,new\r
                INC4,Printer,low,low,new\r
                ,No id,low,low,new\r

                """
            try Self.write(newer, "newer.csv", in: cli)
            let again = try await cli.succeed(["import", "incidents", "newer.csv", "--json"])
            let report = try JSONDecoder().decode(RecordImportJSON.self, from: Data(again.standardOutput.utf8))
            #expect(report.outcomes == ["already-imported": 2, "new": 3], "\(again.output)")
            #expect(report.rejected == 0)
            // Only INC3, INC4 and the row without an id were written.
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents") == 6)
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents WHERE title = 'Mail down'") == 1)
            #expect(try await cli.count("SELECT COUNT(*) FROM imported_records WHERE source = 'import'") == 4)

            // Another tool's INC1 is another record; the same ids under --source jira are new there.
            let other = try await cli.succeed(["import", "incidents", "newer.csv", "--source", " jira"])
            #expect(other.standardOutput == "Imported 5 rows (5 new); rejected 0.\n", "\(other.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents") == 11)
            #expect(try await cli.count("SELECT COUNT(*) FROM imported_records WHERE source = 'jira' AND source_id = 'INC1'") == 1)

            // Each remembered id points at the record its row became.
            #expect(try await cli.count(
                "SELECT COUNT(*) FROM imported_records r JOIN incidents i ON i.id = r.record_id WHERE r.source_id = 'INC4' AND i.title = 'Printer'") == 2)
        }
    }

    @Test("an id whose first row is rejected at insert is written by its next row, not skipped as already imported", arguments: Engine.available)
    func repeatedIdAfterRejection(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            // S2's first row takes a name S1 has (a duplicate at insert: the batch goes row by row);
            // its second row is fine and becomes S2.
            try Self.write("id,name\nS1,Mail\nS2,Mail\nS2,Web\nS1,Mail again\n", "services.csv", in: cli)
            let result = try await cli.run(["import", "services", "services.csv", "--json"])
            let report = try JSONDecoder().decode(RecordImportJSON.self, from: Data(result.standardOutput.utf8))
            #expect(report.rejections.map(\.line) == [3], "\(result.output)")
            #expect(report.outcomes == ["pipeline": 2, "already-imported": 1], "\(result.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM services") == 2)
            #expect(try await cli.count(
                "SELECT COUNT(*) FROM imported_records r JOIN services s ON s.id = r.record_id WHERE r.source_id = 'S2' AND s.name = 'Web'") == 1)
        }
    }

    @Test("a ServiceNow-style CSV through --map: local times on --time-zone, display states, unmapped columns ignored with a note")
    func serviceNowMapping() async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.succeed(["services", "create", "--name", "Mail"])
            try Self.write("""
                number,short_description,impact,urgency,incident_state,sys_created_on,resolved_at,assigned_to,cmdb_ci,sys_id
                INC0010001,VPN drops every hour,Medium,High,Resolved,2024-01-15 09:30:00,2024-01-15 11:00:00,Alice,Mail,a1
                INC0010002,Printer queue stuck,low,low,In Progress,2024-07-16 08:00:00,,Bob,,b2

                """, "incident.csv", in: cli)
            let result = try await cli.succeed([
                "import", "incidents", "incident.csv", "--map", "short_description=title", "--map", "incident_state=state",
                "--map", "sys_created_on=opened_at", "--map", "assigned_to=assignee", "--map", "cmdb_ci=service", "--time-zone", "Europe/Berlin",
            ])
            #expect(result.standardOutput == "Imported 2 rows (1 in-progress, 1 resolved); rejected 0.\n")
            #expect(result.standardError.contains("note: ignoring the columns number, sys_id"), "\(result.standardError)")
            let rows = Self.rows(try await cli.succeed(["export", "incidents"]).standardOutput)
            #expect(rows.map { $0["title"] } == ["VPN drops every hour", "Printer queue stuck"])
            #expect(rows.map { $0["opened_at"] } == ["2024-01-15T08:30:00.000000Z", "2024-07-16T06:00:00.000000Z"])  // CET, then CEST
            #expect(rows.map { $0["resolved_at"] } == ["2024-01-15T10:00:00.000000Z", ""])
            #expect(rows.map { $0["state"] } == ["resolved", "in-progress"])
            #expect(rows.map { $0["assignee"] } == ["Alice", "Bob"])
            #expect(rows.map { $0["service"] } == ["Mail", ""])

            // A mapping naming no field of the kind is a usage error; a mapped column missing from the header refuses the file.
            let badField = try await cli.run(["import", "incidents", "incident.csv", "--map", "short_description=headline"])
            #expect(badField.termination == .init(status: 2, bySignal: false), "\(badField.output)")
            #expect(badField.standardError.contains("--map: 'headline' is not a field of incidents"))
            let missing = try await cli.run(["import", "incidents", "incident.csv", "--map", "summary=title"])
            #expect(missing.termination == .failure)
            #expect(missing.standardError.hasPrefix("error: incident.csv line 1: header row: no column 'summary'"), "\(missing.standardError)")
            let noTitle = try await cli.run(["import", "incidents", "incident.csv"])
            #expect(noTitle.standardError.hasPrefix("error: incident.csv line 1: header row: no column gives the field 'title'"), "\(noTitle.standardError)")
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents") == 2)
        }
    }

    @Test("JSON Lines: changes with their CAB history, each broken record reported by number, the rest kept", arguments: Engine.available)
    func jsonLines(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try Self.write("""
                {"title": "Upgrade mx1", "type": "normal", "risk": "medium", "approvers": ["carol", "dave"], "start": "2026-02-01T22:00:00Z", "end": "2026-02-01T23:00:00Z", "state": "closed", "outcome": "successful", "opened_at": "2026-01-20T09:00:00Z", "decided_at": "2026-01-22T09:00:00Z", "implemented_at": "2026-02-01T23:00:00Z", "reviewed_at": "2026-02-03T09:00:00Z", "closed_at": "2026-02-04T09:00:00Z"}
                {"fields": {"summary": "Rotate certificates", "kind": "standard"}, "risk": "low", "state": "authorised", "opened_at": "2026-01-21T09:00:00+01:00"}
                not json
                {"title": "No window", "type": "normal", "risk": "low", "approvers": "carol", "state": "scheduled"}
                ["a list"]
                {"title": "broken", "type":
                {"title": "Standard", "type": "standard", "risk": "low", "state": "awaiting approval"}

                """, "changes.jsonl", in: cli)
            let report = try await cli.json(RecordImportJSON.self, [
                "import", "changes", "changes.jsonl", "--map", "fields.summary=title", "--map", "fields.kind=type", "--json",
            ])
            #expect(report.accepted == 2)
            #expect(report.rejections.map(\.record) == [3, 4, 5, 6, 7])
            #expect(report.rejections.allSatisfy { $0.line == nil })
            #expect(report.rejections[0].reason.hasPrefix("not valid JSON"))
            #expect(report.rejections[1].reason == "start: '' is not valid; expected the window's start and end (a scheduled change was scheduled)")
            #expect(report.rejections[2].reason == "expected an object ({\"key\": value, ...}), got a list")
            #expect(report.rejections[3].reason == "the object is not closed at the end of its line (JSON Lines: one object per line)")
            #expect(report.rejections[4].reason
                == "state: 'awaiting-approval' is not valid; expected a state a standard change can reach (submitting it makes it authorised)")

            let change = try await Self.object(cli, ["changes", "show", "1", "--json"])
            #expect(change.trail == [
                "created ->new by import", "transitioned new->awaiting-approval by import", "vote by carol: approve", "vote by dave: approve",
                "transitioned awaiting-approval->authorised by dave: CAB approved",
                "transitioned authorised->scheduled by import: 2026-02-01T22:00:00.000000Z .. 2026-02-01T23:00:00.000000Z",
                "transitioned scheduled->implemented by import: successful", "transitioned implemented->reviewed by import",
                "transitioned reviewed->closed by import",
            ])
            #expect(change.string("outcome") == "successful")
            let standard = try await Self.object(cli, ["changes", "show", "2", "--json"])
            #expect(standard.string("title") == "Rotate certificates")
            #expect(standard.string("openedAt") == "2026-01-21T08:00:00.000000Z")
            #expect(standard.string("state") == "authorised")
        }
    }

    @Test("records made by the commands export, import into another database and export again the same, as CSV and as a JSON array", arguments: Engine.available)
    func roundTrip(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            for step in [
                ["services", "create", "--name", "Mail", "--owner", "Messaging team", "--criticality", "high", "--description", "Mail, with \"quotes\"\nand lines"],
                ["services", "move", "Mail", "--to", "catalog"], ["services", "create", "--name", "VPN"],
                ["incidents", "create", "--title", "Mail down", "--impact", "high", "--urgency", "high", "--service", "Mail", "--major"],
                ["incidents", "assign", "1", "--to", "alice"], ["incidents", "resolve", "1"], ["incidents", "close", "1"],
                ["incidents", "create", "--title", "Slow VPN", "--impact", "medium", "--urgency", "low", "--category", "network", "--service", "VPN"],
                ["incidents", "respond", "2"], ["incidents", "assign", "2", "--to", "bob"], ["incidents", "hold", "2"],
                ["incidents", "create", "--title", "Flaky", "--impact", "low", "--urgency", "low"], ["incidents", "resolve", "3"], ["incidents", "reopen", "3"],
                ["problems", "create", "--title", "Queue fills", "--service", "Mail"], ["problems", "update", "1", "--root-cause", "Disk full"],
                ["problems", "known-error", "1"], ["problems", "investigate", "1"], ["problems", "resolve", "1"],
                ["problems", "create", "--title", "Dropped"], ["problems", "close", "2"],
                ["changes", "create", "--title", "Upgrade mx1", "--type", "normal", "--risk", "medium", "--service", "Mail", "--approver", "carol", "--approver", "dave"],
                ["changes", "submit", "1"], ["changes", "vote", "1", "--approver", "carol", "--approve"], ["changes", "vote", "1", "--approver", "dave", "--approve"],
                ["changes", "schedule", "1", "--start", "2030-02-01T22:00Z", "--end", "2030-02-01T23:00Z"], ["changes", "implement", "1", "--outcome", "backed-out"],
                ["changes", "create", "--title", "Rotate certs", "--type", "standard", "--risk", "low"], ["changes", "submit", "2"],
                ["changes", "create", "--title", "Cancelled", "--type", "normal", "--risk", "high", "--approver", "carol"], ["changes", "cancel", "3"],
                ["changes", "create", "--title", "Refused", "--type", "emergency", "--risk", "high", "--approver", "carol"], ["changes", "submit", "4"],
                ["changes", "vote", "4", "--approver", "carol", "--reject"],
            ] { try await cli.succeed(step) }

            let kinds = ["services", "incidents", "problems", "changes"]
            var original: [String: String] = [:]
            for kind in kinds {
                original[kind] = try await cli.succeed(["export", kind]).standardOutput
                try await cli.succeed(["export", kind, "--format", "json", "--output", "\(kind).json"])
                try await cli.succeed(["export", kind, "--output", "\(kind).csv"])
            }
            #expect(Self.rows(original["incidents"] ?? "").count == 3)
            #expect(Self.rows(original["changes"] ?? "").map { $0["state"] } == ["implemented", "authorised", "cancelled", "rejected"])

            for (database, format) in [("sqlite:copy-csv.sqlite", "csv"), ("sqlite:copy-json.sqlite", "json")] {
                for kind in kinds {
                    let result = try await cli.succeed(["import", kind, "\(kind).\(format)", "--database", database, "--all-or-nothing"])
                    #expect(result.standardOutput.hasSuffix("rejected 0.\n"), "\(kind) \(format): \(result.output)")
                    let again = try await cli.succeed(["export", kind, "--database", database]).standardOutput
                    #expect(again == original[kind], "\(kind) through \(format)")
                }
            }
            // Filters: by state and by opening time.
            let resolved = Self.rows(try await cli.succeed(["export", "incidents", "--state", "closed,on-hold"]).standardOutput)
            #expect(resolved.map { $0["id"] } == ["1", "2"])
            #expect(Self.rows(try await cli.succeed(["export", "incidents", "--since", "2999-01-01"]).standardOutput).isEmpty)
            let requests = try await cli.succeed(["export", "requests", "--format", "json"])
            #expect(requests.standardOutput == "[]\n")
        }
    }

    /// `rows` incidents as CSV, every tenth with an impact we do not know, each with a 150-character description.
    static func writeIncidents(rows: Int, to url: URL) throws {
        let padding = String(repeating: "d", count: 150)
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var chunk = "title,description,impact,urgency,state,opened_at,resolved_at,closed_at\r\n"
        for row in 0..<rows {
            let impact = row % 10 == 9 ? "huge" : "medium"
            chunk += "Incident \(row),\"\(padding), \(row)\",\(impact),low,closed,2026-01-05T09:00:00Z,2026-01-05T10:00:00Z,2026-01-06T09:00:00Z\r\n"
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
    }

    @Test("importing 100,000 incidents needs no more memory than importing 1,000 (the file is streamed, rejections are not kept)")
    func importMemoryIsFlat() async throws {
        try await CLISession.with(.sqlite) { cli in
            let small = cli.directory.appendingPathComponent("small.csv")
            let large = cli.directory.appendingPathComponent("large.csv")
            try Self.writeIncidents(rows: 1_000, to: small)
            try Self.writeIncidents(rows: 100_000, to: large)

            let (smallPeak, smallRun) = try await SubscribersCommandTests.peakMemory(cli, ["import", "incidents", "small.csv"])
            #expect(smallRun.termination == .success, "\(smallRun.standardError.suffix(2000))")
            #expect(smallRun.standardOutput.hasSuffix("Imported 900 rows (900 closed); rejected 100.\n"))
            let (largePeak, largeRun) = try await SubscribersCommandTests.peakMemory(cli, ["import", "incidents", "large.csv"])
            #expect(largeRun.termination == .success, "\(largeRun.standardError.suffix(2000))")
            #expect(largeRun.standardOutput.hasSuffix("Imported 90000 rows (90000 closed); rejected 10000.\n"), "\(largeRun.standardOutput.suffix(300))")
            #expect(largeRun.standardOutput.contains("line 100001: impact: 'huge' is not valid; expected one of high, medium, low"))
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents") == 90_900)

            // Holding the file (19 MB), the records or a string per rejection would show as tens of MB.
            #expect(largePeak - smallPeak < 8_000, "peak RSS: \(smallPeak) kB for 1,000 rows, \(largePeak) kB for 100,000")
        }
    }
}
