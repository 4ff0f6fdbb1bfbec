import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Storage
import Synchronization
import Testing

// MARK: Review findings: suppression, poisoned claims, graceful stop

@Suite("Outbox delivery: suppression and stuck claims", .serialized, .timeLimit(.minutes(3)))
struct OutboxSuppressionTests {
    init() throws {
        try Libcurl.initialise()
    }

    @Test("a message to a suppressed and a live address goes to the live one only")
    func partialSuppression() async throws {
        try await withOutboxStore(.sqlite) { store in
            try await withSink { sink in
                try await withSMTPTransport(port: sink.port, connections: 1) { transport in
                    try await store.outbox.recordPermanentRefusal(of: ["gone@example.org"], reply: "550 5.1.1", at: deliveryStart, threshold: 1)
                    var mail = digestMail("shared", to: "ada@example.org")
                    mail.recipients = ["ada@example.org", "Gone@example.org"]
                    try await store.outbox.enqueue(mail, at: deliveryStart)
                    let clock = ManualClock(deliveryStart + .seconds(1))
                    let round = try await outboxDelivery(store, transport, clock).deliverDueMessages()
                    #expect(Tally(round) == Tally(claimed: 1, sent: 1))
                    let received = try sink.messages()
                    #expect(received.map(\.envelope.rcptTos) == [["ada@example.org"]])
                }
            }
        }
    }

    @Test("a message already queued for an address an administrator then suppresses is not sent")
    func adminSuppressionStopsQueuedMail() async throws {
        try await withOutboxStore(.sqlite) { store in
            try await store.outbox.enqueue(digestMail("late", to: "Ada@Example.org"), at: deliveryStart)
            let suppressed = try await store.suppressions.suppress(
                try EmailAddress(parsing: "ada@example.org"), source: .admin, reason: "asked by phone",
                by: .cli(operator: "ops", reason: nil), at: deliveryStart
            )
            #expect(suppressed)
            let clock = ManualClock(deliveryStart + .seconds(1))
            let round = try await outboxDelivery(store, RefusingTransport(reply: "unreachable", code: 0), clock).deliverDueMessages()
            #expect(Tally(round) == Tally(claimed: 1, failed: 1))
            let message = try #require(try await store.outbox.list().first)
            #expect(message.lastError == "not sent: the address is suppressed")
        }
    }

    @Test("a relay or policy refusal (5.7.1) fails the message but never suppresses the address")
    func policyRefusalDoesNotSuppress() async throws {
        try await withOutboxStore(.sqlite) { store in
            let clock = ManualClock(deliveryStart)
            let delivery = outboxDelivery(store, RefusingTransport(reply: "554 5.7.1 <ada@example.org>: Relay access denied", code: 554), clock)
            try await store.outbox.enqueue(digestMail("relay", to: "ada@example.org"), at: deliveryStart)
            let round = try await delivery.deliverDueMessages()
            #expect(Tally(round) == Tally(claimed: 1, failed: 1))
            #expect(try await store.outbox.suppressed(among: ["ada@example.org"]).isEmpty)
        }
    }

    @Test("a message whose claim keeps expiring is failed after the attempt limit, not sent forever")
    func poisonedClaimFails() async throws {
        try await withOutboxStore(.sqlite) { store in
            try await store.outbox.enqueue(digestMail("poison", to: "ada@example.org"), at: deliveryStart)
            // Two workers die holding it (attempts 1 and 2); with a limit of 2 the next claim gives up.
            var now = deliveryStart
            for worker in ["dead-1", "dead-2"] {
                let claimed = try await store.outbox.claim(limit: 10, worker: worker, now: now, lease: .seconds(60), maxAttempts: 2)
                #expect(claimed.count == 1)
                now = now + .seconds(61)
            }
            let third = try await store.outbox.claim(limit: 10, worker: "live", now: now, lease: .seconds(60), maxAttempts: 2)
            #expect(third.isEmpty)
            let message = try #require(try await store.outbox.list().first)
            #expect(message.status == .failed)
            #expect(message.lastError?.contains("claim expired 2 times") == true)
        }
    }
}

/// A transport whose every send is refused with one permanent reply (no network needed).
private struct RefusingTransport: MailTransport {
    let reply: String
    let code: Int

    func send(_ envelope: Envelope) async -> DeliveryResult {
        // What the libcurl transport reports for this reply: which recipients it blames is its rule.
        let replies = [reply]
        let refused = replies.contains { $0.dropFirst(4).hasPrefix("5.1.") } ? envelope.recipients : []
        return .failed(DeliveryFailure(kind: .permanent, smtpCode: code, text: reply, refusedRecipients: refused))
    }

    func shutdown() async {}
}
