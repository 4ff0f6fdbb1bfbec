import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Storage
import Testing

/// A stop while a round's sent mail cannot be recorded (the database full or gone): the round gives
/// up after `DeliveryPolicy.recordRetryWhenStopping` instead of retrying for two leases, so the
/// daemon's stop stays bounded. Found by `bench/faults/run --only disk-full`, where a SIGTERM with
/// the disk full waited for minutes.
@Suite("Outbox delivery: a stop while recording fails", .timeLimit(.minutes(3)))
struct DeliveryStopTests {
    private static let logger: Logger = {
        var logger = Logger(label: "itsm.tests.delivery-stop")
        logger.logLevel = .critical
        return logger
    }()

    /// Delivers as files, after running `beforeSending` (here: the database goes away).
    private struct FilesAfter: MailTransport {
        let files: FileTransport
        let beforeSending: @Sendable () async -> Void

        func send(_ envelope: Envelope) async -> DeliveryResult {
            await beforeSending()
            return await files.send(envelope)
        }

        func send(_ envelopes: [Envelope]) async -> [DeliveryResult] {
            await beforeSending()
            return await files.send(envelopes)
        }

        func send(_ envelopes: [Envelope], recording record: @escaping @Sendable (Int, DeliveryResult) async -> Void) async {
            await beforeSending()
            await files.send(envelopes, recording: record)
        }

        func shutdown() async { await files.shutdown() }
    }

    @Test("stopping: a round whose sent mail cannot be recorded gives up within its grace, not after two 10-minute leases")
    func recordGivesUpWhenStopping() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-delivery-stop-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let start = Instant(secondsSinceEpoch: 1_772_442_000)
        let store = try await Store.open(.sqlite(path: folder.appendingPathComponent("itsm.sqlite").path), now: start, logger: Self.logger).store
        let message = NewOutboxMessage(
            idempotencyKey: "test:stop", kind: "digest", priority: 10, sender: "desk@itsm.example", recipients: ["ada@example.org"],
            messageID: "stop@itsm.example",
            data: Array("From: desk@itsm.example\r\nTo: ada@example.org\r\nSubject: stop\r\nMessage-ID: <stop@itsm.example>\r\n\r\nHello.\r\n".utf8))
        try await store.outbox.enqueue(message, at: start)

        let mail = folder.appendingPathComponent("mail")
        // Claimed, then the database is closed before the mail goes out: recording it can only fail.
        let transport = FilesAfter(files: FileTransport(directory: mail.path)) { try? await store.database.close() }
        var policy = DeliveryPolicy(lease: .minutes(10))
        policy.recordRetryWhenStopping = .seconds(1)
        let clock = ManualClock(start + .seconds(1))
        let delivery = OutboxDelivery(
            outbox: store.outbox, transport: transport, policy: policy, workerName: "stop-test", now: { clock.now }, jitter: { 1.0 },
            logger: Self.logger)
        delivery.stop()

        // Without the stop's grace this retries for 20 minutes and the suite's time limit fails it.
        await #expect(throws: (any Error).self) { _ = try await delivery.deliverDueMessages() }
        // The mail did go out; it is the one message a later claim may send again.
        let written = try FileManager.default.contentsOfDirectory(atPath: mail.path).filter { $0.hasSuffix(".eml") }
        #expect(written.count == 1, "\(written)")
    }
}
