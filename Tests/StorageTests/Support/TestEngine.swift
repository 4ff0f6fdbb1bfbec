import Domain
import Foundation
import Logging
import SQLKit
import Storage
import Testing

/// The engines a storage test runs on: SQLite always, PostgreSQL when `ITSM_TEST_POSTGRES_URL` names a server.
///
/// Tests take it as their argument (`arguments: TestEngine.available`), so each engine is a visible test case.
enum TestEngine: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    static let postgresURLVariable = "ITSM_TEST_POSTGRES_URL"

    /// An empty database on a server the tests may create and drop databases on (scripts/test sets it).
    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment[postgresURLVariable], !url.isEmpty else { return nil }
        return url
    }

    static var available: [TestEngine] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// Quiet: the tests check outcomes, and a failing test prints its own error.
let testLogger: Logger = {
    var logger = Logger(label: "itsm.storage-tests")
    logger.logLevel = .error
    return logger
}()

/// The instant `Store.open` records as the migration time in these tests: 2026-03-02T09:00:00Z.
let migratedAt = Instant(secondsSinceEpoch: 1_772_442_000)

/// Runs `body` with a fresh, empty database of its own on `engine`, and removes the database afterwards.
///
/// SQLite: a new file in a new temporary folder. PostgreSQL: `CREATE DATABASE itsm_t_<random>` on the
/// server of `ITSM_TEST_POSTGRES_URL`, dropped (with FORCE, so a leaked connection cannot keep it) at the end.
func withScratchLocation<R>(_ engine: TestEngine, _ body: (DatabaseLocation) async throws -> R) async throws -> R {
    switch engine {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-storage-tests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(.sqlite(path: folder.appendingPathComponent("itsm.sqlite").path))
    case .postgres:
        let serverURL = try #require(TestEngine.postgresURL, "\(TestEngine.postgresURLVariable) is not set")
        var components = try #require(URLComponents(string: serverURL), "\(TestEngine.postgresURLVariable) is not a URL")
        let name = "itsm_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        components.path = "/" + name
        let url = try #require(components.string)
        try await onServer(serverURL) { db in try await db.raw("CREATE DATABASE \(ident: name)").run() }
        do {
            let result = try await body(.postgres(url: url))
            try await onServer(serverURL) { db in try await db.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run() }
            return result
        } catch {
            try? await onServer(serverURL) { db in try await db.raw("DROP DATABASE IF EXISTS \(ident: name) WITH (FORCE)").run() }
            throw error
        }
    }
}

/// Runs one statement batch on the test server's own database (where databases are created and dropped).
private func onServer(_ url: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
    let database = try await Database.open(.postgres(url: url), logger: testLogger)
    try await closing(database) { try await database.withSession(body) }
}

/// Runs `body`, then closes `database` whether or not `body` threw.
func closing<R>(_ database: Database, _ body: () async throws -> R) async throws -> R {
    let result: R
    do {
        result = try await body()
    } catch {
        try? await database.close()
        throw error
    }
    try await database.close()
    return result
}

/// Runs `body` with a migrated store on a fresh database of its own on `engine`; closed and removed afterwards.
func withStore<R>(_ engine: TestEngine, _ body: (Store) async throws -> R) async throws -> R {
    try await withScratchLocation(engine) { location in
        let store = try await Store.open(location, now: migratedAt, logger: testLogger).store
        return try await closing(store.database) { try await body(store) }
    }
}

/// Runs `body` with an open, unmigrated database at `location`; closed afterwards.
func withDatabase<R>(at location: DatabaseLocation, _ body: (Database) async throws -> R) async throws -> R {
    let database = try await Database.open(location, logger: testLogger)
    return try await closing(database) { try await body(database) }
}

/// Runs `body` with `count` separately opened databases at `location` (as separate processes would
/// have); all are closed afterwards.
func withDatabases<R>(_ count: Int, at location: DatabaseLocation, _ body: ([Database]) async throws -> R) async throws -> R {
    var databases: [Database] = []
    do {
        for _ in 0..<count { databases.append(try await Database.open(location, logger: testLogger)) }
        let result = try await body(databases)
        for database in databases { try await database.close() }
        return result
    } catch {
        for database in databases { try? await database.close() }
        throw error
    }
}

/// Every table of schema version 1, for "nothing changed" checks.
let allTables = [
    "calendars", "slas", "sla_targets", "services", "problems", "incidents", "changes", "change_votes",
    "change_incidents", "requests", "improvements", "freeze_windows", "record_events",
]

extension Database {
    /// The number of rows in `table`.
    func rowCount(_ table: String) async throws -> Int64 {
        try await withSession { db in
            let row = try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
            return try #require(row).decode(column: "n", as: Int64.self)
        }
    }

    /// The number of rows in each of `tables`.
    func rowCounts(_ tables: [String] = allTables) async throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for table in tables { counts[table] = try await rowCount(table) }
        return counts
    }
}

/// The domain records that carry an id, an optimistic-locking version and an audit trail.
protocol AuditedRecord: Equatable {
    associatedtype State: RecordState
    var id: Int64? { get set }
    var version: Int { get set }
    var events: [RecordEvent<State>] { get set }
}

extension Incident: AuditedRecord {}
extension Problem: AuditedRecord {}
extension Change: AuditedRecord {}
extension Service: AuditedRecord {}
extension ServiceRequest: AuditedRecord {}
extension Improvement: AuditedRecord {}

extension AuditedRecord {
    /// The record with its events' database ids removed, to compare with a record built in memory.
    var withoutEventIDs: Self {
        var copy = self
        copy.events = events.map { event in
            var event = event
            event.id = nil
            return event
        }
        return copy
    }

    /// This in-memory record as it should read back once stored under `id` at `version`.
    func stored(id: Int64?, version: Int) -> Self {
        var copy = withoutEventIDs
        copy.id = id
        copy.version = version
        return copy
    }

    /// The database ids of the stored events, in trail order.
    var eventIDs: [Int64?] { events.map(\.id) }
}

/// `minutes` after `start`.
func after(_ start: Instant, minutes: Int64) -> Instant { start + .minutes(minutes) }

/// `microseconds` after `start` (negative: before).
func after(_ start: Instant, microseconds: Int64) -> Instant { Instant(microsecondsSinceEpoch: start.microsecondsSinceEpoch + microseconds) }
