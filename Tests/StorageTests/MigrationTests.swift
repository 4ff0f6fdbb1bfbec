import Domain
import SQLKit
import Storage
import Testing

/// A migrator's failure with the server's full report (PSQLError's description hides it).
private struct MigratorFailed: Error, CustomStringConvertible {
    var instance: Int
    var error: any Error
    var description: String { "migrator \(instance) failed: \(String(reflecting: error))" }
}

@Suite("Schema migrations")
struct MigrationTests {
    /// Every migration released so far, written down by hand: append a line when a migration is added.
    static let released: [(version: Int, name: String)] = [
        (1, "itil records and audit trail"),
        (2, "mail outbox"),
        (3, "mailing lists and subscriptions"),
        (4, "digest indexes and the empty-digest choice"),
        (5, "digest runs"),
        (6, "hold events index"),
        (7, "imported record ids"),
    ]
    static let versions = released.map(\.version)
    static let latest = 7

    @Test("released migrations are never renumbered or renamed, only appended")
    func migrationsAreAppendOnly() {
        #expect(Schema.migrations.map(\.version) == Self.versions)
        #expect(Schema.migrations.map(\.name) == Self.released.map(\.name))
        #expect(Self.versions.last == Self.latest)
    }

    @Test("migrations apply once, in order, and are recorded with the injected time", arguments: TestEngine.available)
    func appliesOnceAndRecords(engine: TestEngine) async throws {
        try await withScratchLocation(engine) { location in
            try await withDatabase(at: location) { database in
                let migrator = Migrator(database: database)
                #expect(migrator.latestVersion == Self.latest)

                let before = try await migrator.status()
                #expect(before.applied == [])
                #expect(before.current == 0)
                #expect(before.pending == Self.versions)

                let applied = try await migrator.migrate(now: migratedAt)
                #expect(applied == Self.versions)

                let after = try await migrator.status()
                #expect(after.applied == Self.versions)
                #expect(after.current == Self.latest)
                #expect(after.latest == Self.latest)
                #expect(after.pending == [])
                #expect(after.isNewerThanBinary == false)
                try await migrator.checkCompatible()

                let ledger = try await database.withSession { db in
                    try await db.raw("SELECT version, name, applied_at_us FROM schema_migrations ORDER BY version").all()
                }
                #expect(ledger.count == Self.released.count)
                for (row, migration) in zip(ledger, Self.released) {
                    #expect(try row.decode(column: "version", as: Int64.self) == Int64(migration.version))
                    #expect(try row.decode(column: "name", as: String.self) == migration.name)
                    // 2026-03-02T09:00:00Z in microseconds.
                    #expect(try row.decode(column: "applied_at_us", as: Int64.self) == 1_772_442_000_000_000)
                }

                // The tables exist and are empty.
                let tables = allTables + ["outbox_messages", "mailing_lists", "subscribers", "subscriptions", "consent_records", "suppressions"]
                let counts = try await database.rowCounts(tables)
                #expect(counts == Dictionary(uniqueKeysWithValues: tables.map { ($0, Int64(0)) }))
            }
        }
    }

    @Test("running the migrations again applies nothing and records nothing", arguments: TestEngine.available)
    func secondRunAppliesNothing(engine: TestEngine) async throws {
        try await withScratchLocation(engine) { location in
            let first = try await Store.open(location, now: migratedAt, logger: testLogger)
            try await closing(first.store.database) {
                #expect(first.applied == Self.versions)
                // Same process, same database, later.
                let again = try await Migrator(database: first.store.database).migrate(now: after(migratedAt, minutes: 1))
                #expect(again == [])
            }

            // A later process opening the same database.
            let second = try await Store.open(location, now: after(migratedAt, minutes: 60), logger: testLogger)
            try await closing(second.store.database) {
                #expect(second.applied == [])
                let appliedAt = try await second.store.database.withSession { db in
                    try await db.raw("SELECT applied_at_us FROM schema_migrations ORDER BY version").all()
                        .map { try $0.decode(column: "applied_at_us", as: Int64.self) }
                }
                // Each migration recorded once, at the first run's time (2026-03-02T09:00:00Z).
                #expect(appliedAt == Array(repeating: 1_772_442_000_000_000, count: Self.released.count))
                let status = try await Migrator(database: second.store.database).status()
                #expect(status.applied == Self.versions)
            }
        }
    }

