import Domain
import Foundation
import SQLKit

/// An email waiting in, or done with, the outbox.
public struct OutboxMessage: Sendable, Hashable, Identifiable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case queued, sending, sent, failed
    }

    public var id: Int64
    public var idempotencyKey: String
    public var kind: String
    public var priority: Int
    public var sender: String
    public var recipients: [String]
    public var messageID: String
    public var data: [UInt8]
    public var status: Status
    public var attempts: Int
    public var createdAt: Instant
    public var nextAttemptAt: Instant
    public var claimedBy: String?
    public var claimedUntil: Instant?
    public var lastError: String?
    public var smtpCode: Int?
    public var sentAt: Instant?
    public var failedAt: Instant?
    public var serverReply: String?
}

/// A message to put into the outbox.
public struct NewOutboxMessage: Sendable, Hashable {
    /// Unique per logical message (e.g. `digest:<list>:<period>:<subscriber>`): enqueueing the same key twice stores one message.
    public var idempotencyKey: String
    public var kind: String
    /// Lower is delivered sooner (confirmations 0, digests 10).
    public var priority: Int
    public var sender: String
    public var recipients: [String]
    public var messageID: String
    public var data: [UInt8]

    public init(idempotencyKey: String, kind: String, priority: Int, sender: String, recipients: [String], messageID: String, data: [UInt8]) {
        self.idempotencyKey = idempotencyKey
        self.kind = kind
        self.priority = priority
        self.sender = sender
        self.recipients = recipients
        self.messageID = messageID
        self.data = data
    }
}

/// Counts for `itsm outbox status` and the metrics.
public struct OutboxSummary: Sendable, Hashable {
    public var counts: [OutboxMessage.Status: Int]
    /// When the oldest message still waiting (queued or sending) was enqueued.
    public var oldestWaiting: Instant?
}

/// A transaction other writes and outbox enqueues share, so a message exists only if its cause does.
public struct StorageTransaction: Sendable {
    let db: any SQLDatabase
}

extension Store {
    public var outbox: OutboxRepository { OutboxRepository(database: database) }

    /// Runs `body` in one transaction (committed when it returns, rolled back when it throws).
    public func transaction<R: Sendable>(_ body: @escaping @Sendable (StorageTransaction) async throws -> R) async throws -> R {
        try await database.transaction { db in try await body(StorageTransaction(db: db)) }
    }
}

/// The transactional outbox: enqueue with idempotency, claim with leases, record outcomes.
public struct OutboxRepository: Sendable {
    let database: Database

    /// Enqueues inside `transaction`; returns false when a message with the same key already exists.
    @discardableResult
    public func enqueue(_ message: NewOutboxMessage, at now: Instant, in transaction: StorageTransaction) async throws -> Bool {
        try await Self.insert(message, at: now, on: transaction.db)
    }

    /// Enqueues in a transaction of its own.
    @discardableResult
    public func enqueue(_ message: NewOutboxMessage, at now: Instant) async throws -> Bool {
        try await database.transaction { db in try await Self.insert(message, at: now, on: db) }
    }

    private static func insert(_ message: NewOutboxMessage, at now: Instant, on db: any SQLDatabase) async throws -> Bool {
        let rows = try await db.insert(into: "outbox_messages")
            .columns(
                "idempotency_key", "kind", "priority", "sender", "recipients", "message_id", "status", "attempts",
                "created_at_us", "next_attempt_at_us"
            )
            .values(
                SQLBind(message.idempotencyKey), SQLBind(message.kind), SQLBind(Int64(message.priority)), SQLBind(message.sender),
                SQLBind(try jsonText(message.recipients)), SQLBind(message.messageID),
                SQLBind(OutboxMessage.Status.queued.rawValue), SQLBind(Int64(0)), SQLBind(now.microsecondsSinceEpoch),
                SQLBind(now.microsecondsSinceEpoch)
            )
            .ignoringConflicts(with: "idempotency_key")
            .returning("id")
            .all()
        guard let id = try rows.first?.int64("id") else { return false }
        try await db.insert(into: "outbox_payloads").columns("message_id", "data").values(SQLBind(id), SQLBind(Data(message.data))).run()
        return true
    }

