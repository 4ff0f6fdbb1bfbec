import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Storage
import Testing

/// What a crash (kill -9) can make the outbox send twice is what the server has accepted but the
/// outbox has not yet recorded as sent. It used to be a whole claimed batch (64 per lane, two lanes:
/// 678 repeated copies over 20 kills in bench/faults/run --only kill9); now each connection waits
/// for its delivery to be recorded before sending the next, so at most one per connection.
@Suite("Outbox delivery: the unrecorded window", .serialized, .timeLimit(.minutes(3)))
struct DeliveryWindowTests {
    init() throws {
        try Libcurl.initialise()
    }

    @Test("while a slow server takes a batch of 40, the server never holds more than one unrecorded delivery per connection")
    func unrecordedWindowIsOnePerConnection() async throws {
        let connections = 2
        let start = Instant(secondsSinceEpoch: 1_772_442_000)
        try await withTestStore(.sqlite, openedAt: start, logger: windowLogger) { store in
            // 30 ms per message: the batch takes about 0.6 s, long enough to watch it.
            try await withSink(.init(delay: .milliseconds(30))) { sink in
                let url = try #require(URL(string: "smtp://127.0.0.1:\(sink.port)"))
                let transport = try SMTPTransport(settings: SMTPSettings(url: url, connections: connections), logger: windowLogger)
                for number in 1...40 { try await store.outbox.enqueue(windowMail(number), at: start) }
                let delivery = OutboxDelivery(
                    outbox: store.outbox, transport: transport, workerName: "window", now: { start }, jitter: { 1.0 }, logger: windowLogger)

                let round = Task { try await delivery.deliverDueMessages() }
                var widest = 0
                var samples = 0
                // Watched until the round ends: the sink is read before the outbox, so a delivery
                // recorded in between can only make the window look smaller than it was, never larger.
                while true {
                    let accepted = acceptedBySink(sink)
                    let recorded = try await store.outbox.list(status: .sent, limit: 1000).count
                    widest = max(widest, accepted - recorded)
                    samples += 1
                    if accepted >= 40 && recorded >= 40 { break }
                    try await Task.sleep(for: .milliseconds(5))
                }
                #expect(try await round.value.sent == 40)
                #expect(samples > 10, "the round ended before it could be watched")
                #expect(widest <= connections, "the server held \(widest) deliveries the outbox had not recorded")
                #expect(acceptedBySink(sink) == 40)
                await transport.shutdown()
            }
        }
    }
}

private let windowLogger: Logger = {
    var logger = Logger(label: "itsm.tests.delivery-window")
    logger.logLevel = .critical
    return logger
}()

/// Messages the sink has accepted so far (one NNNN.json each).
private func acceptedBySink(_ sink: SMTPSink) -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: sink.directory.path)) ?? []).count(where: { $0.hasSuffix(".json") })
}

private func windowMail(_ number: Int) -> NewOutboxMessage {
    let messageID = "window-\(number)@itsm.example"
    let text = "From: desk@itsm.example\r\nTo: user\(number)@example.org\r\nSubject: window \(number)\r\nMessage-ID: <\(messageID)>\r\n\r\nHello.\r\n"
    return NewOutboxMessage(
        idempotencyKey: "window:\(number)", kind: "digest", priority: 10, sender: "desk@itsm.example",
        recipients: ["user\(number)@example.org"], messageID: messageID, data: Array(text.utf8))
}
