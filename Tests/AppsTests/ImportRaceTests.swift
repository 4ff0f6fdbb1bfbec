import Foundation
import Testing

/// Two imports of the same source at once. SQLite serialises writers: one waits for the other's
/// transaction, then finds its ids. PostgreSQL lets them overlap. Two real imports overlap however the
/// scheduler has them; the PostgreSQL-only cases force the interleaving instead: the other import is a
/// `psql` transaction that has remembered an id and not committed, so the import reads no mapping for
/// that id, writes the row's record, then waits for that transaction at the id's mapping, and the
/// transaction commits only once somebody waits for it. The last case races two subscriber imports
/// of the same addresses.
@Suite("itsm import and itsm subscribers import racing another import of the same rows")
struct ImportRaceTests {
    static let postgres: [Engine] = Engine.available.filter { $0 == .postgres }

    /// Starts the other import's transaction: `sourceID` of `kind`, from the default source, remembered
    /// as `recordID`. Returns once the mapping is written, uncommitted.
    ///
    /// With `then`, once the import waits for the transaction it also remembers `then`, which the
    /// import has remembered and not committed: a deadlock. This session checks for deadlocks only
    /// after a minute, the import's after the server's default second, so the server ends the
    /// import's transaction, and this one then goes on and commits. `SET deadlock_timeout` needs a
    /// superuser: `scripts/test` connects as `postgres`.
    static func holdMapping(kind: String, sourceID: String, recordID: Int, then: String? = nil, in cli: CLISession) async throws -> ChildProcess {
        let script = cli.directory.appendingPathComponent("hold-\(sourceID).sql")
        let mapping = { (sourceID: String) in
            """
            INSERT INTO imported_records (record_kind, source, source_id, record_id, imported_at_us)
                VALUES ('\(kind)', 'import', '\(sourceID)', \(recordID), 0);
            """
        }
        try Data("""
            \(then == nil ? "" : "SET deadlock_timeout = '60s';")
            BEGIN;
            \(mapping(sourceID))
            \\warn holding
            -- pg_stat_activity is a snapshot per transaction: cleared before each look.
            DO $$
            BEGIN
                FOR attempt IN 1..1200 LOOP
                    PERFORM pg_stat_clear_snapshot();
                    IF EXISTS (SELECT 1 FROM pg_stat_activity WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid))) THEN RETURN; END IF;
                    PERFORM pg_sleep(0.05);
                END LOOP;
                RAISE EXCEPTION 'nobody waited for the transaction holding %', '\(sourceID)';
            END $$;
            \(then.map(mapping) ?? "")
            COMMIT;

            """.utf8).write(to: script)
        let holder = try cli.database.startPSQL(script: script)
        try await holder.waitForStandardError(containing: "holding")
        return holder
    }

    /// The outcomes of imports that ran at once, added up; each must have exited 0 and rejected nothing.
    static func outcomes<Report: Decodable>(
        of results: [CommandResult], _ type: Report.Type, _ outcomes: KeyPath<Report, [String: Int]>, rejected: KeyPath<Report, Int>
    ) throws -> [String: Int] {
        var total: [String: Int] = [:]
        for result in results {
            try #require(result.termination == .success, "\(result.output)")
            let report = try JSONDecoder().decode(type, from: Data(result.standardOutput.utf8))
            #expect(report[keyPath: rejected] == 0, "\(result.output)")
            total.merge(report[keyPath: outcomes], uniquingKeysWith: +)
        }
        return total
    }

    /// Runs `itsm import <command> FILE --json` while `holdMapping` holds `sourceID` of `kind` (as
    /// `recordID`); returns the import's report once both have ended, each successfully.
    static func importWhileHolding(
        _ command: String, _ file: String, kind: String, sourceID: String, recordID: Int, in cli: CLISession
    ) async throws -> (report: RecordImportJSON, output: String) {
        let holder = try await holdMapping(kind: kind, sourceID: sourceID, recordID: recordID, in: cli)
        async let imported = cli.run(["import", command, file, "--json"])
        let held = try await holder.waitForExit()
        let result = try await imported
        #expect(held == .success, "\(holder.standardError)")
        try #require(result.termination == .success, "\(result.output)")
        return (try JSONDecoder().decode(RecordImportJSON.self, from: Data(result.standardOutput.utf8)), result.output)
    }