    /// When the latest message whose idempotency key starts with `keyPrefix` was enqueued (for rate
    /// limits that must hold across window boundaries, instances and retries).
    public func latestEnqueue(keyPrefix: String, in transaction: StorageTransaction) async throws -> Instant? {
        // A key range rather than LIKE: no wildcard characters to escape, and the unique index serves it.
        guard let last = keyPrefix.unicodeScalars.last, let next = Unicode.Scalar(last.value + 1) else { return nil }
        let upper = String(keyPrefix.unicodeScalars.dropLast()) + String(next)
        let row = try await transaction.db.select()
            .column(SQLFunction("max", args: SQLIdentifier("created_at_us")), as: "latest")
            .from("outbox_messages")
            .where("idempotency_key", .greaterThanOrEqual, SQLBind(keyPrefix))
            .where("idempotency_key", .lessThan, SQLBind(upper))
            .first()
        return try row?.optionalInstant("latest")
    }

    /// Claims up to `limit` due messages for `worker` until `now + lease`: queued ones whose time has
    /// come, and sending ones whose lease expired (a crashed worker's). Lowest priority value first.
    /// On PostgreSQL concurrent claimers skip each other's rows; SQLite has a single writer.
    ///
    /// A message whose claim expired `maxAttempts` times or more (it keeps killing or stalling
    /// workers) is marked failed instead of being sent again.
    public func claim(limit: Int, worker: String, now: Instant, lease: Duration, maxAttempts: Int = 10) async throws -> [OutboxMessage] {
        let engine = database.engine
        let now = now.microsecondsSinceEpoch
        let until = now + lease.microseconds
        return try await database.transaction { db in
            // Expired claims (a crashed worker's) go back to the queue first; indexed statements
            // rather than one OR that would scan the whole table.
            let poisoned: SQLQueryString = """
                UPDATE outbox_messages SET status = 'failed', failed_at_us = \(bind: now), claimed_by = NULL, claimed_until_us = NULL,
                    last_error = \(bind: "gave up: its claim expired \(maxAttempts) times (a worker crashed or stalled while sending it)")
                WHERE status = 'sending' AND claimed_until_us < \(bind: now) AND attempts >= \(bind: Int64(maxAttempts))
                """
            try await db.raw(poisoned).run()
            let release: SQLQueryString = """
                UPDATE outbox_messages SET status = 'queued', claimed_by = NULL, claimed_until_us = NULL
                WHERE status = 'sending' AND claimed_until_us < \(bind: now)
                """
            try await db.raw(release).run()
            let lock: SQLQueryString = engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
            let query: SQLQueryString = """
                UPDATE outbox_messages
                SET status = 'sending', claimed_by = \(bind: worker), claimed_until_us = \(bind: until), attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM outbox_messages
                    WHERE status = 'queued' AND next_attempt_at_us <= \(bind: now)
                    ORDER BY priority, next_attempt_at_us, id
                    LIMIT \(literal: max(1, limit))\(lock)
                )
                RETURNING *
                """
            return try await Self.decode(try await db.raw(query).all(), on: db)
                .sorted { ($0.priority, $0.nextAttemptAt, $0.id) < ($1.priority, $1.nextAttemptAt, $1.id) }
        }
    }

    /// Extends the claims `worker` still holds to `until` (while a slow batch is being sent).
    public func renewClaims(worker: String, until: Instant) async throws {
        try await database.withSession { db in
            try await db.update("outbox_messages")
                .set("claimed_until_us", to: SQLBind(until.microsecondsSinceEpoch))
                .where("claimed_by", .equal, SQLBind(worker))
                .where("status", .equal, SQLBind(OutboxMessage.Status.sending.rawValue))
                .run()
        }
    }

    /// Records a delivery. Whoever holds the claim now, a message that went out is sent.
    public func markSent(_ id: Int64, reply: String, at now: Instant) async throws {
        try await markSent([(id, reply)], at: now)
    }

