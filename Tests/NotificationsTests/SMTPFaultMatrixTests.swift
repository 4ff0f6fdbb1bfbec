import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Storage
import Synchronization
import Testing

/// The SMTP fault matrix of issue 8: a real SMTP server on loopback (smtp_sink.py) told to answer
/// 421/451/452/550/554, stall, close or reset at the greeting, MAIL, RCPT, DATA (mid-DATA for a
/// close or reset) or the end-of-data dot, the first three times; a real SQLite outbox; the libcurl
/// transport with two connections. Rounds run until nothing is left to send, the clock moved by
/// hand to each retry. Whatever the fault, every message ends delivered exactly once or failed
/// with the server's reason, each retry waits its backoff, and the transport still sends after.
@Suite("SMTP fault matrix", .serialized, .timeLimit(.minutes(5)))
struct SMTPFaultMatrixTests {
    init() throws {
        try Libcurl.initialise()
    }

    static let codes = [421, 451, 452, 550, 554]
    static let faults: [SMTPFault] = [SMTPFault.Stage.mail, .rcpt, .data, .endOfData].flatMap { stage in
        codes.map { SMTPFault(stage, .reply($0), count: 3) } + [.stall, .close, .reset].map { SMTPFault(stage, $0, count: 3) }
    } + [.reply(421), .reply(554), .stall, .close, .reset].map { SMTPFault(.connect, $0, count: 3) }

    @Test("every message ends delivered once or failed with the reason; retries wait their backoff", arguments: faults)
    func fault(_ fault: SMTPFault) async throws {
        let outcome = try await deliverSix(through: fault)
        // A 5xx reply to the message's own command is permanent: the three messages it hit fail
        // with that reply. A 5xx greeting is about the server, not the message: retried.
        if case .reply(let code) = fault.action, code >= 500, fault.stage != .connect {
            #expect(outcome.failed.count == 3, "\(outcome)")
            #expect(outcome.delivered.count == 3, "\(outcome)")
            for message in outcome.failed {
                #expect(message.smtpCode == code)
                #expect(message.lastError?.hasPrefix("\(code) ") == true, "\(message.lastError ?? "nil")")
            }
        } else {
            #expect(outcome.failed.count == 0, "\(outcome)")
            #expect(outcome.delivered.count == 6, "\(outcome)")
            #expect(outcome.retried > 0, "the fault was injected but nothing was retried: \(outcome)")
        }
        #expect(outcome.injected == 3, "\(outcome)")
    }

    @Test("a server that refuses connections (nothing listens): retried with backoff, then delivered once it is up")
    func refusedConnections() async throws {
        let port = try unusedLoopbackPort()
        try await withTestStore(.sqlite, openedAt: faultStart, logger: faultLogger) { store in
            try await withFaultTransport(port: port) { transport in
                let mails = (1...6).map { faultMail($0) }
                for mail in mails { try await store.outbox.enqueue(mail, at: faultStart) }
                let clock = ManualClock(faultStart)
                let delivery = faultDelivery(store, transport, clock)
                let round = try await delivery.deliverDueMessages()
                #expect(round.retried == 6)
                let queued = try await store.outbox.list()
                #expect(queued.allSatisfy { $0.status == .queued && $0.nextAttemptAt == faultStart + .seconds(60) })
                #expect(queued.allSatisfy { $0.lastError?.contains("(libcurl 7)") == true })
                // The server comes up on that port; at the retry everything goes, once.
                try await withSink(.init(port: port)) { sink in
                    clock.set(faultStart + .seconds(60))
                    let retry = try await delivery.deliverDueMessages()
                    #expect(retry.sent == 6)
                    #expect(try receivedCounts(sink) == Dictionary(uniqueKeysWithValues: mails.map { ($0.messageID, 1) }))
                }
            }
        }
    }
}

// MARK: Driving the rounds

/// What six messages came to through one fault.
private struct FaultOutcome: CustomStringConvertible {
    var delivered: [OutboxMessage]
    var failed: [OutboxMessage]
    /// Failed attempts that were put back in the queue.
    var retried: Int
    var injected: Int
    var rounds: Int

    var description: String {
        "delivered \(delivered.count), failed \(failed.count) \(failed.map { $0.lastError ?? "" }), retried \(retried), "
            + "faults injected \(injected), rounds \(rounds)"
    }
}

