import Foundation
import Testing

/// What `itsm outbox list --json` prints for a message.
struct OutboxMessageJSON: Decodable {
    var id: Int64
    var kind: String
    var status: String
    var recipients: [String]
    var attempts: Int
    var lastError: String?
}

/// What `itsm outbox status --json` prints.
struct OutboxStatusJSON: Decodable {
    var counts: [String: Int]
    var total: Int
    var oldestWaitingSeconds: Int64?
}

@Suite("itsm outbox, end to end")
struct OutboxCommandTests {
    static let hour: Int64 = 3_600_000_000
    static let day: Int64 = 24 * hour

    /// Four test copies in the outbox, then moved by SQL: one sent 40 days ago, one failed 40 days
    /// ago, one failed an hour ago, one still queued since two hours ago. Returns their ids by address.
    static func seedMessages(_ database: ScratchDatabase) async throws -> [String: Int64] {
        for address in ["sent@example.net", "old-failure@example.net", "new-failure@example.net", "waiting@example.net"] {
            let result = try await itsm(["digest", "send", SeededList.slug, "--to", address], database)
            try #require(result.termination == .success, "\(result.output)")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let list = try await itsm(["outbox", "list", "--json"], database)
        try #require(list.termination == .success, "\(list.output)")
        let messages = try JSONDecoder().decode([OutboxMessageJSON].self, from: Data(list.standardOutput.utf8))
        let ids = Dictionary(uniqueKeysWithValues: messages.compactMap { message in message.recipients.first.map { ($0, message.id) } })
        func id(_ address: String) throws -> Int64 { try #require(ids[address], "no message to \(address) in \(ids)") }
        _ = try await database.execute("""
            UPDATE outbox_messages SET status = 'sent', attempts = 1, sent_at_us = \(now - 40 * day), server_reply = '250 2.0.0 Ok'
            WHERE id = \(try id("sent@example.net"))
            """)
        _ = try await database.execute("""
            UPDATE outbox_messages SET status = 'failed', attempts = 3, failed_at_us = \(now - 40 * day),
                last_error = '550 5.1.1 <old-failure@example.net>: Recipient address rejected', smtp_code = 550
            WHERE id = \(try id("old-failure@example.net"))
            """)
        _ = try await database.execute("""
            UPDATE outbox_messages SET status = 'failed', attempts = 9, failed_at_us = \(now - hour), created_at_us = \(now - 3 * day),
                last_error = 'gave up after 9 attempts: connection refused'
            WHERE id = \(try id("new-failure@example.net"))
            """)
        _ = try await database.execute("""
            UPDATE outbox_messages SET created_at_us = \(now - 2 * hour), next_attempt_at_us = \(now - 2 * hour)
            WHERE id = \(try id("waiting@example.net"))
            """)
        return ids
    }

    @Test("status counts by status with the oldest waiting age; list shows recipients, newest first, filters by status", arguments: Engine.available)
    func statusAndList(engine: Engine) async throws {
        try await withSeededList(engine) { database in
            let ids = try await Self.seedMessages(database)

            let json = try await itsm(["outbox", "status", "--json"], database)
            #expect(json.termination == .success, "\(json.output)")
            let status = try JSONDecoder().decode(OutboxStatusJSON.self, from: Data(json.standardOutput.utf8))
            #expect(status.counts == ["queued": 1, "sending": 0, "sent": 1, "failed": 2])
            #expect(status.total == 4)
            let waited = try #require(status.oldestWaitingSeconds)
            #expect((7200...7500).contains(waited), "\(waited)")

            let human = try await itsm(["outbox", "status"], database)
            #expect(human.termination == .success, "\(human.output)")
            #expect(human.standardOutput.contains("failed   2"), "\(human.standardOutput)")
            #expect(human.standardOutput.contains("total    4"), "\(human.standardOutput)")
            #expect(human.standardOutput.contains(" ago."), "\(human.standardOutput)")
            #expect(human.standardOutput.contains("2h 0m ago") || human.standardOutput.contains("2h 1m ago"), "\(human.standardOutput)")

            let failed = try await itsm(["outbox", "list", "--failed", "--json"], database)
            #expect(failed.termination == .success, "\(failed.output)")
            let failures = try JSONDecoder().decode([OutboxMessageJSON].self, from: Data(failed.standardOutput.utf8))
            #expect(failures.map(\.id) == [ids["new-failure@example.net"], ids["old-failure@example.net"]].compactMap { $0 })
            #expect(failures.allSatisfy { $0.status == "failed" && $0.kind == "digest-test" })
            #expect(failures.last?.lastError?.contains("550 5.1.1") == true)

            let table = try await itsm(["outbox", "list", "--status", "queued"], database)
            #expect(table.termination == .success, "\(table.output)")
            #expect(table.standardOutput.contains("waiting@example.net"), "\(table.standardOutput)")
            #expect(!table.standardOutput.contains("sent@example.net"), "\(table.standardOutput)")

            let all = try await itsm(["outbox", "list", "--limit", "2"], database)
            #expect(all.standardOutput.split(separator: "\n").count == 3, "header and two rows: \(all.standardOutput)")
            // Bodies carry signed links; the listing never shows a token.
            for result in [failed, table, all] { #expect(!result.output.contains("token="), "\(result.output)") }

            let conflicting = try await itsm(["outbox", "list", "--failed", "--status", "sent"], database)
            #expect(conflicting.termination.status == 2, "\(conflicting.output)")
            let badStatus = try await itsm(["outbox", "list", "--status", "lost"], database)
            #expect(badStatus.termination.status == 2, "\(badStatus.output)")
        }
    }

    @Test("purge deletes sent and failed messages older than the age, by status, never queued ones", arguments: Engine.available)
    func purge(engine: Engine) async throws {
        try await withSeededList(engine) { database in
            let ids = try await Self.seedMessages(database)
            // A queued message far older than the cut-off stays whatever the age.
            _ = try await database.execute("UPDATE outbox_messages SET created_at_us = 0 WHERE id = \(try #require(ids["waiting@example.net"]))")

            let failedOnly = try await itsm(["outbox", "purge", "--older-than", "30d", "--status", "failed"], database)
            #expect(failedOnly.termination == .success, "\(failedOnly.output)")
            #expect(failedOnly.standardOutput.contains("Deleted 1 failed message finished before"), "\(failedOnly.standardOutput)")

            let both = try await itsm(["outbox", "purge", "--older-than", "30d"], database)
            #expect(both.standardOutput.contains("Deleted 1 sent or failed message finished before"), "\(both.standardOutput)")

            let left = try await database.execute("SELECT recipients FROM outbox_messages ORDER BY id")
            #expect(left == #"["new-failure@example.net"]"# + "\n" + #"["waiting@example.net"]"#, "\(left)")
            // Their bytes went with them.
            #expect(try await database.execute("SELECT COUNT(*) FROM outbox_payloads") == "2")

            let hours = try await itsm(["outbox", "purge", "--older-than", "30m", "--status", "failed"], database)
            #expect(hours.standardOutput.contains("Deleted 1 failed message"), "\(hours.standardOutput)")
            #expect(try await database.execute("SELECT COUNT(*) FROM outbox_messages WHERE status = 'queued'") == "1")

            for bad in [["--older-than", "30x"], ["--older-than", "0d"], ["--older-than", "30d", "--status", "queued"], []] {
                let result = try await itsm(["outbox", "purge"] + bad, database)
                #expect(result.termination.status == 2, "\(bad): \(result.output)")
            }
        }
    }

    @Test("retry puts a failed message back in the queue now; --all-failed does all; other states and unknown ids are refused", arguments: Engine.available)
    func retry(engine: Engine) async throws {
        try await withSeededList(engine) { database in
            let ids = try await Self.seedMessages(database)
            let oldFailure = try #require(ids["old-failure@example.net"])
            let waiting = try #require(ids["waiting@example.net"])

            let one = try await itsm(["outbox", "retry", String(oldFailure)], database)
            #expect(one.termination == .success, "\(one.output)")
            #expect(one.standardOutput.contains("Message \(oldFailure) is queued again."), "\(one.output)")
            let row = try await database.execute("SELECT status, attempts, failed_at_us FROM outbox_messages WHERE id = \(oldFailure)")
            #expect(row == "queued|0|" || row == "queued|0|None", "\(row)")
            // Due now: not in the future, not left at its old time.
            let due = try await database.execute("SELECT next_attempt_at_us FROM outbox_messages WHERE id = \(oldFailure)")
            let dueAt = try #require(Int64(due))
            let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
            #expect(abs(now - dueAt) < 60_000_000, "\(dueAt) vs \(now)")

            let queued = try await itsm(["outbox", "retry", String(waiting)], database)
            #expect(queued.termination == .failure, "\(queued.output)")
            #expect(queued.standardError.contains("is queued, not failed"), "\(queued.output)")
            let missing = try await itsm(["outbox", "retry", "999999"], database)
            #expect(missing.termination == .failure, "\(missing.output)")
            #expect(missing.standardError.contains("no outbox message 999999"), "\(missing.output)")

            let all = try await itsm(["outbox", "retry", "--all-failed"], database)
            #expect(all.standardOutput.contains("1 failed message is queued again."), "\(all.output)")
            let none = try await itsm(["outbox", "retry", "--all-failed"], database)
            #expect(none.standardOutput.contains("No failed messages."), "\(none.output)")
            #expect(try await database.execute("SELECT COUNT(*) FROM outbox_messages WHERE status = 'queued'") == "3")

            for bad in [[], [String(waiting), "--all-failed"], ["abc"]] {
                let result = try await itsm(["outbox", "retry"] + bad, database)
                #expect(result.termination.status == 2, "\(bad): \(result.output)")
            }
        }
    }
}
