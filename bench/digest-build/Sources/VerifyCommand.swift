import ArgumentParser
import Domain
import Foundation
import Logging
import SQLKit
import Storage

/// `verify`: loads a sample of generated records through the Storage repositories and checks
/// that the facts the domain derives from each audit trail are the ones in the columns.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a sample of generated records against the domain (derived facts, legal moves, SLA clock).",
        discussion: """
            For each sampled incident, change, problem, request, service and improvement: the trail replays
            through the state machine, and openedAt, firstResponseAt, resolvedAt, closedAt, implementedAt,
            knownErrorAt, fulfilledAt, statusSince and the current value equal their columns. Incidents'
            business times from the generator's working-time table equal the domain's SLA clock.
            Exits non-zero on any mismatch.

            Example:
              itsm-bench-digest verify --database sqlite:/tmp/digest.sqlite --sample 500
            """
    )

    @Option(help: "The database generate filled.")
    var database: String

    @Option(help: "Records sampled per kind.")
    var sample: Int = 300

    @Option(help: "Seed of the sample.")
    var seed: UInt64 = 42

    @Option(help: "The --end given to generate.")
    var end: String = "2026-11-23T00:00:00Z"

    func run() async throws {
        var logger = Logger(label: "itsm-bench-digest")
        logger.logLevel = .warning
        guard let endInstant = Instant(iso8601: end) else { throw ValidationError("--end: not an ISO 8601 instant: \(end)") }
        let (store, _) = try await Store.open(try DatabaseLocation(parsing: database), now: endInstant, logger: logger)
        var checks = Checks(end: endInstant)
        do {
            try await verify(store, checks: &checks)
            try await store.database.close()
        } catch {
            try? await store.database.close()
            throw error
        }
        for line in checks.summary { report(line) }
        guard checks.failures.isEmpty else {
            for failure in checks.failures.prefix(30) { report("MISMATCH \(failure)") }
            throw ExitCode(1)
        }
        report("verify engine=\(store.database.engine.rawValue) ok checked=\(checks.checked)")
    }

    private func verify(_ store: Store, checks: inout Checks) async throws {
        var random = SeededRandom(seed: seed, stream: DatasetPlan.Stream.verify.rawValue)
        func ids(_ table: String) async throws -> [Int64] {
            let max = try await store.database.withSession { db in
                try await db.raw("SELECT MAX(id) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int64?.self) ?? nil
            } ?? 0
            guard max > 0 else { return [] }
            return (0..<min(sample, Int(max))).map { _ in Int64(random.int(1...Int(max))) }
        }
        func row(_ table: String, _ id: Int64) async throws -> any SQLRow {
            try await store.database.withSession { db in
                try await db.raw("SELECT * FROM \(ident: table) WHERE id = \(bind: id)").first()!
            }
        }

        var calendars: [Int64: BusinessCalendar] = [:]
        for calendar in try await store.calendars.list() { calendars[calendar.id!] = calendar }
        var slas: [Int64: ServiceLevelAgreement] = [:]
        for sla in try await store.slas.list() { slas[sla.id!] = sla }
        var services: [Int64: Service] = [:]
        for service in try await store.services.list() { services[service.id!] = service }
        // The generator's working-time tables, to compare with the domain's business time.
        let firstDay = CivilDate(daysSinceEpoch: Int(checks.end.secondsSinceEpoch / 86_400) - 740)
        let lastDay = CivilDate(daysSinceEpoch: Int(checks.end.secondsSinceEpoch / 86_400) + 90)
        let tables = calendars.mapValues { WorkingTime(calendar: $0, from: firstDay, through: lastDay) }

        for id in try await ids("incidents") {
            let incident = try await store.incidents.get(id)
            try checks.incident(incident, row: try await row("incidents", id), services: services, slas: slas, calendars: calendars, tables: tables)
        }
        for id in try await ids("changes") {
            try checks.change(try await store.changes.get(id), row: try await row("changes", id))
        }
        for id in try await ids("problems") {
            try checks.problem(try await store.problems.get(id), row: try await row("problems", id))
        }
        for id in try await ids("requests") {
            try checks.request(try await store.requests.get(id), row: try await row("requests", id))
        }
        for service in services.values { try checks.service(service, row: try await row("services", service.id!)) }
        for improvement in try await store.improvements.list() {
            try checks.improvement(improvement, row: try await row("improvements", improvement.id!))
        }
        // Whole-table counts that must agree: one created event per record, one vote event per vote.
        let totals = try await store.database.withSession { db in
            var totals: [(String, Int64, Int64)] = []
            for (kind, table) in [("incident", "incidents"), ("change", "changes"), ("problem", "problems"), ("request", "requests"), ("service", "services")] {
                let row = try await db.raw("""
                    SELECT (SELECT COUNT(*) FROM \(ident: table)) AS records,
                           (SELECT COUNT(*) FROM record_events WHERE record_kind = \(bind: kind) AND action = 'created') AS events
                    """).first()!
                totals.append(("\(table): records vs created events", try row.decode(column: "records", as: Int64.self), try row.decode(column: "events", as: Int64.self)))
            }
            let row = try await db.raw("""
                SELECT (SELECT COUNT(*) FROM change_votes) AS records,
                       (SELECT COUNT(*) FROM record_events WHERE record_kind = 'change' AND action = 'vote') AS events
                """).first()!
            totals.append(("change_votes vs vote events", try row.decode(column: "records", as: Int64.self), try row.decode(column: "events", as: Int64.self)))
            return totals
        }
        for (what, records, events) in totals { checks.equal(what, records, events) }
    }
}
