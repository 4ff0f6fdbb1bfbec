import Domain
import Foundation
import SQLKit
import Storage
import Testing

/// What a GDPR erasure does to the outbox, and what a permanent refusal writes, on both engines:
/// raw rows are read with SQL, so nothing the repository's decoding hides can pass unseen.
@Suite("Outbox: erasure and refusals", .serialized, .timeLimit(.minutes(3)))
struct OutboxErasureTests {
    @Test("erasing an address deletes its unsent mail (queued, retrying, failed, being sent), redacts its sent mail and leaves other mail alone",
          arguments: TestEngine.available)
    func eraseWithdrawsMail(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let outbox = store.outbox
            // One message per state, each to Ada in some spelling; states reached the way workers reach them.
            try await outbox.enqueue(mail("sent", to: ["ada@example.org"]), at: t0)
            let sent = try await onlyClaim(outbox, at: t0)
            try await outbox.markSent(sent, reply: "250 2.0.0 <ada@example.org> queued", at: t0)
            try await outbox.enqueue(mail("failed", to: ["ADA@example.org"]), at: m(1))
            try await outbox.markFailed(try await onlyClaim(outbox, at: m(1)), error: "550 5.1.1 <ada@example.org> unknown", smtpCode: 550, at: m(1))
            try await outbox.enqueue(mail("retrying", to: ["Ada@example.org"]), at: m(2))
            try await outbox.markRetry(try await onlyClaim(outbox, at: m(2)), error: "451 try later", smtpCode: 451, nextAttempt: m(60))
            try await outbox.enqueue(mail("sending", to: ["ada@example.org"]), at: m(3))
            let sending = try await onlyClaim(outbox, at: m(3), worker: "worker-a")
            try await outbox.enqueue(mail("queued", to: ["ada@example.org"]), at: m(4))
            try await outbox.enqueue(mail("bob", to: ["bob@example.org"]), at: m(4))
            try await outbox.enqueue(mail("xada", to: ["xada@example.org"]), at: m(4))
            try await outbox.enqueue(mail("slash", to: ["a/b@example.org"]), at: m(4))
            #expect(try await statuses(store) == [
                "test:sent": "sent", "test:failed": "failed", "test:retrying": "queued", "test:sending": "sending",
                "test:queued": "queued", "test:bob": "queued", "test:xada": "queued", "test:slash": "queued",
            ])

            let erasure = try await store.consent.erase(try EmailAddress(parsing: "Ada@Example.org"), at: m(10))
            #expect(erasure == Erasure(subscriberFound: false, subscriptions: 0, consentRecords: 0, outboxMessagesDeleted: 4, outboxMessagesRedacted: 1))

            // Raw rows: the sent one without recipients, error or reply; the others as they were.
            let rows = try await store.database.withSession { db in
                try await db.raw("SELECT id, idempotency_key, status, recipients, last_error, server_reply FROM outbox_messages ORDER BY id").all().map { row in
                    [
                        try row.decode(column: "idempotency_key", as: String.self), try row.decode(column: "status", as: String.self),
                        try row.decode(column: "recipients", as: String.self), try row.decode(column: "last_error", as: String?.self) ?? "-",
                        try row.decode(column: "server_reply", as: String?.self) ?? "-",
                    ]
                }
            }
            #expect(rows == [
                ["test:sent", "sent", "[]", "-", "-"],
                ["test:bob", "queued", #"["bob@example.org"]"#, "-", "-"],
                ["test:xada", "queued", #"["xada@example.org"]"#, "-", "-"],
                ["test:slash", "queued", #"["a\/b@example.org"]"#, "-", "-"],
            ])
            let payloads = try await rawPayloads(store)
            #expect(payloads.count == 4)
            #expect(payloads[sent] == [])
            for (id, data) in payloads {
                // "xada@example.org" is somebody else; Ada's address may appear nowhere.
                let text = String(decoding: data, as: UTF8.self).lowercased().replacingOccurrences(of: "xada@example.org", with: "")
                #expect(!text.contains("ada@example.org"), "payload of message \(id)")
            }
            #expect(try await store.database.rowCount("mail_bounces") == 0)

            // The worker that was sending Ada's message finishes after the erasure: nothing comes back.
            try await outbox.markSent(sending, reply: "250 2.0.0 <ada@example.org> queued", at: m(11))
            try await outbox.markFailed(sending, error: "550 <ada@example.org>", smtpCode: 550, at: m(11), worker: "worker-a")
            #expect(try await outbox.recordPermanentRefusal(of: ["ada@example.org"], reply: "550 5.1.1 <ada@example.org> unknown", at: m(11), threshold: 1) == [])
            #expect(try await store.database.rowCount("mail_bounces") == 0)
            #expect(try await store.database.rowCount("outbox_messages") == 4)
            await #expect(throws: StorageError.notFound(record: "outbox message", id: sending)) { _ = try await outbox.get(sending) }
            #expect(try await outbox.list().map(\.recipients) == [[], ["bob@example.org"], ["xada@example.org"], ["a/b@example.org"]])

            // An address whose JSON spelling escapes "/" is found all the same.
            let slash = try await store.consent.erase(try EmailAddress(parsing: "A/B@example.org"), at: m(12))
            #expect(slash.outboxMessagesDeleted == 1 && slash.outboxMessagesRedacted == 0)
            #expect(try await outbox.list().map(\.idempotencyKey) == ["test:sent", "test:bob", "test:xada"])
        }
    }

    @Test("refusals that reach the threshold suppress the address with a system consent record for its subscriber; below it, none",
          arguments: TestEngine.available)
    func refusalSuppressesWithConsentRecord(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try #require(try await store.mailingLists.create(
                try MailingList(
                    slug: "ops", title: "Ops", sender: try ListSender(address: try EmailAddress(parsing: "itsm@example.org")),
                    digest: try DigestSelection(stages: [.operation]), schedule: "weekly", timeZoneIdentifier: "UTC"),
                at: t0).id)
            let ada = try EmailAddress(parsing: "Ada@example.org")
            _ = try await store.subscriptions.subscribe(
                address: ada, listID: listID, consent: ConsentEvidence(method: .cli(operator: "olivia", reason: nil)), at: t0)

            #expect(try await store.outbox.recordPermanentRefusal(of: ["Ada@example.org"], reply: "550 5.1.1 unknown", at: m(1), threshold: 2) == [])
            #expect(try await store.consent.records(for: ada).map(\.action) == [.subscribed])
            #expect(try await store.outbox.suppressed(among: ["ada@example.org"]).isEmpty)

            #expect(try await store.outbox.recordPermanentRefusal(of: ["ada@example.org", "nobody@example.org"], reply: "550 5.1.1 unknown", at: m(2), threshold: 2) == ["ada@example.org"])
            #expect(try await store.consent.records(for: ada).last == ConsentRecord(
                stored: m(2), action: .suppressed, method: .system(reason: "mail to it was refused permanently (2 times)"),
                confirmationText: nil, listSlug: nil))
            #expect(try await store.outbox.suppressed(among: ["ada@example.org"]) == ["ada@example.org"])
            #expect(try await store.suppressions.suppressionIncludingBounces(of: ada)?.source == .bounce)

            // A third refusal suppresses nothing new and writes no second record.
            #expect(try await store.outbox.recordPermanentRefusal(of: ["ada@example.org"], reply: "550", at: m(3), threshold: 2) == [])
            #expect(try await store.consent.records(for: ada).map(\.action) == [.subscribed, .suppressed])
        }
    }
}

