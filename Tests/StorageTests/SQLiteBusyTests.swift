import Foundation
import Synchronization
import SQLKit
import Storage
import Testing

/// A SQLite write transaction while another connection (another process, in practice: a file import)
/// holds the write lock. A writer that commits batch after batch takes the lock again before the
/// waiting side's busy handler wakes, so one busy timeout is no bound on the wait: `BEGIN IMMEDIATE`
/// tries `Database.sqliteBeginTries` times, then fails with `StorageError.busy`, having changed nothing.
/// The busy timeout is 100 ms here instead of 10 s; the holder is a second `Database` on the file.
@Suite("Storage: a SQLite writer waits out another connection's write lock", .timeLimit(.minutes(3)))
struct SQLiteBusyTests {
    static let busyTimeout = Duration.milliseconds(100)

    /// Runs `body` with two databases on one new SQLite file holding `probe (x)`.
    static func withTwo(_ body: (Database, Database) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-busy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("busy.sqlite").path
        let first = try await Database.open(.sqlite(path: path), logger: testLogger, busyTimeout: busyTimeout)
        let second = try await Database.open(.sqlite(path: path), logger: testLogger, busyTimeout: busyTimeout)
        do {
            try await first.withSession { db in try await db.raw("CREATE TABLE probe (x INTEGER NOT NULL)").run() }
            try await body(first, second)
        } catch {
            try await first.close()
            try await second.close()
            throw error
        }
        try await first.close()
        try await second.close()
    }

    static func values(_ database: Database) async throws -> [Int64] {
        try await database.withSession { db in
            try await db.raw("SELECT x FROM probe ORDER BY x").all().map { try $0.decode(column: "x", as: Int64.self) }
        }
    }

    /// `database` holds a write transaction (one row, 1, written) until `release` yields; returns once it holds it.
    static func hold(_ database: Database, until release: AsyncStream<Void>) async throws -> Task<Void, any Error> {
        let (held, heldSignal) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await database.transaction { db in
                try await db.raw("INSERT INTO probe (x) VALUES (1)").run()
                heldSignal.yield()
                for await _ in release { break }
            }
        }
        for await _ in held { break }
        return holder
    }

    @Test("held past one busy timeout, then let go: the waiting transaction begins, writes and commits")
    func waitsPastOneTimeout() async throws {
        try await Self.withTwo { first, second in
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            let holder = try await Self.hold(second, until: release)
            let clock = ContinuousClock()
            let started = clock.now
            let waiter = Task { try await first.transaction { db in try await db.raw("INSERT INTO probe (x) VALUES (2)").run() } }
            // Three busy timeouts of the six tries: before the retries, the waiter failed after the first.
            try await clock.sleep(until: started + Self.busyTimeout * 3)
            releaseSignal.yield()
            try await holder.value
            try await waiter.value
            #expect(try await Self.values(first) == [1, 2])
        }
    }

    @Test("held for good: after six busy timeouts the transaction fails with a sentence that says so, its body never ran, nothing written")
    func failsAfterAllTries() async throws {
        try await Self.withTwo { first, second in
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            let holder = try await Self.hold(second, until: release)
            let ran = BodyRan()
            let clock = ContinuousClock()
            let started = clock.now
            let error = await #expect(throws: StorageError.self) {
                try await first.transaction { db in
                    ran.set()
                    try await db.raw("INSERT INTO probe (x) VALUES (2)").run()
                }
            }
            let waited = clock.now - started
            releaseSignal.yield()
            try await holder.value
            #expect(error == .busy(waited: Self.busyTimeout * Database.sqliteBeginTries))
            #expect(error?.description == "the database is busy: another process kept its write lock for over 600 ms (a long import?); nothing was changed, try again")
            #expect(waited >= Self.busyTimeout * Database.sqliteBeginTries)
            #expect(!ran.isSet)
            #expect(try await Self.values(first) == [1])
        }
    }
}

/// A flag set from a `@Sendable` closure.
final class BodyRan: Sendable {
    private let storage = Mutex(false)
    func set() { storage.withLock { $0 = true } }
    var isSet: Bool { storage.withLock { $0 } }
}