    /// Records many deliveries in one statement (one round of a delivery worker).
    public func markSent(_ deliveries: [(id: Int64, reply: String)], at now: Instant) async throws {
        guard !deliveries.isEmpty else { return }
        try await database.withSession { db in
            // Chunks keep the bind count (2 per message) far below both engines' limits.
            for start in stride(from: 0, to: deliveries.count, by: 500) {
                let chunk = deliveries[start..<min(start + 500, deliveries.count)]
                var reply: SQLQueryString = "CASE id"
                for delivery in chunk { reply = reply + " WHEN \(bind: delivery.id) THEN \(bind: String(delivery.reply.prefix(1000)))" }
                reply = reply + " END"
                try await db.update("outbox_messages")
                    .set("status", to: SQLBind(OutboxMessage.Status.sent.rawValue))
                    .set("sent_at_us", to: SQLBind(now.microsecondsSinceEpoch))
                    .set("server_reply", to: reply)
                    .set("claimed_by", to: SQLLiteral.null).set("claimed_until_us", to: SQLLiteral.null)
                    .where("id", .in, SQLBind.group(chunk.map(\.id)))
                    .run()
            }
        }
    }

    /// Puts a message back in the queue for another attempt at `nextAttempt`, unless it was sent
    /// meanwhile or (when `worker` is given) another worker has claimed it since.
    public func markRetry(_ id: Int64, error: String, smtpCode: Int?, nextAttempt: Instant, worker: String? = nil) async throws {
        try await markUnsent(id, status: .queued, error: error, smtpCode: smtpCode, stamp: ("next_attempt_at_us", nextAttempt), worker: worker)
    }

    /// Gives up on a message, keeping the reason, unless it was sent meanwhile or (when `worker` is
    /// given) another worker has claimed it since.
    public func markFailed(_ id: Int64, error: String, smtpCode: Int?, at now: Instant, worker: String? = nil) async throws {
        try await markUnsent(id, status: .failed, error: error, smtpCode: smtpCode, stamp: ("failed_at_us", now), worker: worker)
    }

    /// Releases the claim with the attempt's error; a message already sent is left alone.
    private func markUnsent(
        _ id: Int64, status: OutboxMessage.Status, error: String, smtpCode: Int?, stamp: (column: String, at: Instant), worker: String?
    ) async throws {
        try await database.withSession { db in
            var update = db.update("outbox_messages")
                .set("status", to: SQLBind(status.rawValue))
                .set(SQLIdentifier(stamp.column), to: SQLBind(stamp.at.microsecondsSinceEpoch))
                .set("last_error", to: SQLBind(String(error.prefix(1000))))
                .set("smtp_code", to: SQLBind(smtpCode.map(Int64.init)))
                .set("claimed_by", to: SQLLiteral.null).set("claimed_until_us", to: SQLLiteral.null)
                .where("id", .equal, SQLBind(id))
                .where("status", .notEqual, SQLBind(OutboxMessage.Status.sent.rawValue))
            // A worker whose lease ran out must not release the claim of the worker now sending it.
            if let worker { update = update.where("claimed_by", .equal, SQLBind(worker)) }
            try await update.run()
        }
    }

    public func get(_ id: Int64) async throws -> OutboxMessage {
        let message = try await database.withSession { db in
            try await Self.decode(try await db.select().column("*").from("outbox_messages").where("id", .equal, SQLBind(id)).all(), on: db).first
        }
        guard let message else { throw StorageError.notFound(record: "outbox message", id: id) }
        return message
    }

    /// Messages in id order (enqueue order), or the newest first; of one status if given.
    public func list(status: OutboxMessage.Status? = nil, limit: Int = 100, newestFirst: Bool = false) async throws -> [OutboxMessage] {
        try await database.withSession { db in
            var query = db.select().column("*").from("outbox_messages")
            if let status { query = query.where("status", .equal, SQLBind(status.rawValue)) }
            return try await Self.decode(try await query.orderBy("id", newestFirst ? .descending : .ascending).limit(limit).all(), on: db)
        }
    }

    /// Puts failed message `id` back in the queue, due at `now`; false when there is no failed
    /// message with that id. Attempts and the age the outbox gives up at count again from `now`,
    /// so the retry gets a whole retry window rather than one attempt.
    public func retryFailed(_ id: Int64, at now: Instant) async throws -> Bool {
        try await requeueFailed(only: id, at: now) == 1
    }

    /// Puts every failed message back in the queue, due at `now` (as `retryFailed`); returns how many.
    public func retryAllFailed(at now: Instant) async throws -> Int {
        try await requeueFailed(only: nil, at: now)
    }

