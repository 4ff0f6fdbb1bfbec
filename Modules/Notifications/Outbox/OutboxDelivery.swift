import Foundation
import Domain
import Logging
import Storage
import Synchronization

/// What one delivery round did.
public struct DeliveryRound: Sendable, Hashable {
    public var claimed = 0
    public var sent = 0
    public var retried = 0
    public var failed = 0
}

/// Takes due messages from the outbox, hands them to the transport, and records each outcome:
/// sent, retried later with backoff, or failed (permanent reply, or too old to keep trying).
public struct OutboxDelivery: Sendable {
    public let outbox: OutboxRepository
    public let transport: any MailTransport
    public let policy: DeliveryPolicy
    /// Names this worker's claims (host and process, for example).
    public let workerName: String
    /// The clock; tests move it instead of waiting.
    public let now: @Sendable () -> Instant
    /// A number in 0...1 for backoff jitter; tests fix it.
    public let jitter: @Sendable () -> Double
    public let logger: Logger
    /// When `stop()` was called (the daemon's graceful shutdown), shared by every copy of this value.
    private let stopping = StopRequest()

    public init(
        outbox: OutboxRepository, transport: any MailTransport, policy: DeliveryPolicy = .init(), workerName: String,
        now: @escaping @Sendable () -> Instant, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        logger: Logger
    ) {
        self.outbox = outbox
        self.transport = transport
        self.policy = policy
        self.workerName = workerName
        self.now = now
        self.jitter = jitter
        self.logger = logger
    }

    /// Claims one batch of due messages and delivers them concurrently (the transport bounds the
    /// real concurrency by its connections). Returns what happened; `claimed == 0` means idle.
    public func deliverDueMessages() async throws -> DeliveryRound {
        // Each round's claim has its own name, so a late write by one round (or lane) can never
        // release another's claim on the same message.
        let claim = "\(workerName)/\(UUID().uuidString)"
        let batch = try await outbox.claim(limit: policy.batchSize, worker: claim, now: now(), lease: policy.lease)
        var round = DeliveryRound(claimed: batch.count)
        guard !batch.isEmpty else { return round }
        // A suppressed address is never mailed, whatever was queued for it before.
        let suppressed = try await outbox.suppressed(among: batch.flatMap(\.recipients))
        var sendable: [(message: OutboxMessage, envelope: Envelope)] = []
        for message in batch {
            let recipients = message.recipients.filter { !suppressed.contains($0.lowercased()) }
            if recipients.isEmpty {
                try await outbox.markFailed(message.id, error: "not sent: the address is suppressed", smtpCode: nil, at: now(), worker: claim)
                round.failed += 1
            } else {
                sendable.append((message, Envelope(sender: message.sender, recipients: recipients, data: message.data, messageID: message.messageID)))
            }
        }
        // Each delivery is recorded as sent as soon as it is known (several at once while a write
        // is under way), and a connection sends its next message only once its last one is
        // recorded: a crash (kill -9) leaves at most one message per connection delivered but
        // still claimed, to be sent again after the lease, instead of a whole claimed batch.
        let messages = sendable.map(\.message)
        let ledger = SentLedger { deliveries in try await recordSent(deliveries) }
        let slots = ResultSlots(count: sendable.count)
        await sendRenewingClaims(sendable.map(\.envelope), claim: claim) { index, result in
            slots.set(index, result)
            if case .delivered(let reply) = result {
                await ledger.record(id: messages[index].id, reply: reply)
                logSent(messages[index], reply: reply)
            }
        }
        if let failure = await ledger.failure { throw failure }
        round.sent += await ledger.recorded
        let outcomes = Array(zip(sendable.map(\.message), slots.results()))
        // Failures are recorded one by one after the round (they are rare, and sending one again
        // after a crash is no duplicate).
        for (message, result) in outcomes {
            guard case .failed(let failure) = result else { continue }
            switch try await record(failure, for: message, claim: claim) {
            case .queued: round.retried += 1
            case .failed: round.failed += 1
            case .sent, .sending: break
            }
        }
        return round
    }