/// A message to `recipients` whose bytes name them in To: (as a rendered mail would).
private func mail(_ name: String, to recipients: [String]) -> NewOutboxMessage {
    NewOutboxMessage(
        idempotencyKey: "test:\(name)", kind: "digest", priority: 10, sender: "desk@itsm.example", recipients: recipients,
        messageID: "\(name)@itsm.example",
        data: Array("To: \(recipients.joined(separator: ", "))\r\nSubject: \(name)\r\n\r\nHello \(recipients.joined(separator: " and ")).\r\n".utf8))
}

/// Claims the one due message at `at` and returns its id.
private func onlyClaim(_ outbox: OutboxRepository, at: Instant, worker: String = "worker") async throws -> Int64 {
    let claimed = try await outbox.claim(limit: 10, worker: worker, now: at, lease: .minutes(5))
    try #require(claimed.count == 1, "claimed \(claimed.map(\.idempotencyKey))")
    return claimed[0].id
}

/// Each message's status by idempotency key, read raw.
private func statuses(_ store: Store) async throws -> [String: String] {
    try await store.database.withSession { db in
        var statuses: [String: String] = [:]
        for row in try await db.raw("SELECT idempotency_key, status FROM outbox_messages").all() {
            statuses[try row.decode(column: "idempotency_key", as: String.self)] = try row.decode(column: "status", as: String.self)
        }
        return statuses
    }
}

/// Every payload's bytes by message id, read raw.
private func rawPayloads(_ store: Store) async throws -> [Int64: [UInt8]] {
    try await store.database.withSession { db in
        var payloads: [Int64: [UInt8]] = [:]
        for row in try await db.raw("SELECT message_id, data FROM outbox_payloads").all() {
            payloads[try row.decode(column: "message_id", as: Int64.self)] = [UInt8](try row.decode(column: "data", as: Data.self))
        }
        return payloads
    }
}
