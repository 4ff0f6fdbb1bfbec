import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Storage
import Synchronization
import Testing

/// Delivery rounds from a real outbox (SQLite, and PostgreSQL when the test script started one)
/// through the libcurl transport to a real SMTP server on loopback. The clock is moved by hand.
///
/// Serialized: each case holds a database of its own, and in parallel with the rest of the suite
/// they took the test PostgreSQL server past its 100 connections.
@Suite("Outbox delivery", .serialized, .timeLimit(.minutes(3)))
struct OutboxDeliveryTests {
    init() throws {
        try Libcurl.initialise()
    }

    @Test("three messages are sent in one round, each with its own reply, and arrive once byte for byte", arguments: StoreEngine.available)
    func deliversBatch(engine: StoreEngine) async throws {
        try await withOutboxStore(engine) { store in
            try await withSink { sink in
                try await withSMTPTransport(port: sink.port, connections: 2) { transport in
                    let mails = ["ada", "grace", "linus"].map { digestMail("digest-\($0)", to: "\($0)@example.org") }
                    for mail in mails { try await store.outbox.enqueue(mail, at: deliveryStart) }
                    let clock = ManualClock(deliveryStart + .seconds(1))
                    let delivery = outboxDelivery(store, transport, clock)

                    let round = try await delivery.deliverDueMessages()
                    #expect(Tally(round) == Tally(claimed: 3, sent: 3))
                    let idle = try await delivery.deliverDueMessages()
                    #expect(Tally(idle) == Tally())

                    let received = try sink.messages()
                    #expect(received.count == 3)
                    #expect(Set(received.map(\.data)) == Set(mails.map(\.data)))
                    let stored = try await store.outbox.list()
                    #expect(stored.count == 3)
                    for message in stored {
                        #expect(message.status == .sent)
                        #expect(message.attempts == 1)
                        #expect(message.sentAt == deliveryStart + .seconds(1))
                        #expect(message.serverReply?.hasPrefix("250") == true)
                        // The sink numbers what it accepts: the reply names this message's own file.
                        let position = try #require(received.firstIndex { $0.data == message.data })
                        #expect(message.serverReply == "250 2.0.0 Ok: queued as \(sinkNumber(position))")
                        #expect(received[position].envelope.rcptTos == message.recipients)
                        #expect(received[position].envelope.mailFrom == "desk@itsm.example")
                    }
                }
            }
        }
    }

    @Test("a refused recipient fails its message with 550 and the reply; the others in the round are sent", arguments: StoreEngine.available)
    func refusedRecipient(engine: StoreEngine) async throws {
        try await withOutboxStore(engine) { store in
            try await withSink(.init(refuse: ["nobody@example.org"])) { sink in
                try await withSMTPTransport(port: sink.port, connections: 1) { transport in
                    let ada = digestMail("digest-ada", to: "ada@example.org")
                    let nobody = digestMail("digest-nobody", to: "nobody@example.org")
                    let grace = digestMail("digest-grace", to: "grace@example.org")
                    for mail in [ada, nobody, grace] { try await store.outbox.enqueue(mail, at: deliveryStart) }
                    let clock = ManualClock(deliveryStart)
                    let delivery = outboxDelivery(store, transport, clock)

                    let round = try await delivery.deliverDueMessages()
                    #expect(Tally(round) == Tally(claimed: 3, sent: 2, failed: 1))

                    let stored = try await store.outbox.list()
                    #expect(stored.map(\.status) == [.sent, .failed, .sent])
                    let failed = stored[1]
                    #expect(failed.smtpCode == 550)
                    #expect(failed.lastError == "550 5.1.1 <nobody@example.org>: Recipient address rejected")
                    #expect(failed.failedAt == deliveryStart)
                    #expect(failed.sentAt == nil)
                    #expect(failed.claimedBy == nil)
                    #expect(Set(try sink.messages().map(\.data)) == [ada.data, grace.data])

                    // A permanent failure is final: a day later nothing is claimed again.
                    clock.set(deliveryStart + .days(1))
                    let later = try await delivery.deliverDueMessages()
                    #expect(Tally(later) == Tally())
                    #expect(try sink.messages().count == 2)
                }
            }
        }
    }

