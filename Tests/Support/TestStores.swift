import Domain
import Foundation
import Logging
import SQLKit
import Storage
import Testing

/// The engines the tests run on: SQLite always, PostgreSQL when `ITSM_TEST_POSTGRES_URL` names a
/// server (as in StorageTests, whose support files other targets cannot see).
public enum StoreEngine: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["ITSM_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    public static var available: [StoreEngine] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    public var testDescription: String { rawValue }
}

/// Runs `body` with a migrated store on a fresh database of its own, closed and removed afterwards:
/// a temporary SQLite file, or a new database on the test PostgreSQL server, dropped at the end.
public func withTestStore<R>(
    _ engine: StoreEngine, openedAt: Instant, logger: Logger, _ body: (Store) async throws -> R
) async throws -> R {
    switch engine {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-tests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await withOpenStore(.sqlite(path: folder.appendingPathComponent("itsm.sqlite").path), openedAt: openedAt, logger: logger, body)
    case .postgres:
        let serverURL = try #require(StoreEngine.postgresURL)
        var components = try #require(URLComponents(string: serverURL))
        let name = "itsm_n_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        components.path = "/" + name
        let url = try #require(components.string)
        try await onTestServer(serverURL, "CREATE DATABASE \(name)", logger: logger)
        do {
            let result = try await withOpenStore(.postgres(url: url), openedAt: openedAt, logger: logger, body)
            try await onTestServer(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)", logger: logger)
            return result
        } catch {
            try? await onTestServer(serverURL, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)", logger: logger)
            throw error
        }
    }
}

private func withOpenStore<R>(
    _ location: DatabaseLocation, openedAt: Instant, logger: Logger, _ body: (Store) async throws -> R
) async throws -> R {
    let store = try await Store.open(location, now: openedAt, logger: logger).store
    do {
        let result = try await body(store)
        try await store.database.close()
        return result
    } catch {
        try? await store.database.close()
        throw error
    }
}

/// Runs one statement on the test server's own database (where databases are created and dropped).
private func onTestServer(_ url: String, _ statement: String, logger: Logger) async throws {
    let database = try await Database.open(.postgres(url: url), logger: logger)
    do {
        try await database.withSession { db in try await db.raw("\(unsafeRaw: statement)").run() }
        try await database.close()
    } catch {
        try? await database.close()
        throw error
    }
}
