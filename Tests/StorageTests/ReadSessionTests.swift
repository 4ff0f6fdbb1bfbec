import SQLKit
import Storage
import Testing

/// `Database.withReadSession`: reads that do not wait for a write transaction under way (SQLite's
/// read-only connections beside the single writer; any pooled connection on PostgreSQL).
@Suite("Storage: read sessions beside a write transaction", .timeLimit(.minutes(3)))
struct ReadSessionTests {
    private static func count(_ db: any SQLDatabase) async throws -> Int64 {
        try await db.raw("SELECT COUNT(*) AS n FROM read_probe").first()?.decode(column: "n", as: Int64.self) ?? -1
    }

    /// Before read sessions, SQLite's one connection made this read wait for the transaction, which
    /// waits for the read: the time limit (the suite's 3 minutes; the full run's first wave alone can
    /// take over one) turns that into a failure.
    @Test("a read session answers while a write transaction is open, with the last commit; after the commit it sees the new row", arguments: TestEngine.available)
    func readDuringWrite(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let database = store.database
            try await database.withSession { db in try await db.raw("CREATE TABLE read_probe (x INTEGER NOT NULL)").run() }
            try await database.transaction { db in try await db.raw("INSERT INTO read_probe (x) VALUES (1)").run() }

            let (inserted, insertedSignal) = AsyncStream<Void>.makeStream()
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            async let writer: Void = database.transaction { db in
                try await db.raw("INSERT INTO read_probe (x) VALUES (2)").run()
                insertedSignal.yield()
                for await _ in release { break }
            }
            for await _ in inserted { break }
            // The writer holds its transaction (and on SQLite the only write connection) until released.
            #expect(try await database.withReadSession { db in try await Self.count(db) } == 1)
            releaseSignal.yield()
            try await writer
            #expect(try await database.withReadSession { db in try await Self.count(db) } == 2)
        }
    }

    @Test("on SQLite a read session refuses to write, and nothing is written")
    func sqliteReadSessionIsReadOnly() async throws {
        try await withStore(.sqlite) { store in
            let database = store.database
            try await database.withSession { db in try await db.raw("CREATE TABLE read_probe (x INTEGER NOT NULL)").run() }
            await #expect(throws: (any Error).self) {
                try await database.withReadSession { db in try await db.raw("INSERT INTO read_probe (x) VALUES (1)").run() }
            }
            #expect(try await database.withSession { db in try await Self.count(db) } == 0)
        }
    }
}