    @Test("451 twice: queued at now+60 s, not claimed at +59 s, again at +60 s for +120 s, sent at +180 s, once", arguments: StoreEngine.available)
    func temporaryFailureBacksOff(engine: StoreEngine) async throws {
        try await withOutboxStore(engine) { store in
            try await withSink(.init(tempfail: ["ada@example.org": 2])) { sink in
                try await withSMTPTransport(port: sink.port, connections: 1) { transport in
                    let mail = digestMail("digest-ada", to: "ada@example.org")
                    try await store.outbox.enqueue(mail, at: deliveryStart)
                    let id = try #require(try await store.outbox.list().first?.id)
                    let clock = ManualClock(deliveryStart)
                    // jitter 1.0: the full backoff, 60 s x 2^(attempt-1).
                    let delivery = outboxDelivery(store, transport, clock, policy: DeliveryPolicy(initialBackoff: .seconds(60)))

                    let first = try await delivery.deliverDueMessages()
                    #expect(Tally(first) == Tally(claimed: 1, retried: 1))
                    let afterFirst = try await store.outbox.get(id)
                    #expect(afterFirst.status == .queued)
                    #expect(afterFirst.nextAttemptAt == deliveryStart + .seconds(60))
                    #expect(afterFirst.attempts == 1)
                    #expect(afterFirst.smtpCode == 451)
                    #expect(afterFirst.lastError == "451 4.3.0 Try again later")
                    #expect(afterFirst.claimedBy == nil && afterFirst.claimedUntil == nil)

                    clock.set(deliveryStart + .seconds(59))
                    #expect(Tally(try await delivery.deliverDueMessages()) == Tally())

                    clock.set(deliveryStart + .seconds(60))
                    let second = try await delivery.deliverDueMessages()
                    #expect(Tally(second) == Tally(claimed: 1, retried: 1))
                    let afterSecond = try await store.outbox.get(id)
                    #expect(afterSecond.status == .queued)
                    #expect(afterSecond.nextAttemptAt == deliveryStart + .seconds(180))  // +60 s, then +120 s
                    #expect(afterSecond.attempts == 2)

                    clock.set(deliveryStart + .seconds(179))
                    #expect(Tally(try await delivery.deliverDueMessages()) == Tally())

                    clock.set(deliveryStart + .seconds(180))
                    let third = try await delivery.deliverDueMessages()
                    #expect(Tally(third) == Tally(claimed: 1, sent: 1))
                    let sent = try await store.outbox.get(id)
                    #expect(sent.status == .sent)
                    #expect(sent.attempts == 3)
                    #expect(sent.sentAt == deliveryStart + .seconds(180))
                    #expect(sent.serverReply == "250 2.0.0 Ok: queued as 0001")
                    #expect(try sink.messages().map(\.data) == [mail.data])
                }
            }
        }
    }

    @Test("a server that stays down: retried at +10 s and +30 s, then failed as 'gave up after 3 attempts'", arguments: StoreEngine.available)
    func serverDownGivesUp(engine: StoreEngine) async throws {
        try await withOutboxStore(engine) { store in
            // Nothing listens on this port.
            try await withSMTPTransport(port: try unusedLoopbackPort(), connections: 1) { transport in
                try await store.outbox.enqueue(digestMail("digest-ada", to: "ada@example.org"), at: deliveryStart)
                let id = try #require(try await store.outbox.list().first?.id)
                let clock = ManualClock(deliveryStart)
                let policy = DeliveryPolicy(initialBackoff: .seconds(10), maximumAge: .seconds(60))
                let delivery = outboxDelivery(store, transport, clock, policy: policy)

                // Attempt 1 at +0 s: next at +0 + 10 = +10 s (10 s of age <= 60 s).
                #expect(Tally(try await delivery.deliverDueMessages()) == Tally(claimed: 1, retried: 1))
                let first = try await store.outbox.get(id)
                #expect(first.status == .queued)
                #expect(first.nextAttemptAt == deliveryStart + .seconds(10))
                #expect(first.smtpCode == nil)
                #expect(first.lastError?.contains("(libcurl 7)") == true)  // CURLE_COULDNT_CONNECT

                // Attempt 2 at +10 s: next at +10 + 20 = +30 s (30 s <= 60 s).
                clock.set(deliveryStart + .seconds(10))
                #expect(Tally(try await delivery.deliverDueMessages()) == Tally(claimed: 1, retried: 1))
                #expect(try await store.outbox.get(id).nextAttemptAt == deliveryStart + .seconds(30))
                clock.set(deliveryStart + .seconds(29))
                #expect(Tally(try await delivery.deliverDueMessages()) == Tally())

                // Attempt 3 at +30 s: next would be +30 + 40 = +70 s, past the 60 s maximum age.
                clock.set(deliveryStart + .seconds(30))
                #expect(Tally(try await delivery.deliverDueMessages()) == Tally(claimed: 1, failed: 1))
                let failed = try await store.outbox.get(id)
                #expect(failed.status == .failed)
                #expect(failed.attempts == 3)
                #expect(failed.failedAt == deliveryStart + .seconds(30))
                #expect(failed.smtpCode == nil)
                #expect(failed.lastError?.hasPrefix("gave up after 3 attempts: ") == true, "\(failed.lastError ?? "nil")")
                #expect(failed.lastError?.contains("(libcurl 7)") == true)

                clock.set(deliveryStart + .days(1))
                #expect(Tally(try await delivery.deliverDueMessages()) == Tally())
            }
        }
    }

