import Foundation
import Testing

@Suite("itsm: a database error no command translates")
struct DatabaseErrorOutputTests {
    /// PostgresNIO describes every server error with one generic sentence; the CLI prints the
    /// SQLSTATE and the server's message instead, and not the server's detail, which here holds the
    /// refused row with the address in it.
    @Test("a PostgreSQL error exits 1 with its SQLSTATE and message, and without the row's values")
    func postgresErrorIsReadable() async throws {
        guard Engine.available.contains(.postgres) else { return }
        try await RecordSession.with(.postgres) { cli in
            try await cli.succeed(["incidents", "create", "--title", "Printer jam", "--impact", "low", "--urgency", "low"])
            // A rule the application does not know about, as a DBA might add by hand.
            _ = try await cli.database.execute("ALTER TABLE incidents ADD CONSTRAINT incidents_title_without_address CHECK (position('@' in title) = 0)")
            let result = try await cli.run(["incidents", "create", "--title", "Mail to ada@example.org bounces", "--impact", "low", "--urgency", "low"])
            #expect(result.termination == .failure, "\(result.output)")
            #expect(result.standardError == """
                error: database error 23514 (check_violation): new row for relation "incidents" violates check constraint "incidents_title_without_address"

                """)
            #expect(!result.standardError.contains("ada@example.org"))
            #expect(result.standardOutput.isEmpty)
        }
    }
}
