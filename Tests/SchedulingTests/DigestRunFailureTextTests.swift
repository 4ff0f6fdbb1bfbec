import Domain
import ITSMTestSupport
import Scheduling
import Storage
import Testing

@Suite("Digest runs: a database failure recorded as text an operator can act on")
struct DigestRunFailureTextTests {
    /// The run's error is what the log line "digest run failed; it will be retried" prints too.
    @Test("a run the database refuses is postponed with the SQLSTATE and message, not PostgresNIO's generic sentence nor an address")
    func postgresRefusal() async throws {
        guard StoreEngine.available.contains(.postgres) else { return }
        try await withRunnerFixture(.postgres) { fixture in
            try await fixture.confirm(2)
            // A rule the application does not know about, as a DBA might add by hand: no digest mail.
            try await fixture.store.database.withSession { db in
                try await db.raw("ALTER TABLE outbox_messages ADD CONSTRAINT outbox_without_digests CHECK (kind <> 'digest')").run()
            }
            // Mon 23 Nov 2026 08:00 in Berlin: the weekly run is due.
            fixture.clock.set(Instant(secondsSinceEpoch: 1_795_417_200))
            #expect(try await fixture.runner(catchUp: .latest).tick().isEmpty)
            let run = try #require(try await fixture.store.digestRuns.list().first)
            #expect(run.state != .sent)
            let error = try #require(run.lastError)
            #expect(error == #"database error 23514 (check_violation): new row for relation "outbox_messages" violates check constraint "outbox_without_digests""#)
            #expect(!error.contains("@example.org"))
        }
    }
}