    /// Sends while renewing the round's claims every third of the lease, so a slow server cannot
    /// make a batch outlast its lease and be claimed (and sent) again by another worker.
    private func sendRenewingClaims(
        _ envelopes: [Envelope], claim: String, recording record: @escaping @Sendable (Int, DeliveryResult) async -> Void
    ) async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await transport.send(envelopes, recording: record)
                return true
            }
            group.addTask {
                let interval = Duration.microseconds(max(1_000_000, policy.lease.microseconds / 3))
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { return false }
                    try? await outbox.renewClaims(worker: claim, until: now() + policy.lease)
                }
                return false
            }
            for await sent in group where sent { group.cancelAll() }
        }
    }

    /// The daemon is stopping: rounds under way finish, but stop retrying a record that cannot be
    /// written after `policy.recordRetryWhenStopping` (see `recordSent`).
    public func stop() {
        stopping.request()
    }

    /// Marks deliveries sent, retrying a failing write for longer than a lease: giving up here
    /// would have every one of them sent again once the lease ends. Once the daemon is stopping it
    /// gives up after `policy.recordRetryWhenStopping`, so that a full disk or a lost database
    /// cannot hold a stop for the ten minutes of two leases.
    private func recordSent(_ delivered: [(id: Int64, reply: String)]) async throws {
        var wait = Duration.milliseconds(250)
        var waited = Duration.zero
        while true {
            do {
                try await outbox.markSent(delivered, at: now())
                return
            } catch {
                let stopped = stopping.elapsed
                guard waited < policy.lease * 2, (stopped.map { $0 < policy.recordRetryWhenStopping } ?? true) else { throw error }
                logger.error("cannot record sent messages; retrying", metadata: ["count": .stringConvertible(delivered.count), "error": .string(DatabaseErrorText.describe(error))])
                // Stopping: short waits, so the limit is kept to the second.
                let pause = stopped == nil ? wait : min(wait, .seconds(1))
                try await Task.sleep(for: pause)
                waited += pause
                wait = min(wait * 2, .seconds(30))
            }
        }
    }

    /// One line per delivered message, at debug: at info a fan-out would log a line per subscriber,
    /// and the outbox row (`itsm outbox`) keeps the same facts. Names the message, never its recipient.
    private func logSent(_ message: OutboxMessage, reply: String) {
        logger.debug("message sent", metadata: [
            "message_id": .string(message.messageID), "outbox_id": .stringConvertible(message.id), "kind": .string(message.kind),
            "attempt": .stringConvertible(message.attempts), "reply": .string(LogRedaction.maskingAddresses(in: reply)),
        ])
    }

    /// Writes the outcome of one failed attempt and returns the message's new status.
    func record(_ failure: DeliveryFailure, for message: OutboxMessage, claim: String) async throws -> OutboxMessage.Status {
        let at = now()
        let metadata: Logger.Metadata = [
            "message_id": .string(message.messageID), "outbox_id": .stringConvertible(message.id),
            "attempt": .stringConvertible(message.attempts), "reason": .string(LogRedaction.maskingAddresses(in: failure.description)),
        ]
        if failure.kind == .permanent {
            try await outbox.markFailed(message.id, error: failure.text, smtpCode: failure.smtpCode, at: at, worker: claim)
            logger.warning("message failed permanently", metadata: metadata)
            let newlySuppressed = try await outbox.recordPermanentRefusal(
                of: failure.refusedRecipients, reply: failure.text, at: at, threshold: policy.suppressAfterPermanentFailures
            )
            if !newlySuppressed.isEmpty {
                // The count only, never the addresses, at this level.
                logger.notice("addresses suppressed after permanent failures", metadata: ["count": .stringConvertible(newlySuppressed.count)])
            }
            return .failed
        }
        let next = at + policy.backoff(afterAttempt: message.attempts, jitter: jitter())
        if next - message.createdAt > policy.maximumAge {
            let reason = "gave up after \(message.attempts) attempts: \(failure.text)"
            try await outbox.markFailed(message.id, error: reason, smtpCode: failure.smtpCode, at: at, worker: claim)
            logger.warning("message expired in the outbox", metadata: metadata)
            return .failed
        }
        try await outbox.markRetry(message.id, error: failure.text, smtpCode: failure.smtpCode, nextAttempt: next, worker: claim)
        logger.info("message will be retried", metadata: metadata.merging(["next_attempt": .string(next.iso8601)]) { $1 })
        return .queued
    }
}

/// Records deliveries as sent while a round is sending: every delivery that arrives while a write
/// is under way goes into the next write (group commit), and each caller returns once its own
/// delivery is written. After a write fails for good the rest are not written (the round then
/// fails, and their claims expire and send them again: the database is gone).
private actor SentLedger {
    private let write: @Sendable ([(id: Int64, reply: String)]) async throws -> Void
    private var pending: [(id: Int64, reply: String)] = []
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var writing = false
    /// Deliveries written so far.
    private(set) var recorded = 0
    /// The first write that failed for good.
    private(set) var failure: (any Error)?

    init(write: @escaping @Sendable ([(id: Int64, reply: String)]) async throws -> Void) {
        self.write = write
    }

    /// Returns once the delivery is written (or the ledger has given up).
    func record(id: Int64, reply: String) async {
        await withCheckedContinuation { continuation in
            pending.append((id, reply))
            waiting.append(continuation)
            if !writing {
                writing = true
                Task { await self.writePending() }
            }
        }
    }

    private func writePending() async {
        while !pending.isEmpty {
            let batch = pending
            let callers = waiting
            pending = []
            waiting = []
            if failure == nil {
                do {
                    try await write(batch)
                    recorded += batch.count
                } catch {
                    failure = error
                }
            }
            for caller in callers { caller.resume() }
        }
        writing = false
    }
}

/// Each envelope's result, by index, filled in by the transport's callbacks.
private final class ResultSlots: Sendable {
    private let slots: Mutex<[DeliveryResult?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ result: DeliveryResult) { slots.withLock { $0[index] = result } }

    func results() -> [DeliveryResult] {
        slots.withLock { $0.map { $0 ?? .failed(DeliveryFailure(kind: .transient, text: "no result")) } }
    }
}

/// When a stop was requested, on the monotonic clock (a reference type: every copy of an
/// `OutboxDelivery` sees the same request).
private final class StopRequest: Sendable {
    private let requestedAt = Mutex<ContinuousClock.Instant?>(nil)

    func request() {
        requestedAt.withLock { $0 = $0 ?? .now }
    }

    /// How long ago the stop was requested; nil when it was not.
    var elapsed: Duration? {
        requestedAt.withLock { $0.map { ContinuousClock.now - $0 } }
    }
}
