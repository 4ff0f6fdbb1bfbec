import Domain
import SQLKit

/// One subscription as the operator's listings show it: the person, the list and the state with its dates.
public struct SubscriptionSummary: Hashable, Sendable {
    public var subscriptionID: Int64
    public var listID: Int64
    public var listSlug: String
    public var address: EmailAddress
    public var name: String?
    public var state: SubscriptionState
    public var subscribedAt: Instant
    public var confirmedAt: Instant?
    public var unsubscribedAt: Instant?
}

/// Reads for operators: counts by state, lists paged by id (so an export of any size needs one page
/// in memory), a person's subscriptions, and the checks an import makes inside its transaction.
extension SubscriptionRepository {
    /// How many subscriptions the list has in each state; states with none are absent.
    public func stateCounts(listID: Int64) async throws -> [SubscriptionState: Int] {
        try await database.withSession { db in
            let query: SQLQueryString = "SELECT state, COUNT(*) AS n FROM subscriptions WHERE list_id = \(bind: listID) GROUP BY state"
            var counts: [SubscriptionState: Int] = [:]
            for row in try await db.raw(query).all() {
                counts[try row.value("state", table: Subscription.table)] = Int(try row.int64("n"))
            }
            return counts
        }
    }

    /// The list's subscriptions with subscription id above `after`, by id, at most `limit`; nil `state` means any.
    public func summaries(listID: Int64, state: SubscriptionState? = nil, after: Int64 = 0, limit: Int) async throws -> [SubscriptionSummary] {
        try await database.withSession { db in
            var query: SQLQueryString = Self.summarySelect + " WHERE s.list_id = \(bind: listID) AND s.id > \(bind: after)"
            if let state { query = query + " AND s.state = \(bind: state.rawValue)" }
            query = query + " ORDER BY s.id LIMIT \(bind: Int64(limit))"
            return try await db.raw(query).all().map(Self.summary)
        }
    }

    /// Every subscription of `address` (compared case-insensitively), by list slug; empty when it has no subscriber.
    public func summaries(of address: EmailAddress) async throws -> [SubscriptionSummary] {
        let key = AddressKey(address).key
        return try await database.withSession { db in
            let query: SQLQueryString = Self.summarySelect + " WHERE p.address_key = \(bind: key) ORDER BY l.slug"
            return try await db.raw(query).all().map(Self.summary)
        }
    }

    /// Whether `address` asked to join the list at exactly `at` (a consent record says so), inside
    /// `transaction`. An import gives all its rows one instant, so this tells a repeated row of one file.
    public func hasSubscribeRecord(address: EmailAddress, listSlug: String, at: Instant, in transaction: StorageTransaction) async throws -> Bool {
        let query: SQLQueryString = """
            SELECT 1 AS found FROM consent_records c JOIN subscribers p ON p.id = c.subscriber_id
            WHERE p.address_key = \(bind: AddressKey(address).key) AND c.list_slug = \(bind: listSlug)
            AND c.action = \(bind: ConsentAction.subscribed.rawValue) AND c.at_us = \(bind: at.microsecondsSinceEpoch)
            LIMIT 1
            """
        return try await transaction.db.raw(query).first() != nil
    }

    private static let summarySelect: SQLQueryString = """
        SELECT s.id AS subscription_id, s.list_id AS list_id, l.slug AS list_slug, p.address AS address,
            p.display_name AS display_name, s.state AS state, s.subscribed_at_us AS subscribed_at_us,
            s.confirmed_at_us AS confirmed_at_us, s.unsubscribed_at_us AS unsubscribed_at_us
        FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id JOIN mailing_lists l ON l.id = s.list_id
        """

    private static func summary(_ row: any SQLRow) throws -> SubscriptionSummary {
        SubscriptionSummary(
            subscriptionID: try row.int64("subscription_id"), listID: try row.int64("list_id"), listSlug: try row.string("list_slug"),
            address: try row.address("address", table: "subscribers"), name: try row.optionalString("display_name"),
            state: try row.value("state", table: Subscription.table), subscribedAt: try row.instant("subscribed_at_us"),
            confirmedAt: try row.optionalInstant("confirmed_at_us"), unsubscribedAt: try row.optionalInstant("unsubscribed_at_us")
        )
    }
}

extension SuppressionRepository {
    /// Why `address` must not be mailed, inside `transaction`: the suppression list, or else the
    /// outbox's count of permanent refusals (reported with source `bounce`); nil when it may be mailed.
    public func suppression(of address: EmailAddress, in transaction: StorageTransaction) async throws -> Suppression? {
        let key = AddressKey(address)
        if let listed = try await Self.suppression(key, on: transaction.db) { return listed }
        let bounced = try await transaction.db.select().column("suppressed_at_us").from("mail_bounces")
            .where("address", .equal, SQLBind(key.key))
            .where("suppressed_at_us", .isNot, SQLLiteral.null)
            .first()
        guard let at = try bounced?.optionalInstant("suppressed_at_us") else { return nil }
        return Suppression(source: .bounce, reason: "mail to it was refused permanently", createdAt: at)
    }

    /// `suppression(of:in:)` in a session of its own.
    public func suppressionIncludingBounces(of address: EmailAddress) async throws -> Suppression? {
        try await database.withSession { db in try await self.suppression(of: address, in: StorageTransaction(db: db)) }
    }
}

extension StorageTransaction {
    /// Runs `body` in a savepoint: if it throws, its writes are undone and the transaction goes on
    /// (an import keeps the good rows of a batch and drops a bad one).
    public func savepoint<R: Sendable>(_ body: (StorageTransaction) async throws -> R) async throws -> R {
        try await db.raw("SAVEPOINT row_savepoint").run()
        do {
            let result = try await body(self)
            try await db.raw("RELEASE SAVEPOINT row_savepoint").run()
            return result
        } catch {
            try await db.raw("ROLLBACK TO SAVEPOINT row_savepoint").run()
            try await db.raw("RELEASE SAVEPOINT row_savepoint").run()
            throw error
        }
    }
}
