import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit

/// An open database on either engine. Everything above Storage reaches SQL only through here.
public final class Database: Sendable {
    public let engine: Engine
    public let location: DatabaseLocation
    private let pool: any SessionPool
    /// SQLite: how long one statement waits for another process's lock (`PRAGMA busy_timeout`).
    private let busyTimeout: Duration

    private init(location: DatabaseLocation, pool: any SessionPool, busyTimeout: Duration) {
        self.engine = location.engine
        self.location = location
        self.pool = pool
        self.busyTimeout = busyTimeout
    }

    /// Opens (for SQLite: creates) the database. Migrations are applied separately by `Migrator`.
    /// `busyTimeout` is how long a SQLite statement waits for another process's lock before it fails
    /// (a write transaction tries to begin `sqliteBeginTries` times).
    public static func open(_ location: DatabaseLocation, logger: Logger, busyTimeout: Duration = .seconds(10)) async throws -> Database {
        switch location {
        case .sqlite(let path):
            let url = URL(fileURLWithPath: path)
            // A folder made here is owner-only: the database holds addresses and consent records.
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
            if !FileManager.default.fileExists(atPath: url.path) {
                _ = FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
            }
            // A thread of its own: a connection waiting for another process's write lock blocks
            // its thread, and must not starve other databases of NIO's shared pool.
            let threadPool = NIOThreadPool(numberOfThreads: 1)
            threadPool.start()
            let source = TunedSQLiteSource(inner: SQLiteConnectionSource(
                configuration: .init(storage: .file(path: url.path), enableForeignKeys: true),
                threadPool: threadPool
            ), readOnly: false, busyTimeout: busyTimeout)
            // One connection: SQLite serialises writers anyway, and one connection makes every
            // session (and so every transaction) exclusive within this process.
            let pool = EventLoopConnectionPool(
                source: source, maxConnections: 1, requestTimeout: .seconds(60), logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any()
            )
            // Read-only sessions (`withReadSession`) on connections of their own, with threads of
            // their own: WAL lets them read the last commit while the writer works, so a page that
            // only shows something does not queue behind the writer's transactions.
            let readerThreads = NIOThreadPool(numberOfThreads: 2)
            readerThreads.start()
            let readers = EventLoopConnectionPool(
                source: TunedSQLiteSource(
                    inner: SQLiteConnectionSource(configuration: .init(storage: .file(path: url.path), enableForeignKeys: true), threadPool: readerThreads),
                    readOnly: true, busyTimeout: busyTimeout),
                maxConnections: 4, requestTimeout: .seconds(60), logger: logger, on: MultiThreadedEventLoopGroup.singleton.any()
            )
            let database = Database(location: location, pool: SQLitePool(
                pool: pool, threadPool: threadPool, readers: readers, readerThreads: readerThreads, logger: logger),
                busyTimeout: busyTimeout)
            // Fail now, with the file's error, rather than at the first query.
            do {
                _ = try await database.withSession { try await $0.raw("SELECT 1").all() }
            } catch {
                try? await database.close()
                throw error
            }
            return database
        case .postgres(let url):
            var configuration = try SQLPostgresConfiguration(url: url)
            configuration.searchPath = nil
            // A fixed total per process (8), whatever the core count, spread over the event loops.
            let loops = MultiThreadedEventLoopGroup.singleton.makeIterator().reduce(0) { count, _ in count + 1 }
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: max(1, 8 / max(1, loops)), requestTimeout: .seconds(30), pruneInterval: .seconds(60),
                logger: logger, on: MultiThreadedEventLoopGroup.singleton
            )
            let database = Database(location: location, pool: PostgresPool(pool: pool, logger: logger), busyTimeout: busyTimeout)
            do {
                _ = try await database.withSession { try await $0.raw("SELECT 1").all() }
            } catch {
                try? await database.close()
                throw error
            }
            return database
        }
    }

    /// Runs `body` on one connection held for its whole duration.
    public func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await pool.withSession(body)
    }

    /// Runs `body`, which only reads, on one connection held for its whole duration. On SQLite that is
    /// one of a few read-only connections beside the writer's (a write there fails), which see the
    /// last commit and do not wait for a transaction under way; on PostgreSQL any pooled connection.
    public func withReadSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await pool.withReadSession(body)
    }

    /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
    public func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let begin = engine == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN"
        return try await withSession { [busyTimeout] db in try await Self.inTransaction(db, begin: begin, busyTimeout: busyTimeout, body) }
    }

    /// Runs `body`, which only reads, in a read session (`withReadSession`) inside one transaction, so
    /// that all its statements see the same snapshot: a deferred transaction on SQLite's reader, and
    /// REPEATABLE READ READ ONLY on PostgreSQL.
    public func readTransaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let begin = engine == .sqlite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        return try await withReadSession { [busyTimeout] db in try await Self.inTransaction(db, begin: begin, busyTimeout: busyTimeout, body) }
    }

    private static func inTransaction<R: Sendable>(
        _ db: any SQLDatabase, begin: String, busyTimeout: Duration, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await Self.begin(db, begin, busyTimeout: busyTimeout)
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            // On a connection the server closed (a restart) this fails at once (see
            // `OpenConnectionSQLDatabase`): the server dropped the transaction with it.
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    /// How many times a SQLite write transaction tries to begin while another process holds the
    /// write lock, each try waiting out the busy timeout (10 s unless `open` was told otherwise).
    public static let sqliteBeginTries = 6

    /// Begins a transaction. On SQLite, `BEGIN IMMEDIATE` takes the write lock at once and is the only
    /// statement of a write transaction that can find the database busy (WAL commits do not wait for
    /// readers). Another process that commits batch after batch (a file import) can win the lock again
    /// each time before the waiting side's busy handler wakes, so one `busy_timeout` is not a bound on
    /// the wait; trying again, up to a minute in all, is safe because nothing of the body has run.
    /// (A deferred `BEGIN`, and PostgreSQL's, never find the database busy.) Each new try is logged,
    /// so that an operator sees why a write waits.
    private static func begin(_ db: any SQLDatabase, _ begin: String, busyTimeout: Duration) async throws {
        for tries in 1... {
            do {
                try await db.raw(SQLQueryString(begin)).run()
                return
            } catch let error as SQLiteError where error.reason == .busy {
                guard tries < sqliteBeginTries else { throw StorageError.busy(waited: busyTimeout * tries) }
                db.logger.notice("the database is busy: another process holds its write lock; trying again", metadata: [
                    "try": "\(tries + 1) of \(sqliteBeginTries)", "waited_ms": "\((busyTimeout * tries).wholeMilliseconds)",
                ])
            }
        }
    }

    /// Closes every connection. The value must not be used afterwards.
    public func close() async throws {
        try await pool.shutdown()
    }
}

