import Domain
import Foundation
import Storage
import Testing

/// The transactional outbox on both engines: idempotent enqueue, leased claims, recorded outcomes.
///
/// Serialized: in parallel with the rest of the suite, these cases (the concurrent claimers open
/// three pools) took the test PostgreSQL server past its 100 connections.
@Suite("Mail outbox storage", .serialized, .timeLimit(.minutes(3)))
struct OutboxStorageTests {
    // MARK: Enqueue

    @Test("enqueueing the same idempotency key twice stores one message, the first", arguments: TestEngine.available)
    func idempotentEnqueue(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let first = outboxMail("digest:ops:2026-03-02:ada")
            var again = first
            again.priority = 0
            again.data = Array("Subject: another rendering\r\n\r\nother body\r\n".utf8)

            let stored = try await store.outbox.enqueue(first, at: t0)
            let duplicate = try await store.outbox.enqueue(again, at: m(1))

            #expect(stored == true)
            #expect(duplicate == false)
            #expect(try await store.database.rowCount("outbox_messages") == 1)
            let messages = try await store.outbox.list()
            try #require(messages.count == 1)
            #expect(messages[0].idempotencyKey == "digest:ops:2026-03-02:ada")
            #expect(messages[0].priority == 10)
            #expect(messages[0].data == first.data)
            #expect(messages[0].createdAt == t0)
            #expect(messages[0].status == .queued)
            #expect(messages[0].attempts == 0)
        }
    }

    @Test("a message enqueued in a transaction that throws is not stored; one that returns is", arguments: TestEngine.available)
    func enqueueFollowsItsTransaction(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let outbox = store.outbox
            await #expect(throws: CauseRefused.self) {
                try await store.transaction { transaction in
                    let enqueued = try await outbox.enqueue(outboxMail("confirm:ops:ada"), at: t0, in: transaction)
                    #expect(enqueued)
                    // The cause (say, the subscription row) fails after the mail was queued with it.
                    throw CauseRefused()
                }
            }
            #expect(try await store.database.rowCount("outbox_messages") == 0)
            #expect(try await store.outbox.list().isEmpty)

            // The rolled-back key is free again, and a transaction that returns commits its message.
            let committed = try await store.transaction { transaction in
                try await outbox.enqueue(outboxMail("confirm:ops:ada"), at: m(1), in: transaction)
            }
            #expect(committed == true)
            let messages = try await store.outbox.list()
            #expect(messages.map(\.idempotencyKey) == ["confirm:ops:ada"])
            #expect(messages.map(\.createdAt) == [m(1)])
        }
    }

    // MARK: Claim

    @Test("claim takes due messages by priority, at most limit, under a lease that others respect", arguments: TestEngine.available)
    func claimOrderLimitAndLease(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let outbox = store.outbox
            for name in ["d1", "d2", "d3"] { try await outbox.enqueue(outboxMail(name, priority: 10), at: t0) }
            // A confirmation enqueued after the digests.
            try await outbox.enqueue(outboxMail("c", priority: 0), at: t0 + .seconds(1))
            // Enqueued later than the claims below look: not due for them.
            try await outbox.enqueue(outboxMail("late", priority: 0), at: m(30))

            // Due at m(1): d1, d2, d3 (t0) and c (t0+1s); priority 0 first, then by next attempt and id.
            let first = try await outbox.claim(limit: 3, worker: "w1", now: m(1), lease: .minutes(5))
            #expect(first.map(\.idempotencyKey) == ["c", "d1", "d2"])
            #expect(first.allSatisfy { $0.status == .sending && $0.claimedBy == "w1" && $0.claimedUntil == m(6) && $0.attempts == 1 })
            let stored = try await outbox.list()
            #expect(stored.map(\.status) == [.sending, .sending, .queued, .sending, .queued])  // d1 d2 d3 c late
            #expect(stored.map(\.attempts) == [1, 1, 0, 1, 0])

            // Before w1's lease ends another worker gets only what is left: d3.
            let second = try await outbox.claim(limit: 10, worker: "w2", now: m(2), lease: .minutes(5))
            #expect(second.map(\.idempotencyKey) == ["d3"])
            #expect(second.map(\.claimedUntil) == [m(7)])
            let beforeExpiry = try await outbox.claim(limit: 10, worker: "w3", now: justBefore(m(6)), lease: .minutes(5))
            #expect(beforeExpiry.isEmpty)

            // Just after w1's lease ends (it crashed, say) w3 takes its messages again, in the same order.
            let afterExpiry = try await outbox.claim(limit: 10, worker: "w3", now: after(m(6), microseconds: 1), lease: .minutes(5))
            #expect(afterExpiry.map(\.idempotencyKey) == ["c", "d1", "d2"])
            #expect(afterExpiry.allSatisfy { $0.claimedBy == "w3" && $0.claimedUntil == after(m(11), microseconds: 1) && $0.attempts == 2 })
            let d3 = try await outbox.get(try #require(second.first?.id))
            #expect(d3.claimedBy == "w2")
            #expect(d3.claimedUntil == m(7))
            #expect(d3.attempts == 1)
        }
    }

    @Test("a retried message is due at its next attempt, not a microsecond before", arguments: TestEngine.available)
    func retryIsDueAtNextAttempt(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let outbox = store.outbox
            try await outbox.enqueue(outboxMail("retry"), at: t0)
            let claimed = try await outbox.claim(limit: 10, worker: "w1", now: t0, lease: .minutes(5))
            let id = try #require(claimed.first?.id)
            try await outbox.markRetry(id, error: "451 4.3.0 Try again later", smtpCode: 451, nextAttempt: m(10))

            let queued = try await outbox.get(id)
            #expect(queued.status == .queued)
            #expect(queued.nextAttemptAt == m(10))
            #expect(queued.claimedBy == nil)
            #expect(queued.claimedUntil == nil)
            #expect(queued.lastError == "451 4.3.0 Try again later")
            #expect(queued.smtpCode == 451)

            #expect(try await outbox.claim(limit: 10, worker: "w2", now: justBefore(m(10)), lease: .minutes(5)).isEmpty)
            let again = try await outbox.claim(limit: 10, worker: "w2", now: m(10), lease: .minutes(5))
            #expect(again.map(\.id) == [id])
            #expect(again.map(\.attempts) == [2])
            #expect(again.map(\.claimedUntil) == [m(15)])
        }
    }

    @Test("concurrent claimers get disjoint batches that together are every due message", arguments: TestEngine.available)
    func concurrentClaims(engine: TestEngine) async throws {
        let count = 60
        let limit = 4
        try await withScratchLocation(engine) { location in
            let store = try await Store.open(location, now: migratedAt, logger: testLogger).store
            try await closing(store.database) {
                let outbox = store.outbox
                try await store.transaction { transaction in
                    for index in 0..<count {
                        try await outbox.enqueue(outboxMail("bulk-\(index)", priority: index % 3), at: t0, in: transaction)
                    }
                }
                let ids = Set(try await outbox.list(limit: 1000).map(\.id))
                try #require(ids.count == count)

                // Six workers over three connection pools (as separate processes would have), each
                // claiming until it finds nothing it may take.
                let claims = try await withDatabases(3, at: location) { databases in
                    try await withThrowingTaskGroup(of: (worker: String, batches: [[OutboxMessage]]).self) { group in
                        for index in 0..<6 {
                            let worker = "worker-\(index)"
                            let claimer = Store(database: databases[index % databases.count]).outbox
                            group.addTask {
                                var batches: [[OutboxMessage]] = []
                                while true {
                                    let batch = try await claimer.claim(limit: limit, worker: worker, now: m(1), lease: .minutes(5))
                                    if batch.isEmpty { return (worker, batches) }
                                    batches.append(batch)
                                }
                            }
                        }
                        var claims: [(worker: String, batches: [[OutboxMessage]])] = []
                        for try await claim in group { claims.append(claim) }
                        return claims
                    }
                }

                let batches = claims.flatMap(\.batches)
                #expect(batches.allSatisfy { (1...limit).contains($0.count) }, "batch sizes \(batches.map(\.count))")
                let claimed = batches.flatMap { $0.map(\.id) }
                #expect(claimed.count == count, "claimed \(claimed.count) times")
                #expect(Set(claimed) == ids)
                // Every message is held by the worker that was handed it, claimed once.
                let holder = Dictionary(claims.flatMap { claim in claim.batches.flatMap { $0.map { ($0.id, claim.worker) } } }) { first, _ in first }
                let stored = try await outbox.list(limit: 1000)
                #expect(stored.allSatisfy { $0.status == .sending && $0.attempts == 1 && $0.claimedBy == holder[$0.id] })
            }
        }
    }

    // MARK: Outcomes

    @Test("a batch of deliveries stores each message's own reply; retry or failure afterwards changes nothing", arguments: TestEngine.available)
    func batchMarkSent(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let outbox = store.outbox
            for name in ["a", "b", "c"] { try await outbox.enqueue(outboxMail(name), at: t0) }
            let claimed = try await outbox.claim(limit: 10, worker: "w1", now: m(1), lease: .minutes(5))
            try #require(claimed.map(\.idempotencyKey) == ["a", "b", "c"])
            let (a, b, c) = (claimed[0].id, claimed[1].id, claimed[2].id)
            let longReply = "250 " + String(repeating: "é", count: 1200)

            try await outbox.markSent([(id: c, reply: "250 2.0.0 Ok: queued as C3"), (id: a, reply: "250 2.0.0 Ok: queued as A1"), (id: b, reply: longReply)], at: m(2))

            let sent = try await outbox.list()
            #expect(sent.map(\.serverReply) == ["250 2.0.0 Ok: queued as A1", String(longReply.prefix(1000)), "250 2.0.0 Ok: queued as C3"])
            #expect(sent.allSatisfy {
                $0.status == .sent && $0.sentAt == m(2) && $0.claimedBy == nil && $0.claimedUntil == nil && $0.attempts == 1 && $0.failedAt == nil
            })

            // A worker whose lease ran out reports late: a message that went out stays sent.
            try await outbox.markRetry(a, error: "451 4.3.0 Try again later", smtpCode: 451, nextAttempt: m(3))
            try await outbox.markFailed(b, error: "550 5.1.1 <ada@example.org>: Recipient address rejected", smtpCode: 550, at: m(3))
            #expect(try await outbox.list() == sent)
            #expect(try await outbox.claim(limit: 10, worker: "w2", now: d(30), lease: .minutes(5)).isEmpty)
        }
    }

    @Test("more deliveries than one statement's chunk of 500 are all recorded with their replies", arguments: TestEngine.available)
    func batchMarkSentAcrossChunks(engine: TestEngine) async throws {
        let count = 501
        try await withStore(engine) { store in
            let outbox = store.outbox
            try await store.transaction { transaction in
                for index in 0..<count { try await outbox.enqueue(outboxMail("chunk-\(index)"), at: t0, in: transaction) }
            }
            let claimed = try await outbox.claim(limit: 1000, worker: "w1", now: t0, lease: .minutes(5))
            try #require(claimed.count == count)
            try await outbox.markSent(claimed.map { (id: $0.id, reply: "250 ok \($0.idempotencyKey)") }, at: m(1))

            let stored = try await outbox.list(limit: 1000)
            #expect(stored.count == count)
            #expect(stored.allSatisfy { $0.status == .sent && $0.serverReply == "250 ok \($0.idempotencyKey)" && $0.sentAt == m(1) })
            #expect(try await outbox.summary().counts == [.sent: count])
        }
    }

    @Test("summary counts each status and names when the oldest waiting message was enqueued", arguments: TestEngine.available)
    func summaryCounts(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let outbox = store.outbox
            let empty = try await outbox.summary()
            #expect(empty.counts == [:])
            #expect(empty.oldestWaiting == nil)

            for (index, name) in ["e1", "e2", "e3", "e4", "e5"].enumerated() {
                try await outbox.enqueue(outboxMail(name), at: m(Int64(index)))
            }
            // Same priority: claimed in enqueue order, so e1, e2 and e3.
            let claimed = try await outbox.claim(limit: 3, worker: "w1", now: m(5), lease: .minutes(5))
            try #require(claimed.map(\.idempotencyKey) == ["e1", "e2", "e3"])
            try await outbox.markSent(claimed[0].id, reply: "250 2.0.0 Ok", at: m(6))
            try await outbox.markFailed(claimed[1].id, error: "550 5.1.1 rejected", smtpCode: 550, at: m(6))

            // e3 is sending (enqueued at m(2)), e4 and e5 queued: the oldest waiting is e3.
            let summary = try await outbox.summary()
            #expect(summary.counts == [.queued: 2, .sending: 1, .sent: 1, .failed: 1])
            #expect(summary.oldestWaiting == m(2))
            #expect(try await outbox.list(status: .queued).map(\.idempotencyKey) == ["e4", "e5"])
            #expect(try await outbox.list(status: .sending).map(\.idempotencyKey) == ["e3"])
            #expect(try await outbox.list(status: .failed).map(\.idempotencyKey) == ["e2"])
            #expect(try await outbox.list(limit: 2).map(\.idempotencyKey) == ["e1", "e2"])

            try await outbox.markSent(claimed[2].id, reply: "250 2.0.0 Ok", at: m(7))
            let rest = try await outbox.claim(limit: 10, worker: "w1", now: m(7), lease: .minutes(5))
            try await outbox.markSent(rest.map { (id: $0.id, reply: "250 2.0.0 Ok") }, at: m(8))
            let done = try await outbox.summary()
            #expect(done.counts == [.sent: 4, .failed: 1])
            #expect(done.oldestWaiting == nil)
        }
    }

    // MARK: Round trips

    @Test("instants, recipients and every byte value round-trip exactly", arguments: TestEngine.available)
    func roundTrip(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let outbox = store.outbox
            let created = Instant(microsecondsSinceEpoch: 1_772_442_000_123_457)  // 2026-03-02T09:00:00.123457Z
            let bytes = (0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) } + Array("\r\n.\r\n".utf8)
            #expect(bytes.count == 517)
            let recipients = ["zoë@bücher.example", "o'brien@example.org", "\"quoted, name\"@example.org"]
            let message = NewOutboxMessage(
                idempotencyKey: "confirm:ops:zoë", kind: "confirmation", priority: 0, sender: "desk@itsm.example",
                recipients: recipients, messageID: "confirm.1@itsm.example", data: bytes)
            try await outbox.enqueue(message, at: created)

            let queued = try #require(try await outbox.list().first)
            #expect(queued.data == bytes)
            #expect(queued.recipients == recipients)
            #expect(queued.idempotencyKey == "confirm:ops:zoë")
            #expect(queued.kind == "confirmation")
            #expect(queued.sender == "desk@itsm.example")
            #expect(queued.messageID == "confirm.1@itsm.example")
            #expect(queued.createdAt == created)
            #expect(queued.nextAttemptAt == created)
            #expect(queued.claimedBy == nil && queued.claimedUntil == nil && queued.sentAt == nil && queued.failedAt == nil)
            #expect(queued.lastError == nil && queued.smtpCode == nil && queued.serverReply == nil)

            let claimNow = after(created, microseconds: 1)
            let claimed = try await outbox.claim(limit: 1, worker: "host-1:4242", now: claimNow, lease: .microseconds(299_999_999))
            #expect(claimed.map(\.claimedUntil) == [Instant(microsecondsSinceEpoch: 1_772_442_300_123_457)])
            #expect(claimed.map(\.data) == [bytes])

            let failedAt = Instant(microsecondsSinceEpoch: 1_772_442_001_000_001)
            let reply = "550 5.1.1 <zoë@bücher.example>: Recipient address rejected — ünïcödé"
            try await outbox.markFailed(queued.id, error: reply, smtpCode: 550, at: failedAt)
            let failed = try await outbox.get(queued.id)
            #expect(failed.status == .failed)
            #expect(failed.failedAt == failedAt)
            #expect(failed.lastError == reply)
            #expect(failed.smtpCode == 550)
            #expect(failed.data == bytes)
            #expect(failed.createdAt == created)

            // The widest span: enqueued a microsecond before 1970, sent in the last microsecond of 9999.
            let first = Instant(microsecondsSinceEpoch: -1)
            let last = Instant(microsecondsSinceEpoch: 253_402_300_799_999_999)
            try await outbox.enqueue(outboxMail("span"), at: first)
            let span = try await outbox.claim(limit: 1, worker: "w", now: first, lease: .microseconds(1))
            let spanID = try #require(span.first?.id)
            #expect(span.map(\.claimedUntil) == [Instant(microsecondsSinceEpoch: 0)])
            try await outbox.markSent(spanID, reply: "250 2.0.0 Ok", at: last)
            let sent = try await outbox.get(spanID)
            #expect(sent.createdAt == first)
            #expect(sent.nextAttemptAt == first)
            #expect(sent.sentAt == last)
            #expect(sent.createdAt.iso8601 == "1969-12-31T23:59:59.999999Z")
            #expect(sent.sentAt?.iso8601 == "9999-12-31T23:59:59.999999Z")
        }
    }

    @Test("an unknown id is reported as not found", arguments: TestEngine.available)
    func unknownID(engine: TestEngine) async throws {
        try await withStore(engine) { (store: Store) async throws -> Void in
            await #expect(throws: StorageError.notFound(record: "outbox message", id: 4242)) { try await store.outbox.get(4242) }
        }
    }
}

// MARK: Helpers

/// Thrown by a transaction body to make it roll back.
private struct CauseRefused: Error {}

/// A small message for `key`; confirmations have priority 0, digests 10.
private func outboxMail(_ key: String, priority: Int = 10, to recipients: [String] = ["ada@example.org"]) -> NewOutboxMessage {
    NewOutboxMessage(
        idempotencyKey: key, kind: priority == 0 ? "confirmation" : "digest", priority: priority, sender: "desk@itsm.example",
        recipients: recipients, messageID: "\(key)@itsm.example",
        data: Array("Message-ID: <\(key)@itsm.example>\r\nSubject: \(key)\r\n\r\nBody of \(key).\r\n".utf8))
}
