import Domain
import Logging
import Storage

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
        let batch = try await outbox.claim(limit: policy.batchSize, worker: workerName, now: now(), lease: policy.lease)
        var round = DeliveryRound(claimed: batch.count)
        guard !batch.isEmpty else { return round }
        // A suppressed address is never mailed, whatever was queued for it before.
        let suppressed = try await outbox.suppressed(among: batch.flatMap(\.recipients))
        var sendable: [OutboxMessage] = []
        for message in batch {
            if !suppressed.isEmpty, message.recipients.allSatisfy({ suppressed.contains($0.lowercased()) }) {
                try await outbox.markFailed(message.id, error: "not sent: the address is suppressed after permanent failures", smtpCode: nil, at: now(), worker: workerName)
                round.failed += 1
            } else {
                sendable.append(message)
            }
        }
        let results = await transport.send(sendable.map {
            Envelope(sender: $0.sender, recipients: $0.recipients, data: $0.data, messageID: $0.messageID)
        })
        let outcomes = Array(zip(sendable, results))
        // What went out is recorded first, in one statement: a failing write below must not leave
        // a delivered message to be claimed and sent again. Failures follow one by one (they are rare).
        let delivered: [(id: Int64, reply: String)] = outcomes.compactMap { message, result in
            if case .delivered(let reply) = result { (message.id, reply) } else { nil }
        }
        try await outbox.markSent(delivered, at: now())
        round.sent += delivered.count
        for (message, result) in outcomes {
            if case .delivered = result { continue }
            switch try await record(result, for: message) {
            case .sent: round.sent += 1
            case .queued: round.retried += 1
            case .failed: round.failed += 1
            case .sending: break
            }
        }
        return round
    }

    /// Writes the outcome of one attempt and returns the message's new status.
    func record(_ result: DeliveryResult, for message: OutboxMessage) async throws -> OutboxMessage.Status {
        let at = now()
        var metadata: Logger.Metadata = ["message_id": .string(message.messageID), "outbox_id": .stringConvertible(message.id), "attempt": .stringConvertible(message.attempts)]
        switch result {
        case .delivered(let reply):
            try await outbox.markSent(message.id, reply: reply, at: at)
            logger.debug("message sent", metadata: metadata)
            return .sent
        case .failed(let failure):
            metadata["reason"] = .string(LogRedaction.maskingAddresses(in: failure.description))
            if failure.kind == .permanent {
                try await outbox.markFailed(message.id, error: failure.text, smtpCode: failure.smtpCode, at: at, worker: workerName)
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
                try await outbox.markFailed(message.id, error: reason, smtpCode: failure.smtpCode, at: at, worker: workerName)
                logger.warning("message expired in the outbox", metadata: metadata)
                return .failed
            }
            try await outbox.markRetry(message.id, error: failure.text, smtpCode: failure.smtpCode, nextAttempt: next, worker: workerName)
            logger.info("message will be retried", metadata: metadata.merging(["next_attempt": .string(next.iso8601)]) { $1 })
            return .queued
        }
    }
}