/// A source of exclusive connections, one implementation per engine.
private protocol SessionPool: Sendable {
    func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    func withReadSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    func shutdown() async throws
}

// @unchecked: EventLoopConnectionPool is not marked Sendable, but request/release hop onto the
// pool's own event loop when called from elsewhere (AsyncKit's EventLoopConnectionPool.requestConnection
// and releaseConnection), and close() likewise; `logger` is a value type.
private struct SQLitePool: SessionPool, @unchecked Sendable {
    let pool: EventLoopConnectionPool<TunedSQLiteSource>
    let threadPool: NIOThreadPool
    let readers: EventLoopConnectionPool<TunedSQLiteSource>
    let readerThreads: NIOThreadPool
    let logger: Logger

    func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await Self.withSession(from: pool, logger: logger, body)
    }

    func withReadSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await Self.withSession(from: readers, logger: logger, body)
    }

    private static func withSession<R: Sendable>(
        from pool: EventLoopConnectionPool<TunedSQLiteSource>, logger: Logger, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        let connection = try await pool.requestConnection(logger: logger).get()
        do {
            let result = try await body(connection.sql(queryLogLevel: .trace))
            pool.releaseConnection(connection, logger: logger)
            return result
        } catch {
            pool.releaseConnection(connection, logger: logger)
            throw error
        }
    }

    func shutdown() async throws {
        try await readers.close().get()
        try await readerThreads.shutdownGracefully()
        try await pool.close().get()
        try await threadPool.shutdownGracefully()
    }
}

// @unchecked: EventLoopGroupConnectionPool guards its own state with a lock and forwards to
// per-loop pools that hop onto their event loop (AsyncKit); postgres-kit itself shares it across threads.
private struct PostgresPool: SessionPool, @unchecked Sendable {
    let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    let logger: Logger