    @Test("migrators running at the same time apply each migration exactly once", arguments: TestEngine.available)
    func concurrentMigrators(engine: TestEngine) async throws {
        try await withScratchLocation(engine) { location in
            let applied: [[Int]]
            switch engine {
            case .postgres:
                // Separate Database values, as separate scheduler instances have: separate connections
                // racing for the ledger and the advisory lock. All connect before any starts, so that
                // they start together.
                applied = try await withDatabases(16, at: location) { try await Self.migrateAtOnce($0) }
            case .sqlite:
                // Two migrate calls on one Database. (Several SQLite Database values in one process
                // would share NIO's blocking thread pool, where a writer waiting on busy_timeout holds
                // a thread; separate processes, the real case, do not share it.)
                applied = try await withDatabase(at: location) { database in try await Self.migrateAtOnce([database, database]) }
            }
            #expect(applied.flatMap { $0 } == Self.versions)
            #expect(applied.filter(\.isEmpty).count == (engine == .postgres ? 15 : 1))

            let (status, ledgerRows) = try await withDatabase(at: location) { database in
                (try await Migrator(database: database).status(), try await database.rowCount("schema_migrations"))
            }
            #expect(status.applied == Self.versions)
            #expect(status.pending == [])
            #expect(ledgerRows == Int64(Self.released.count))
        }
    }

    /// Runs one migrator per entry of `databases` concurrently; returns what each applied.
    private static func migrateAtOnce(_ databases: [Database]) async throws -> [[Int]] {
        try await withThrowingTaskGroup(of: [Int].self) { group in
            for (instance, database) in databases.enumerated() {
                group.addTask {
                    do {
                        return try await Migrator(database: database).migrate(now: after(migratedAt, microseconds: Int64(instance)))
                    } catch {
                        throw MigratorFailed(instance: instance, error: error)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test("a database migrated by a newer binary is refused and left untouched", arguments: TestEngine.available)
    func newerSchemaRefused(engine: TestEngine) async throws {
        try await withScratchLocation(engine) { location in
            try await withDatabase(at: location) { database in
                try await Migrator(database: database).migrate(now: migratedAt)
                try await database.withSession { db in
                    try await db.raw("INSERT INTO schema_migrations (version, name, applied_at_us) VALUES (999, 'from the future', 0)").run()
                }
                let migrator = Migrator(database: database)
                let status = try await migrator.status()
                #expect(status.applied == Self.versions + [999])
                #expect(status.current == 999)
                #expect(status.isNewerThanBinary)
                #expect(status.pending == [])
                await #expect(throws: StorageError.schemaTooNew(database: 999, binary: Self.latest)) {
                    try await migrator.checkCompatible()
                }
                await #expect(throws: StorageError.schemaTooNew(database: 999, binary: Self.latest)) {
                    try await migrator.migrate(now: migratedAt)
                }
            }

            await #expect(throws: StorageError.schemaTooNew(database: 999, binary: Self.latest)) {
                _ = try await Store.open(location, now: migratedAt, logger: testLogger)
            }

            let ledgerRows = try await withDatabase(at: location) { database in try await database.rowCount("schema_migrations") }
            #expect(ledgerRows == Int64(Self.released.count + 1))
        }
    }

    @Test("the schema-too-new error tells the operator what to do")
    func schemaTooNewMessage() {
        #expect(
            StorageError.schemaTooNew(database: 999, binary: 2).description
                == "the database schema is at version 999 but this binary knows only up to version 2; upgrade itsm before using this database"
        )
    }
}