    @Test("a worker that died between claim and send: nothing until its lease ends, then delivered exactly once", arguments: StoreEngine.available)
    func crashedClaimIsRecovered(engine: StoreEngine) async throws {
        try await withOutboxStore(engine) { store in
            try await withSink { sink in
                try await withSMTPTransport(port: sink.port, connections: 1) { transport in
                    let mail = digestMail("confirm-ada", priority: 0, to: "ada@example.org")
                    try await store.outbox.enqueue(mail, at: deliveryStart)
                    let policy = DeliveryPolicy(lease: .minutes(5))
                    // Claimed by a worker that crashes before sending anything.
                    let dead = try await store.outbox.claim(limit: 10, worker: "dead", now: deliveryStart, lease: policy.lease)
                    let id = try #require(dead.first?.id)
                    #expect(dead.map(\.claimedUntil) == [deliveryStart + .minutes(5)])

                    let clock = ManualClock(deliveryStart)
                    let delivery = outboxDelivery(store, transport, clock, policy: policy, worker: "alive")
                    #expect(Tally(try await delivery.deliverDueMessages()) == Tally())
                    clock.set(deliveryStart + .minutes(5) - .microseconds(1))
                    #expect(Tally(try await delivery.deliverDueMessages()) == Tally())
                    #expect(try sink.messages().isEmpty)

                    clock.set(deliveryStart + .minutes(5) + .microseconds(1))
                    #expect(Tally(try await delivery.deliverDueMessages()) == Tally(claimed: 1, sent: 1))
                    let sent = try await store.outbox.get(id)
                    #expect(sent.status == .sent)
                    #expect(sent.attempts == 2)
                    #expect(sent.claimedBy == nil)
                    #expect(sent.serverReply == "250 2.0.0 Ok: queued as 0001")

                    // The dead worker's late verdict does not undo the delivery.
                    try await store.outbox.markFailed(id, error: "connection reset", smtpCode: nil, at: deliveryStart + .minutes(6))
                    #expect(try await store.outbox.get(id) == sent)
                    clock.set(deliveryStart + .hours(1))
                    #expect(Tally(try await delivery.deliverDueMessages()) == Tally())
                    #expect(try sink.messages().map(\.data) == [mail.data])
                }
            }
        }
    }

    @Test("with batches of one, a confirmation enqueued after three digests is delivered first", arguments: StoreEngine.available)
    func confirmationsFirst(engine: StoreEngine) async throws {
        try await withOutboxStore(engine) { store in
            try await withSink { sink in
                try await withSMTPTransport(port: sink.port, connections: 1) { transport in
                    let digests = (1...3).map { digestMail("digest-\($0)", to: "ada@example.org") }
                    for digest in digests { try await store.outbox.enqueue(digest, at: deliveryStart) }
                    let confirmation = digestMail("confirm-grace", priority: 0, to: "grace@example.org")
                    try await store.outbox.enqueue(confirmation, at: deliveryStart + .seconds(1))

                    let clock = ManualClock(deliveryStart + .seconds(2))
                    let delivery = outboxDelivery(store, transport, clock, policy: DeliveryPolicy(batchSize: 1))
                    var rounds: [Tally] = []
                    while true {
                        let round = Tally(try await delivery.deliverDueMessages())
                        rounds.append(round)
                        if round.claimed == 0 || rounds.count > 10 { break }
                    }

                    #expect(rounds == Array(repeating: Tally(claimed: 1, sent: 1), count: 4) + [Tally()])
                    #expect(try sink.messages().map(\.data) == [confirmation.data] + digests.map(\.data))
                }
            }
        }
    }

