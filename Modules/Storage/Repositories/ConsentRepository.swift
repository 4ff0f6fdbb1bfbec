import Domain
import SQLKit

/// What `erase` removed.
public struct Erasure: Hashable, Sendable {
    /// Whether the address had a subscriber (the hash is suppressed either way).
    public var subscriberFound: Bool
    public var subscriptions: Int
    public var consentRecords: Int
    /// Outbox messages to the address not yet sent (queued, retrying, failed or being sent), deleted.
    public var outboxMessagesDeleted: Int
    /// Outbox messages sent to the address, kept without recipients, bytes or replies.
    public var outboxMessagesRedacted: Int

    public init(subscriberFound: Bool, subscriptions: Int, consentRecords: Int, outboxMessagesDeleted: Int = 0, outboxMessagesRedacted: Int = 0) {
        self.subscriberFound = subscriberFound
        self.subscriptions = subscriptions
        self.consentRecords = consentRecords
        self.outboxMessagesDeleted = outboxMessagesDeleted
        self.outboxMessagesRedacted = outboxMessagesRedacted
    }
}

/// The consent trail per subscriber: its export, and erasure of everything kept about a person.
public struct ConsentRepository: Sendable {
    let database: Database

    static let table = "consent_records"

    /// Every consent record of `address` (compared case-insensitively), oldest first; empty when it has no subscriber.
    public func records(for address: EmailAddress) async throws -> [ConsentRecord] {
        let key = AddressKey(address)
        return try await database.withSession { db in
            let query: SQLQueryString = """
                SELECT c.* FROM consent_records c JOIN subscribers p ON p.id = c.subscriber_id
                WHERE p.address_key = \(bind: key.key) ORDER BY c.at_us, c.id
                """
            return try await db.raw(query).all().map(Self.decode)
        }
    }

    /// Erases the subscriber of `address` with its subscriptions, their audit trails and its consent
    /// records, and what the outbox keeps about it (its bounce count, its unsent mail, the recipients
    /// and bytes of its sent mail; see `OutboxRepository.withdrawMessages`), in one transaction. Only
    /// the address's hash is left, in the suppression list with source `erased`, so the address
    /// cannot be subscribed again until an administrator lifts that suppression.
    @discardableResult
    public func erase(_ address: EmailAddress, at: Instant) async throws -> Erasure {
        let key = AddressKey(address)
        return try await database.transaction { db in
            var erasure = Erasure(subscriberFound: false, subscriptions: 0, consentRecords: 0)
            // The bounce row first, as a refusal being recorded takes it (see `claimBounceRow`).
            try await OutboxRepository.claimBounceRow(of: key, at: at, on: db)
            // Then the subscriber (PostgreSQL): a concurrent subscribe either finishes before or finds the row gone.
            if let subscriber = try await SubscriptionRepository.subscriber(key, lock: true, on: db) {
                let id = subscriber.id
                erasure.subscriberFound = true
                erasure.subscriptions = try await db.count("SELECT COUNT(*) AS n FROM subscriptions WHERE subscriber_id = \(bind: id)")
                erasure.consentRecords = try await db.count("SELECT COUNT(*) AS n FROM consent_records WHERE subscriber_id = \(bind: id)")
                try await db.raw("""
                    DELETE FROM record_events WHERE record_kind = \(bind: RecordKind.subscription.rawValue)
                    AND record_id IN (SELECT id FROM subscriptions WHERE subscriber_id = \(bind: id))
                    """).run()
                try await db.delete(from: "subscriptions").where("subscriber_id", .equal, SQLBind(id)).run()
                try await db.delete(from: Self.table).where("subscriber_id", .equal, SQLBind(id)).run()
                try await db.delete(from: "subscribers").where("id", .equal, SQLBind(id)).run()
            }
            // The outbox keeps addresses in clear text: bounce counts (lower-cased, as the key), envelopes and bytes.
            (erasure.outboxMessagesDeleted, erasure.outboxMessagesRedacted) = try await OutboxRepository.withdrawMessages(to: key, at: at, on: db)
            // An earlier suppression becomes the erasure; its reason may quote the address, so it goes.
            let suppress: SQLQueryString = """
                INSERT INTO suppressions (address_hash, reason, source, created_at_us)
                VALUES (\(bind: key.hash), NULL, \(bind: SuppressionSource.erased.rawValue), \(bind: at.microsecondsSinceEpoch))
                ON CONFLICT (address_hash) DO UPDATE SET
                    reason = NULL, source = excluded.source, created_at_us = excluded.created_at_us
                """
            try await db.raw(suppress).run()
            return erasure
        }
    }

    // MARK: Rows

    static func insert(_ record: ConsentRecord, subscriberID: Int64, on db: any SQLDatabase) async throws {
        try await db.insert(into: table).columns(columns).values(row(record, subscriberID: subscriberID)).run()
    }

    /// The columns `row(_:subscriberID:)` fills, in its order.
    static let columns = [
        "subscriber_id", "list_slug", "at_us", "action", "method", "ip_address", "user_agent", "operator", "reason", "confirmation_text",
    ]

    /// One consent record's values for an INSERT.
    static func row(_ record: ConsentRecord, subscriberID: Int64) -> [any SQLExpression] {
        var ipAddress: String?, userAgent: String?, operatorName: String?, reason: String?
        let method: String
        switch record.method {
        case let .web(ip, agent): (method, ipAddress, userAgent) = ("web", ip, agent)
        case let .cli(name, why): (method, operatorName, reason) = ("cli", name, why)
        case let .system(why): (method, reason) = ("system", why)
        }
        return [
            SQLBind(subscriberID), SQLValue.bindOrNull(record.listSlug), SQLBind(record.at.microsecondsSinceEpoch), SQLBind(record.action.rawValue),
            SQLBind(method), SQLValue.bindOrNull(ipAddress), SQLValue.bindOrNull(userAgent), SQLValue.bindOrNull(operatorName),
            SQLValue.bindOrNull(reason), SQLValue.bindOrNull(record.confirmationText),
        ]
    }

    static func decode(_ row: any SQLRow) throws -> ConsentRecord {
        func required(_ column: String) throws -> String {
            guard let value = try row.optionalString(column) else { throw StorageError.corruptRow(table: table, column: column, value: "NULL") }
            return value
        }
        let method: ConsentMethod
        switch try row.string("method") {
        case "web": method = .web(ipAddress: try required("ip_address"), userAgent: try row.optionalString("user_agent"))
        case "cli": method = .cli(operator: try required("operator"), reason: try row.optionalString("reason"))
        case "system": method = .system(reason: try required("reason"))
        case let other: throw StorageError.corruptRow(table: table, column: "method", value: other)
        }
        return ConsentRecord(
            stored: try row.instant("at_us"), action: try row.value("action", table: table), method: method,
            confirmationText: try row.optionalString("confirmation_text"), listSlug: try row.optionalString("list_slug")
        )
    }
}