/// Enqueues six messages, runs rounds against a sink injecting `fault` until none is left to
/// send, checking after each round that every retry was put exactly its backoff ahead, and that
/// every message ends sent (received exactly once) or failed (with a reason, never received).
private func deliverSix(through fault: SMTPFault) async throws -> FaultOutcome {
    try await withTestStore(.sqlite, openedAt: faultStart, logger: faultLogger) { store in
        try await withSink(.init(faults: [fault])) { sink in
            try await withFaultTransport(port: sink.port) { transport in
                let mails = (1...6).map { faultMail($0) }
                for mail in mails { try await store.outbox.enqueue(mail, at: faultStart) }
                let clock = ManualClock(faultStart)
                let policy = DeliveryPolicy()
                let delivery = faultDelivery(store, transport, clock, policy: policy)

                var attempts: [Int64: Int] = [:]
                var retried = 0
                var rounds = 0
                while rounds < 20 {
                    let round = try await delivery.deliverDueMessages()
                    rounds += 1
                    retried += round.retried
                    let messages = try await store.outbox.list()
                    for message in messages where message.status == .queued && message.attempts > (attempts[message.id] ?? 0) {
                        // Jitter is fixed at 1.0: the full backoff for this attempt, from this round's instant.
                        #expect(message.nextAttemptAt == clock.now + policy.backoff(afterAttempt: message.attempts, jitter: 1.0),
                                "message \(message.id) attempt \(message.attempts)")
                        #expect(message.lastError?.isEmpty == false)
                    }
                    for message in messages { attempts[message.id] = message.attempts }
                    #expect(!messages.contains { $0.status == .sending }, "a claim was left behind")
                    let waiting = messages.filter { $0.status == .queued }
                    guard let next = waiting.map(\.nextAttemptAt).min() else { break }
                    if round.claimed == 0 { clock.set(next) }
                }

                let stored = try await store.outbox.list()
                let received = try receivedCounts(sink)
                let delivered = stored.filter { $0.status == .sent }
                let failed = stored.filter { $0.status == .failed }
                #expect(delivered.count + failed.count == mails.count, "messages neither sent nor failed: \(stored.map(\.status))")
                for message in delivered { #expect(received[message.messageID] == 1, "\(message.messageID) received \(received[message.messageID] ?? 0) times") }
                for message in failed {
                    #expect(received[message.messageID] == nil, "\(message.messageID) failed but arrived")
                    #expect(message.lastError?.isEmpty == false)
                }

                // No connection is stuck: a new message goes out at once.
                let after = faultMail(7)
                try await store.outbox.enqueue(after, at: clock.now)
                #expect(try await delivery.deliverDueMessages().sent == 1)
                #expect(try receivedCounts(sink)[after.messageID] == 1)

                let injected = try sink.injectedFaults()[fault.argument] ?? 0
                return FaultOutcome(delivered: delivered, failed: failed, retried: retried, injected: injected, rounds: rounds)
            }
        }
    }
}

/// How many times the sink accepted each Message-ID.
private func receivedCounts(_ sink: SMTPSink) throws -> [String: Int] {
    var counts: [String: Int] = [:]
    for message in try sink.messages() {
        let id = message.text.split(separator: "\r\n").first { $0.hasPrefix("Message-ID: <") }
            .map { String($0.dropFirst("Message-ID: <".count).dropLast()) } ?? "?"
        counts[id, default: 0] += 1
    }
    return counts
}

// MARK: Fixtures

/// 2026-03-02T09:00:00Z.
private let faultStart = Instant(secondsSinceEpoch: 1_772_442_000)


private let faultLogger: Logger = {
    var logger = Logger(label: "itsm.tests.smtp-faults")
    logger.logLevel = .critical
    return logger
}()

private func faultMail(_ number: Int) -> NewOutboxMessage {
    let messageID = "fault-\(number)@itsm.example"
    let lines = [
        "From: Service Desk <desk@itsm.example>", "To: user\(number)@example.org", "Subject: fault \(number)",
        "Message-ID: <\(messageID)>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "",
        "Hello,", ".a dot-led line", "Bye.",
    ]
    return NewOutboxMessage(
        idempotencyKey: "fault:\(number)", kind: "digest", priority: 10, sender: "desk@itsm.example",
        recipients: ["user\(number)@example.org"], messageID: messageID, data: Array(lines.map { $0 + "\r\n" }.joined().utf8))
}

private func faultDelivery(_ store: Store, _ transport: any MailTransport, _ clock: ManualClock, policy: DeliveryPolicy = .init()) -> OutboxDelivery {
    OutboxDelivery(
        outbox: store.outbox, transport: transport, policy: policy, workerName: "fault-worker", now: { clock.now }, jitter: { 1.0 },
        logger: faultLogger)
}

/// Two connections; a stalled server is given up on after two seconds.
private func withFaultTransport<R>(port: Int, _ body: (SMTPTransport) async throws -> R) async throws -> R {
    try await withSMTPTransport(port: port, connections: 2, connectTimeout: .seconds(2), totalTimeout: .seconds(2), logger: faultLogger, body)
}