    @Test("through the file transport, messages become .eml files and are marked sent", arguments: StoreEngine.available)
    func fileTransport(engine: StoreEngine) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await withOutboxStore(engine) { store in
            let welcome = digestMail("welcome-1", priority: 0, to: "ada@example.org")
            let digest = digestMail("digest-2", to: "grace@example.org")
            try await store.outbox.enqueue(welcome, at: deliveryStart)
            try await store.outbox.enqueue(digest, at: deliveryStart)
            let transport = FileTransport(directory: folder.path)
            let delivery = outboxDelivery(store, transport, ManualClock(deliveryStart))

            #expect(Tally(try await delivery.deliverDueMessages()) == Tally(claimed: 2, sent: 2))

            let listing = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            #expect(listing == ["digest-2_itsm.example.eml", "welcome-1_itsm.example.eml"])
            #expect(try [UInt8](Data(contentsOf: folder.appendingPathComponent("welcome-1_itsm.example.eml"))) == welcome.data)
            #expect(try [UInt8](Data(contentsOf: folder.appendingPathComponent("digest-2_itsm.example.eml"))) == digest.data)
            let stored = try await store.outbox.list()
            #expect(stored.map(\.status) == [.sent, .sent])
            #expect(stored.map(\.serverReply) == [
                "written to \(folder.path)/welcome-1_itsm.example.eml", "written to \(folder.path)/digest-2_itsm.example.eml",
            ])
        }
    }

    @Test("a database error while recording a failure still leaves the round's deliveries recorded as sent")
    func deliveriesRecordedBeforeFailures() async throws {
        try await withOutboxStore(.sqlite) { store in
            try await withSink(.init(refuse: ["nobody@example.org"])) { sink in
                try await withSMTPTransport(port: sink.port, connections: 1) { transport in
                    let ada = digestMail("digest-ada", to: "ada@example.org")
                    let nobody = digestMail("digest-nobody", to: "nobody@example.org")
                    try await store.outbox.enqueue(ada, at: deliveryStart)
                    try await store.outbox.enqueue(nobody, at: deliveryStart)
                    let ids = try await store.outbox.list().map(\.id)
                    try #require(ids.count == 2)
                    // The database refuses to record a failure (a lost connection, a full disk: any write error).
                    try await store.database.withSession { db in
                        try await db.raw("""
                            CREATE TRIGGER refuse_failed BEFORE UPDATE OF status ON outbox_messages
                            WHEN NEW.status = 'failed' BEGIN SELECT RAISE(ABORT, 'simulated write error'); END
                            """).run()
                    }
                    let policy = DeliveryPolicy(lease: .minutes(5))
                    let clock = ManualClock(deliveryStart)
                    let delivery = outboxDelivery(store, transport, clock, policy: policy)

                    await #expect(throws: (any Error).self) { try await delivery.deliverDueMessages() }
                    #expect(try sink.messages().map(\.data) == [ada.data])
                    // ada's message went out: the round must have recorded it before the failing write.
                    #expect(try await store.outbox.get(ids[0]).status == .sent)

                    // The database recovers; after the lease the unrecorded refusal is retried, and only it.
                    try await store.database.withSession { db in try await db.raw("DROP TRIGGER refuse_failed").run() }
                    clock.set(deliveryStart + policy.lease + .microseconds(1))
                    let recovery = try await delivery.deliverDueMessages()
                    #expect(Tally(recovery) == Tally(claimed: 1, failed: 1))
                    #expect(try await store.outbox.list().map(\.status) == [.sent, .failed])
                    // Without that, ada gets her digest twice.
                    #expect(try sink.messages().map(\.data) == [ada.data])
                }
            }
        }
    }

    @Test(
        "backoff doubles from the initial wait, is capped at the maximum, and jitter scales it to 50-100 %",
        arguments: [
            (1, 1.0, 60), (2, 1.0, 120), (3, 1.0, 240), (6, 1.0, 1920),
            (7, 1.0, 3600),  // 3840 s capped at one hour
            (100, 1.0, 3600),  // the exponent stops at 30, far past the cap
            (1, 0.0, 30), (3, 0.5, 180), (7, 0.0, 1800),
            (0, 1.0, 60),  // attempt numbers start at 1
            (2, 2.0, 120), (2, -1.0, 60),  // jitter is clamped to 0...1
        ] as [(Int, Double, Int64)])
    func backoff(attempt: Int, jitter: Double, seconds: Int64) {
        let policy = DeliveryPolicy(initialBackoff: .seconds(60), maximumBackoff: .hours(1))
        #expect(policy.backoff(afterAttempt: attempt, jitter: jitter) == .seconds(seconds))
    }
}

// MARK: Sink numbering

/// The sink's name for the message it accepted at `position` (0-based): 0001, 0002, ...
private func sinkNumber(_ position: Int) -> String {
    let number = String(position + 1)
    return String(repeating: "0", count: max(0, 4 - number.count)) + number
}

@Suite("Outbox delivery: engines")
struct OutboxEngineGuardTests {
    @Test("under CI the PostgreSQL cases cannot be skipped silently")
    func postgresPresentUnderCI() {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(StoreEngine.postgresURL != nil, "CI=true but ITSM_TEST_POSTGRES_URL is not set: the PostgreSQL delivery cases would not run")
        }
    }
}
