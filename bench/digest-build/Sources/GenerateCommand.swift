import ArgumentParser
import Domain
import Foundation
import Logging
import SQLKit
import Storage

/// `generate`: fills a fresh database with a two-year history at a chosen scale.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Fill a freshly migrated database with two years of services, incidents, problems, changes and requests.",
        discussion: """
            Scale 1.0: 2,000 services, 1,000,000 incidents, 200,000 changes, 50,000 problems, 200,000 requests,
            120 improvements, with every state change in record_events as the domain writes it.
            The same seed, scale and end give the same rows.

            Examples:
              itsm-bench-digest generate --database sqlite:/tmp/digest.sqlite --scale 0.01
              itsm-bench-digest generate --database postgres://postgres@127.0.0.1:5432/digest --scale 1.0 --seed 42
            """
    )

    @Option(help: "sqlite:PATH or postgres://user:password@host:port/database (must hold no records yet).")
    var database: String

    @Option(help: "Share of the issue's sizes (1.0 = 1M incidents).")
    var scale: Double = 1.0

    @Option(help: "Seed of the random streams.")
    var seed: UInt64 = 42

    @Option(help: "The instant the history ends (ISO 8601, UTC); it covers the 730 days before.")
    var end: String = "2026-11-23T00:00:00Z"

    @Option(help: "Records per transaction.")
    var batchSize: Int = 20_000

    func validate() throws {
        guard scale > 0, scale <= 10 else { throw ValidationError("--scale must be above 0 and at most 10 (got \(scale))") }
        guard Instant(iso8601: end) != nil else { throw ValidationError("--end must be an ISO 8601 instant such as 2026-11-23T00:00:00Z (got \(end))") }
        guard batchSize >= 100 else { throw ValidationError("--batch-size must be at least 100") }
    }

    func run() async throws {
        var logger = Logger(label: "itsm-bench-digest")
        logger.logLevel = .warning
        let plan = DatasetPlan(seed: seed, scale: scale, end: Instant(iso8601: end)!)
        let location = try DatabaseLocation(parsing: database)
        let (store, _) = try await Store.open(location, now: plan.end, logger: logger)
        do {
            try await generate(plan, into: store)
            try await store.database.close()
        } catch {
            try? await store.database.close()
            throw error
        }
    }

    private func generate(_ plan: DatasetPlan, into store: Store) async throws {
        let engine = store.database.engine
        let existing = try await store.database.withSession { db in
            try await db.raw("SELECT (SELECT COUNT(*) FROM services) + (SELECT COUNT(*) FROM calendars) AS n").first()?.decode(column: "n", as: Int64.self) ?? 0
        }
        guard existing == 0 else {
            throw ValidationError("\(store.database.location) already holds services or calendars: generate into a fresh database")
        }
        let maxParameters = engine == .sqlite ? 32_000 : 65_000
        let clock = ContinuousClock()
        let started = clock.now
        var phaseStarted = started
        func phase(_ name: String, _ records: Int) {
            let now = clock.now
            report("phase engine=\(engine.rawValue) name=\(name) records=\(records) seconds=\(format(now - phaseStarted))")
            phaseStarted = now
        }
        let write: @Sendable (Batch) async throws -> Void = { batch in
            try await store.database.transaction { db in try await batch.write(on: db, maxParameters: maxParameters) }
        }

        let levels = try await ServiceLevels.create(in: store, plan: plan)
        let services = try ServiceGenerator.make(plan: plan, levels: levels)
        try await write(ServiceGenerator.rows(services))
        phase("services", services.count)

        let sampler = ServiceSampler(services)
        let arrivals = ArrivalPattern(plan: plan, calendars: levels.calendars)
        let problems = try await ProblemGenerator(plan: plan, sampler: sampler, arrivals: arrivals).make(batchSize: batchSize, write: write)
        phase("problems", plan.problems)
        let incidents = try await IncidentGenerator(plan: plan, sampler: sampler, arrivals: arrivals, problems: problems, levels: levels)
            .make(batchSize: batchSize, write: write)
        phase("incidents", plan.incidents)
        let changes = try await ChangeGenerator(plan: plan, sampler: sampler, arrivals: arrivals, incidents: incidents)
            .make(batchSize: batchSize, write: write)
        phase("changes", changes)
        try await RequestGenerator(plan: plan, sampler: sampler, arrivals: arrivals, levels: levels).make(batchSize: batchSize, write: write)
        phase("requests", plan.requests)
        try await write(ImprovementGenerator(plan: plan, services: services).make())
        let freezes = try await FreezeWindows.create(in: store, plan: plan, services: services, berlin: levels.calendars[0])
        phase("improvements+freezes", plan.improvements + freezes)

        try await Self.finish(store)
        phase("sequences+analyze", 0)
        report("load engine=\(engine.rawValue) scale=\(plan.scale) seed=\(plan.seed) seconds=\(format(clock.now - started))")
        for (table, rows) in try await Self.counts(store) { report("rows engine=\(engine.rawValue) table=\(table) count=\(rows)") }
        report("size engine=\(engine.rawValue) bytes=\(try await Self.size(of: store))")
    }

    static let tables = [
        "calendars", "slas", "sla_targets", "services", "problems", "incidents", "changes", "change_votes", "change_incidents",
        "requests", "improvements", "freeze_windows", "record_events",
    ]

    /// Identity sequences past the explicit ids (PostgreSQL), then fresh planner statistics.
    static func finish(_ store: Store) async throws {
        let engine = store.database.engine
        try await store.database.withSession { db in
            if engine == .postgres {
                for table in ["services", "problems", "incidents", "changes", "requests", "improvements"] {
                    try await db.raw("SELECT setval(pg_get_serial_sequence('\(unsafeRaw: table)', 'id'), (SELECT MAX(id) FROM \(ident: table)))").run()
                }
                // As a live database would be after autovacuum: statistics and the visibility map.
                try await db.raw("VACUUM ANALYZE").run()
            } else {
                try await db.raw("ANALYZE").run()
                try await db.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
            }
        }
    }

    static func counts(_ store: Store) async throws -> [(String, Int64)] {
        try await store.database.withSession { db in
            var result: [(String, Int64)] = []
            for table in tables {
                let count = try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int64.self) ?? 0
                result.append((table, count))
            }
            return result
        }
    }

    /// Bytes on disk: the SQLite file (after a checkpoint), or the PostgreSQL database.
    static func size(of store: Store) async throws -> Int64 {
        switch store.database.location {
        case .sqlite(let path):
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int64 ?? 0
            return ((attributes[.size] as? NSNumber)?.int64Value ?? 0) + wal
        case .postgres:
            return try await store.database.withSession { db in
                try await db.raw("SELECT pg_database_size(current_database()) AS n").first()?.decode(column: "n", as: Int64.self) ?? 0
            }
        }
    }
}

/// One line to standard output, flushed at once (the run script reads it while the load goes on).
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func format(_ duration: Duration) -> String { String(format: "%.1f", duration.secondsValue) }