    func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let connection = try await pool.requestConnection(logger: logger).get()
        do {
            let result = try await body(OpenConnectionSQLDatabase(base: connection.sql(queryLogLevel: .trace), isClosed: { connection.isClosed }))
            pool.releaseConnection(connection, logger: logger)
            return result
        } catch {
            pool.releaseConnection(connection, logger: logger)
            throw error
        }
    }

    /// PostgreSQL reads on any pooled connection: MVCC already keeps readers and writers apart.
    func withReadSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withSession(body)
    }

    func shutdown() async throws {
        try await pool.shutdownAsync()
    }
}

/// The server closed the session's connection (a restart, an administrator) before a statement was sent.
public struct DatabaseConnectionClosed: Error, CustomStringConvertible {
    public var description: String { "the database server closed the connection; the statement was not sent" }
}

/// One pooled PostgreSQL connection that refuses statements once it is closed.
///
/// PostgresNIO writes a query to its channel without a promise for the write; on a channel that is
/// already closed the write fails before its handler sees it, so the query's own future is never
/// completed and its caller waits for good. That is how a daemon hung after a server restart
/// (bench/faults pg-restart): a statement sent on a connection the server had just terminated. Here
/// the check and the send happen on the connection's event loop, where the channel's state cannot
/// change between the two.
private struct OpenConnectionSQLDatabase: SQLDatabase {
    let base: any SQLDatabase
    let isClosed: @Sendable () -> Bool

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }
    var queryLogLevel: Logger.Level? { base.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        let eventLoop = base.eventLoop
        return eventLoop.flatSubmit { [base, isClosed] in
            guard !isClosed() else { return eventLoop.makeFailedFuture(DatabaseConnectionClosed()) }
            return base.execute(sql: query, onRow)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        try await execute(sql: query, onRow).get()
    }
}

/// SQLite connections with the pragmas this application relies on.
private struct TunedSQLiteSource: ConnectionPoolSource {
    let inner: SQLiteConnectionSource
    /// `PRAGMA query_only`: the connection refuses to write (the read sessions').
    let readOnly: Bool
    let busyTimeout: Duration

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        let milliseconds = busyTimeout.wholeMilliseconds
        return inner.makeConnection(logger: logger, on: eventLoop).flatMap { [readOnly] connection in
            // WAL lets the CLI read while the daemon writes; busy_timeout waits for the other
            // process's write lock instead of failing at once.
            // busy_timeout first: a reader opened while the writer is busy must wait, not fail.
            connection.query("PRAGMA busy_timeout = \(milliseconds)")
                .flatMap { _ in connection.query("PRAGMA journal_mode = WAL") }
                .flatMap { _ in connection.query("PRAGMA synchronous = NORMAL") }
                .flatMap { _ in readOnly ? connection.query("PRAGMA query_only = 1").map { _ in () } : eventLoop.makeSucceededVoidFuture() }
                .map { _ in connection }
        }
    }
}

extension Error {
    /// Whether this is a unique-constraint violation on either engine.
    var isUniqueViolation: Bool {
        if let error = self as? SQLiteError { return error.reason == .constraintUniqueFailed || error.reason == .constraint && error.message.contains("UNIQUE") }
        if let error = self as? PSQLError { return error.serverInfo?[.sqlState] == "23505" }
        return false
    }

    /// Whether another transaction's writes made this one fail: a unique key taken meanwhile, or
    /// (PostgreSQL) a deadlock or serialization failure. Trying again, or row by row, can succeed.
    var isConcurrentWriterConflict: Bool {
        isUniqueViolation || isTransactionConflict
    }

    /// Whether the server rolled this transaction back because of another one: a deadlock (40P01) or
    /// a serialization failure (40001), on PostgreSQL; SQLite, one writer at a time, has neither.
    /// The transaction may succeed when run again.
    public var isTransactionConflict: Bool {
        guard let error = self as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40P01" || state == "40001"
    }

    /// Whether this is a foreign-key violation on either engine.
    var isForeignKeyViolation: Bool {
        if let error = self as? SQLiteError { return error.reason == .constraintForeignKeyFailed || error.reason == .constraint && error.message.contains("FOREIGN KEY") }
        if let error = self as? PSQLError { return error.serverInfo?[.sqlState] == "23503" }
        return false
    }
}
