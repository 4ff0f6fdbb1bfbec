import Domain
import Foundation
import SQLKit

/// One versioned, forward-only schema change.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    let apply: @Sendable (any SQLDatabase) async throws -> Void
}

/// Where a database's schema stands relative to this binary.
public struct SchemaStatus: Sendable, Hashable {
    /// Versions recorded as applied, ascending.
    public var applied: [Int]
    /// The newest version this binary knows.
    public var latest: Int
    public var current: Int { applied.last ?? 0 }
    public var pending: [Int] { current >= latest ? [] : Array((current + 1)...latest) }
    public var isNewerThanBinary: Bool { current > latest }
}

/// Applies the migrations this binary knows, in order, each in its own transaction, recording
/// each in `schema_migrations`. Safe to run from several processes at once.
public struct Migrator: Sendable {
    public let database: Database
    public let migrations: [Migration]

    public init(database: Database, migrations: [Migration] = Schema.migrations) {
        self.database = database
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Reads the schema version; changes nothing (a database never migrated is at version 0).
    public func status() async throws -> SchemaStatus {
        let engine = database.engine
        return try await database.withSession { db in
            let exists: Bool
            switch engine {
            case .sqlite:
                exists = try await db.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").first() != nil
            case .postgres:
                exists = try await db.raw("SELECT to_regclass('schema_migrations') IS NOT NULL AS present").first()?.bool("present") ?? false
            }
            return SchemaStatus(applied: exists ? try await Self.appliedVersions(db) : [], latest: latestVersion)
        }
    }

    /// Brings the schema up to date; returns the versions applied now (empty if none were due).
    @discardableResult
    public func migrate(now: Instant) async throws -> [Int] {
        let engine = database.engine
        let migrations = self.migrations
        let latest = latestVersion
        return try await database.transaction { db in
            if engine == .postgres {
                // Serialise concurrent migrators across instances; released at commit. The ledger is
                // created under the lock too: two concurrent CREATE TABLEs collide on PostgreSQL.
                try await db.raw("SELECT pg_advisory_xact_lock(7347001)").run()
            }
            try await Self.createLedger(db)
            let applied = try await Self.appliedVersions(db)
            let current = applied.last ?? 0
            if current > latest { throw StorageError.schemaTooNew(database: current, binary: latest) }
            var done: [Int] = []
            for migration in migrations where !applied.contains(migration.version) {
                try await migration.apply(db)
                try await db.insert(into: "schema_migrations")
                    .columns("version", "name", "applied_at_us")
                    .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(now.microsecondsSinceEpoch))
                    .run()
                done.append(migration.version)
            }
            return done
        }
    }

    /// Refuses a database whose schema is newer than this binary (call before using one that is not migrated here).
    public func checkCompatible() async throws {
        let status = try await status()
        if status.isNewerThanBinary { throw StorageError.schemaTooNew(database: status.current, binary: status.latest) }
    }

    private static func createLedger(_ db: any SQLDatabase) async throws {
        try await db.create(table: "schema_migrations").ifNotExists()
            .column("version", type: .bigint, .primaryKey(autoIncrement: false))
            .column("name", type: .text, .notNull)
            .column("applied_at_us", type: .bigint, .notNull)
            .run()
    }

    private static func appliedVersions(_ db: any SQLDatabase) async throws -> [Int] {
        try await db.select().column("version").from("schema_migrations").orderBy("version").all()
            .map { Int(try $0.decode(column: "version", as: Int64.self)) }
    }
}
