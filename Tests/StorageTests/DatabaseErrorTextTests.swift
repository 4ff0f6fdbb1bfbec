import Foundation
import SQLKit
import Storage
import Testing

/// What an operator reads for a database error: PostgreSQL's SQLSTATE and message instead of
/// PostgresNIO's generic sentence, and never a bound value.
@Suite("Storage: database errors as text for operators")
struct DatabaseErrorTextTests {
    /// The error `statement` fails with on a fresh database of `engine` holding `contacts (email PRIMARY KEY)`
    /// with ada's address in it.
    private func failure(_ engine: TestEngine, _ statement: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws -> any Error {
        try await withScratchLocation(engine) { location in
            try await withDatabase(at: location) { database in
                try await database.withSession { db in
                    try await db.raw("CREATE TABLE contacts (email TEXT PRIMARY KEY)").run()
                    try await db.raw("INSERT INTO contacts (email) VALUES (\(bind: "ada@example.org"))").run()
                }
                do {
                    try await database.withSession(statement)
                } catch {
                    return error
                }
                Issue.record("the statement did not fail")
                throw CancellationError()
            }
        }
    }

    @Test("a PostgreSQL unique violation reads as its SQLSTATE, name and message, without the duplicate value")
    func uniqueViolation() async throws {
        guard TestEngine.available.contains(.postgres) else { return }
        let error = try await failure(.postgres) { db in
            try await db.raw("INSERT INTO contacts (email) VALUES (\(bind: "ada@example.org"))").run()
        }
        let text = DatabaseErrorText.describe(error)
        #expect(text == #"database error 23505 (unique_violation): duplicate key value violates unique constraint "contacts_pkey""#)
        #expect(!text.contains("ada@example.org"))
        // The server's detail names the value; it is there, and left out on purpose.
        #expect(String(reflecting: error).contains("ada@example.org"))
    }

    @Test("a PostgreSQL syntax error reads as 42601 and the server's message")
    func syntaxError() async throws {
        guard TestEngine.available.contains(.postgres) else { return }
        let error = try await failure(.postgres) { db in try await db.raw("SELEC email FROM contacts").run() }
        #expect(DatabaseErrorText.describe(error) == #"database error 42601 (syntax_error): syntax error at or near "SELEC""#)
    }

    @Test("a PostgreSQL data exception leaves out the value it quotes, which may be a bound value")
    func dataExceptionHidesValue() async throws {
        guard TestEngine.available.contains(.postgres) else { return }
        let error = try await failure(.postgres) { db in
            try await db.raw("SELECT CAST(\(bind: "grace@example.org") AS integer) AS n").run()
        }
        #expect(DatabaseErrorText.describe(error) == #"database error 22P02 (invalid_text_representation): invalid input syntax for type integer: "…""#)
    }

    @Test("SQLite's errors keep their own text")
    func sqliteUnchanged() async throws {
        let error = try await failure(.sqlite) { db in
            try await db.raw("INSERT INTO contacts (email) VALUES (\(bind: "ada@example.org"))").run()
        }
        #expect(DatabaseErrorText.describe(error) == String(describing: error))
        #expect(DatabaseErrorText.describe(error).contains("UNIQUE constraint failed: contacts.email"))
    }

    @Test("a connection the server ends reads as the server's 57P01 report")
    func terminatedConnection() async throws {
        guard TestEngine.available.contains(.postgres) else { return }
        let error = try await failure(.postgres) { db in try await db.raw("SELECT pg_terminate_backend(pg_backend_pid())").run() }
        #expect(DatabaseErrorText.describe(error) == "database error 57P01 (admin_shutdown): terminating connection due to administrator command")
    }

    @Test("a PostgreSQL server that cannot be reached reads as a failed connection and the system's reason")
    func refusedConnection() async throws {
        guard TestEngine.available.contains(.postgres) else { return }
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let serverURL = try #require(TestEngine.postgresURL)
        var components = try #require(URLComponents(string: serverURL))
        components.port = 1
        let url = try #require(components.string)
        let error = try await #require(throws: (any Error).self) {
            try await withDatabase(at: .postgres(url: url)) { database in try await database.withSession { db in try await db.raw("SELECT 1").run() } }
        }
        #expect(DatabaseErrorText.describe(error) == "database connection failed: the server cannot be reached: Connection refused (connectionError)")
    }
}
