import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Storage
import Synchronization
import Testing

// Fixtures shared by OutboxDeliveryTests and OutboxSuppressionTests.

// MARK: Clock and tallies

/// 2026-03-02T09:00:00Z: when the messages in these tests are enqueued.
let deliveryStart = Instant(secondsSinceEpoch: 1_772_442_000)


/// A `DeliveryRound` as a value the tests can write down (its initialiser is not public).
struct Tally: Equatable, CustomStringConvertible {
    var claimed = 0, sent = 0, retried = 0, failed = 0

    init(claimed: Int = 0, sent: Int = 0, retried: Int = 0, failed: Int = 0) {
        (self.claimed, self.sent, self.retried, self.failed) = (claimed, sent, retried, failed)
    }

    init(_ round: DeliveryRound) {
        self.init(claimed: round.claimed, sent: round.sent, retried: round.retried, failed: round.failed)
    }

    var description: String { "claimed \(claimed), sent \(sent), retried \(retried), failed \(failed)" }
}

// MARK: Messages, transports and stores

let outboxLogger: Logger = {
    var logger = Logger(label: "itsm.tests.outbox")
    logger.logLevel = .critical
    return logger
}()

/// A small message with a dot-led line (which the wire dot-stuffs and the sink un-stuffs).
func digestMail(_ name: String, priority: Int = 10, to recipient: String) -> NewOutboxMessage {
    let messageID = "\(name)@itsm.example"
    let lines = [
        "From: Service Desk <desk@itsm.example>", "To: \(recipient)", "Subject: \(name)", "Message-ID: <\(messageID)>",
        "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", "Hello,", ".a line that starts with a dot", "Bye.",
    ]
    return NewOutboxMessage(
        idempotencyKey: "test:\(name)", kind: priority == 0 ? "confirmation" : "digest", priority: priority,
        sender: "desk@itsm.example", recipients: [recipient], messageID: messageID,
        data: Array(lines.map { $0 + "\r\n" }.joined().utf8))
}

/// A delivery over `store` with the test's clock and jitter fixed at 1.0 (the full backoff).
func outboxDelivery(
    _ store: Store, _ transport: any MailTransport, _ clock: ManualClock, policy: DeliveryPolicy = .init(), worker: String = "test-worker"
) -> OutboxDelivery {
    OutboxDelivery(
        outbox: store.outbox, transport: transport, policy: policy, workerName: worker, now: { clock.now }, jitter: { 1.0 },
        logger: outboxLogger)
}

/// Runs `body` with an SMTP transport to loopback `port`, shut down afterwards whatever happens.
func withSMTPTransport<R>(
    port: Int, connections: Int, connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(30), logger: Logger = outboxLogger,
    _ body: (SMTPTransport) async throws -> R
) async throws -> R {
    let url = try #require(URL(string: "smtp://127.0.0.1:\(port)"))
    let transport = try SMTPTransport(
        settings: SMTPSettings(url: url, connectTimeout: connectTimeout, totalTimeout: totalTimeout, connections: connections),
        logger: logger)
    do {
        let result = try await body(transport)
        await transport.shutdown()
        return result
    } catch {
        await transport.shutdown()
        throw error
    }
}

/// A migrated store on a fresh database of its own (see Support/TestStores.swift).
func withOutboxStore<R>(_ engine: StoreEngine, _ body: (Store) async throws -> R) async throws -> R {
    try await withTestStore(engine, openedAt: deliveryStart, logger: outboxLogger, body)
}
