import Foundation
import Logging
import SQLKit
import Storage
import Synchronization
import Testing

/// A SQLite write transaction while another connection (another process, in practice: a file import)
/// holds the write lock. A writer that commits batch after batch takes the lock again before the
/// waiting side's busy handler wakes, so one busy timeout is no bound on the wait: `BEGIN IMMEDIATE`
/// tries `Database.sqliteBeginTries` times, logging each new try, then fails with `StorageError.busy`,
/// having changed nothing. The busy timeout is 100 ms here instead of 10 s (SQLite's own busy handler
/// waits it out in real time); the holder is a second `Database` on the file.
@Suite("Storage: a SQLite writer waits out another connection's write lock", .timeLimit(.minutes(3)))
struct SQLiteBusyTests {
    static let busyTimeout = Duration.milliseconds(100)
    static let retryNotice = "the database is busy: another process holds its write lock; trying again"

    /// The waiting database, whose log lines come out of `notices`, and the one holding the write
    /// lock (one row, 1, written) until `release` is called; on one new SQLite file holding `probe (x)`.
    struct Setup {
        let waiting: Database
        let notices: AsyncStream<String>
        let release: @Sendable () -> Void
        let holder: Task<Void, any Error>
        /// Ends `notices`, for a test that counts the lines logged so far.
        let endNotices: @Sendable () -> Void

        func values() async throws -> [Int64] {
            try await waiting.withSession { db in
                try await db.raw("SELECT x FROM probe ORDER BY x").all().map { try $0.decode(column: "x", as: Int64.self) }
            }
        }
    }

    static func withLockHeld(_ body: (Setup) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-busy-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("busy.sqlite").path
        let (notices, noticed) = AsyncStream<String>.makeStream()
        var logger = Logger(label: "itsm.storage-tests.busy") { _ in MessageStreamLogHandler(messages: noticed) }
        logger.logLevel = .notice
        let waiting = try await Database.open(.sqlite(path: path), logger: logger, busyTimeout: busyTimeout)
        let holding = try await Database.open(.sqlite(path: path), logger: testLogger, busyTimeout: busyTimeout)
        let (release, releaseSignal) = AsyncStream<Void>.makeStream()
        let (held, heldSignal) = AsyncStream<Void>.makeStream()
        var holder: Task<Void, any Error>?
        do {
            try await waiting.withSession { db in try await db.raw("CREATE TABLE probe (x INTEGER NOT NULL)").run() }
            let holding = Task {
                try await holding.transaction { db in
                    try await db.raw("INSERT INTO probe (x) VALUES (1)").run()
                    heldSignal.yield()
                    for await _ in release { break }
                }
            }
            holder = holding
            for await _ in held { break }
            try await body(Setup(
                waiting: waiting, notices: notices, release: { releaseSignal.yield() }, holder: holding, endNotices: { noticed.finish() }))
        } catch {
            releaseSignal.yield()
            _ = await holder?.result
            try await waiting.close()
            try await holding.close()
            throw error
        }
        try await waiting.close()
        try await holding.close()
    }

    @Test("held past one busy timeout, then let go: the waiting transaction tries again, begins, writes and commits")
    func waitsPastOneTimeout() async throws {
        try await Self.withLockHeld { setup in
            let waiter = Task { try await setup.waiting.transaction { db in try await db.raw("INSERT INTO probe (x) VALUES (2)").run() } }
            // The waiter has waited out one busy timeout and tries again: let go now. (With one try,
            // it failed here.)
            for await message in setup.notices where message == Self.retryNotice { break }
            setup.release()
            try await setup.holder.value
            try await waiter.value
            #expect(try await setup.values() == [1, 2])
        }
    }

    @Test("held for good: five more tries, logged, then the transaction fails with a sentence that says so, its body never ran, nothing written")
    func failsAfterAllTries() async throws {
        try await Self.withLockHeld { setup in
            let ran = BodyRan()
            let clock = ContinuousClock()
            let started = clock.now
            let error = await #expect(throws: StorageError.self) {
                try await setup.waiting.transaction { db in
                    ran.set()
                    try await db.raw("INSERT INTO probe (x) VALUES (2)").run()
                }
            }
            let waited = clock.now - started
            setup.release()
            try await setup.holder.value
            #expect(error == .busy(waited: Self.busyTimeout * Database.sqliteBeginTries))
            #expect(error?.description == "the database is busy: another process kept its write lock for over 600 ms (a long import?); nothing was changed, try again")
            #expect(waited >= Self.busyTimeout * Database.sqliteBeginTries)
            #expect(!ran.isSet)
            #expect(try await setup.values() == [1])
            setup.endNotices()
            var retries = 0
            for await message in setup.notices where message == Self.retryNotice { retries += 1 }
            #expect(retries == 5)
        }
    }
}

/// A flag set from a `@Sendable` closure.
final class BodyRan: Sendable {
    private let storage = Mutex(false)
    func set() { storage.withLock { $0 = true } }
    var isSet: Bool { storage.withLock { $0 } }
}

/// Hands every message logged to `messages`.
struct MessageStreamLogHandler: LogHandler {
    let messages: AsyncStream<String>.Continuation
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt
    ) {
        messages.yield(message.description)
    }
}