    private func requeueFailed(only id: Int64?, at now: Instant) async throws -> Int {
        let us = now.microsecondsSinceEpoch
        return try await database.withSession { db in
            var query: SQLQueryString = """
                UPDATE outbox_messages SET status = 'queued', attempts = 0, created_at_us = \(bind: us), next_attempt_at_us = \(bind: us),
                    failed_at_us = NULL, claimed_by = NULL, claimed_until_us = NULL
                WHERE status = 'failed'
                """
            if let id { query = query + " AND id = \(bind: id)" }
            return try await db.raw(query + " RETURNING id").all().count
        }
    }

    /// Deletes sent messages sent before `sentBefore` and failed ones that failed before
    /// `failedBefore` (nil keeps that kind), with their bytes; returns how many went. Queued and
    /// sending messages are never deleted.
    public func purge(sentBefore: Instant?, failedBefore: Instant?) async throws -> Int {
        var conditions: [SQLQueryString] = []
        if let sentBefore { conditions.append("(status = 'sent' AND sent_at_us < \(bind: sentBefore.microsecondsSinceEpoch))") }
        if let failedBefore { conditions.append("(status = 'failed' AND failed_at_us < \(bind: failedBefore.microsecondsSinceEpoch))") }
        guard var condition = conditions.first else { return 0 }
        for other in conditions.dropFirst() { condition = condition + " OR " + other }
        let matching = condition
        return try await database.transaction { db in
            try await db.raw("DELETE FROM outbox_payloads WHERE message_id IN (SELECT id FROM outbox_messages WHERE " + matching + ")").run()
            return try await db.raw("DELETE FROM outbox_messages WHERE " + matching + " RETURNING id").all().count
        }
    }

    /// Messages from their status rows plus their bytes from `outbox_payloads` (one query for all).
    static func decode(_ rows: [any SQLRow], on db: any SQLDatabase) async throws -> [OutboxMessage] {
        let ids = try rows.map { try $0.int64("id") }
        var payloads: [Int64: [UInt8]] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            for row in try await db.select().column("message_id").column("data").from("outbox_payloads")
                .where("message_id", .in, SQLBind.group(chunk)).all() {
                payloads[try row.int64("message_id")] = [UInt8](try row.decode(column: "data", as: Data.self))
            }
        }
        return try rows.map { row in
            let id = try row.int64("id")
            guard let data = payloads[id] else { throw StorageError.corruptRow(table: "outbox_payloads", column: "message_id", value: "\(id) missing") }
            return try decode(row, data: data)
        }
    }

    public func summary() async throws -> OutboxSummary {
        try await database.withSession { db in
            var counts: [OutboxMessage.Status: Int] = [:]
            let rows = try await db.select().column("status").column(SQLFunction("count", args: SQLLiteral.all), as: "n")
                .from("outbox_messages").groupBy("status").all()
            for row in rows {
                counts[try row.value("status", table: "outbox_messages")] = Int(try row.int64("n"))
            }
            let oldest = try await db.select().column(SQLFunction("min", args: SQLIdentifier("created_at_us")), as: "oldest")
                .from("outbox_messages")
                .where("status", .in, SQLBind.group([OutboxMessage.Status.queued.rawValue, OutboxMessage.Status.sending.rawValue]))
                .first()
            return OutboxSummary(counts: counts, oldestWaiting: try oldest?.optionalInstant("oldest"))
        }
    }

    static func decode(_ row: any SQLRow, data: [UInt8]) throws -> OutboxMessage {
        let table = "outbox_messages"
        return OutboxMessage(
            id: try row.int64("id"), idempotencyKey: try row.string("idempotency_key"), kind: try row.string("kind"),
            priority: Int(try row.int64("priority")), sender: try row.string("sender"),
            recipients: try row.json("recipients", table: table, as: [String].self), messageID: try row.string("message_id"),
            data: data, status: try row.value("status", table: table),
            attempts: Int(try row.int64("attempts")), createdAt: try row.instant("created_at_us"),
            nextAttemptAt: try row.instant("next_attempt_at_us"), claimedBy: try row.optionalString("claimed_by"),
            claimedUntil: try row.optionalInstant("claimed_until_us"), lastError: try row.optionalString("last_error"),
            smtpCode: try row.optionalInt64("smtp_code").map(Int.init), sentAt: try row.optionalInstant("sent_at_us"),
            failedAt: try row.optionalInstant("failed_at_us"), serverReply: try row.optionalString("server_reply")
        )
    }
}