    @Test("two imports of the same 1,200 incidents at once: each row new in one and already-imported in the other, no record twice", arguments: Engine.available)
    func twoImportsAtOnce(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            let rows = (1...1_200).map { "INC\($0),Incident \($0),low,low\r\n" }.joined()
            try ImportExportCommandTests.write("id,title,impact,urgency\r\n" + rows, "incidents.csv", in: cli)

            async let first = cli.run(["import", "incidents", "incidents.csv", "--json"])
            async let second = cli.run(["import", "incidents", "incidents.csv", "--json"])
            let outcomes = try Self.outcomes(of: try await [first, second], RecordImportJSON.self, \.outcomes, rejected: \.rejected)
            #expect(outcomes == ["new": 1_200, "already-imported": 1_200])
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents") == 1_200)
            #expect(try await cli.count("SELECT COUNT(DISTINCT title) FROM incidents") == 1_200)
            #expect(try await cli.count("SELECT COUNT(*) FROM imported_records") == 1_200)
        }
    }

    @Test("an id another import remembers while the batch waits: counted as already-imported, its record not made twice, the rest imported", arguments: postgres)
    func idTakenDuringBatch(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            // The other import's record for INC2 (incident 1).
            try await cli.succeed(["incidents", "create", "--title", "VPN slow, by the other import", "--impact", "low", "--urgency", "medium"])
            try ImportExportCommandTests.write("""
                id,title,impact,urgency\r
                INC1,Mail down,high,high\r
                INC2,VPN slow,low,medium\r
                INC3,Printer jam,low,low\r
                ,No id,low,low\r

                """, "incidents.csv", in: cli)
            let (report, output) = try await Self.importWhileHolding("incidents", "incidents.csv", kind: "incident", sourceID: "INC2", recordID: 1, in: cli)
            #expect(report.outcomes == ["new": 3, "already-imported": 1], "\(output)")
            #expect(report.rejected == 0)
            #expect(report.committed)

            // 1 of the other import's + INC1, INC3 and the row without an id; INC2 still the other import's.
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents") == 4)
            #expect(try await cli.count("SELECT COUNT(*) FROM incidents WHERE title = 'VPN slow'") == 0)
            #expect(try await cli.count("SELECT COUNT(*) FROM imported_records") == 3)
            #expect(try await cli.count("SELECT record_id FROM imported_records WHERE source_id = 'INC2'") == 1)
            #expect(try await cli.count(
                "SELECT COUNT(*) FROM imported_records r JOIN incidents i ON i.id = r.record_id WHERE r.source_id IN ('INC1', 'INC3') AND i.title IN ('Mail down', 'Printer jam')") == 2)
        }
    }

    @Test("an id another import remembers while the rows go one by one: that row counted as already-imported, the others as they would be", arguments: postgres)
    func idTakenRowByRow(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            // The other import's record for S3 (service 1).
            try await cli.succeed(["services", "create", "--name", "Web, by the other import"])
            // S2 repeats S1's name: the batch fails at S2's insert and goes row by row, where S3 meets the other import.
            try ImportExportCommandTests.write("id,name\nS1,Mail\nS2,Mail\nS3,Web\n", "services.csv", in: cli)
            let (report, output) = try await Self.importWhileHolding("services", "services.csv", kind: "service", sourceID: "S3", recordID: 1, in: cli)
            #expect(report.rejections.map(\.line) == [3], "\(output)")
            #expect(report.outcomes == ["pipeline": 1, "already-imported": 1], "\(output)")

            // The other import's service and Mail; no Web of this import's.
            #expect(try await cli.count("SELECT COUNT(*) FROM services") == 2)
            #expect(try await cli.count("SELECT COUNT(*) FROM services WHERE name = 'Web'") == 0)
            #expect(try await cli.count("SELECT record_id FROM imported_records WHERE source_id = 'S3'") == 1)
            #expect(try await cli.count("SELECT COUNT(*) FROM imported_records") == 2)
        }
    }

    @Test("two imports remembering the same ids in a deadlock: the import the server ends writes its batch again and counts the other's ids as already-imported", arguments: postgres)
    func deadlockedBatchWrittenAgain(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            // The other import's record for S1 and S2 (service 1).
            try await cli.succeed(["services", "create", "--name", "Web, by the other import"])
            try ImportExportCommandTests.write("id,name\nS1,Mail\nS2,Web\nS3,Print\n", "services.csv", in: cli)
            // The import remembers S1, then waits at S2, which the other holds; the other then waits at S1.
            let holder = try await Self.holdMapping(kind: "service", sourceID: "S2", recordID: 1, then: "S1", in: cli)
            async let imported = cli.run(["import", "services", "services.csv", "--json"])
            let held = try await holder.waitForExit()
            let result = try await imported
            #expect(held == .success, "the other transaction was ended instead: \(holder.standardError)")
            try #require(result.termination == .success, "\(result.output)")
            let report = try JSONDecoder().decode(RecordImportJSON.self, from: Data(result.standardOutput.utf8))
            #expect(report.outcomes == ["pipeline": 1, "already-imported": 2], "\(result.output)")
            #expect(report.rejected == 0)

            // The other import's service and Print; Mail and Web of this import's went back with the first try.
            #expect(try await cli.count("SELECT COUNT(*) FROM services") == 2)
            #expect(try await cli.count("SELECT COUNT(*) FROM services WHERE name IN ('Mail', 'Web')") == 0)
            #expect(try await cli.count("SELECT COUNT(*) FROM imported_records WHERE record_id = 1") == 2)
            #expect(try await cli.count(
                "SELECT COUNT(*) FROM imported_records r JOIN services s ON s.id = r.record_id WHERE r.source_id = 'S3' AND s.name = 'Print'") == 1)
        }
    }

    /// Whether the two overlap is up to the scheduler (on SQLite they take turns at the write lock);
    /// what holds either way is checked. An address already on the list goes through the one-row
    /// path, a dozen statements: with 1,500 addresses the second import took over the runner's 120 s
    /// in a loaded CI run (31.6 s in a debug build beside four busy loops), and 600 took the test
    /// 133 s there; so 300, one batch each way writing the same addresses, and more time.
    @Test("two subscriber imports of the same 300 addresses at once, one file in reverse order: both exit 0, each address once on the list, confirmed once", arguments: Engine.available)
    func twoSubscriberImportsAtOnce(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try await cli.succeed(["lists", "create", "ops", "--title", "Ops", "--sender", "itsm@example.org"])
            let rows = (1...300).map { "\(SubscriberNumbering.address($0)),Person \($0)" }
            try ImportExportCommandTests.write((["email,name"] + rows).joined(separator: "\n") + "\n", "forwards.csv", in: cli)
            try ImportExportCommandTests.write((["email,name"] + rows.reversed()).joined(separator: "\n") + "\n", "backwards.csv", in: cli)

            let arguments = ["--confirmed", "--reason", "race test", "--json"]
            async let forwards = cli.run(["subscribers", "import", "ops", "forwards.csv"] + arguments, timeout: .seconds(300))
            async let backwards = cli.run(["subscribers", "import", "ops", "backwards.csv"] + arguments, timeout: .seconds(300))
            let outcomes = try Self.outcomes(of: try await [forwards, backwards], ImportJSON.self, \.outcomes, rejected: \.rejected)
            #expect(outcomes == ["confirmed": 300, "already-confirmed": 300])
            #expect(try await cli.count("SELECT COUNT(*) FROM subscribers") == 300)
            #expect(try await cli.count("SELECT COUNT(*) FROM subscriptions WHERE state = 'confirmed'") == 300)
            // Each import's request is evidence (subscribed, twice per address); the confirmation once,
            // by the import that found the address new.
            #expect(try await cli.database.execute("SELECT action, COUNT(*) FROM consent_records GROUP BY action ORDER BY action")
                == "confirmed|300\nsubscribed|600")
        }
    }
}
