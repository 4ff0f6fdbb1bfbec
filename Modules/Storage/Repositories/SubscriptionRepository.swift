import Domain
import SQLKit

extension Subscription: StoredRecord {
    static let table = "subscriptions"
    static let openedColumn = "subscribed_at_us"

    var references: [(field: String, table: String, id: Int64?)] {
        [("listID", "mailing_lists", listID), ("subscriberID", "subscribers", subscriberID)]
    }

    func columns() throws -> [Column] {
        [
            ("list_id", listID), ("subscriber_id", subscriberID), ("state", state.rawValue),
            ("subscribed_at_us", (subscribedAt ?? events.first?.at ?? Instant(microsecondsSinceEpoch: 0)).microsecondsSinceEpoch),
            ("confirmed_at_us", confirmedAt.microseconds), ("unsubscribed_at_us", unsubscribedAt.microseconds),
        ]
    }

    static func decode(row: any SQLRow, events: [RecordEvent<SubscriptionState>]) throws -> Subscription {
        Subscription(
            stored: try row.int64("id"), version: Int(try row.int64("version")), listID: try row.int64("list_id"),
            subscriberID: try row.int64("subscriber_id"), state: try row.value("state", table: table), events: events
        )
    }
}

/// A person who subscribed to at least one list (or was added by an operator).
public struct Subscriber: Hashable, Sendable, Identifiable {
    public var id: Int64
    /// The address as first given: the domain normalised, the local part in its original case.
    public var address: EmailAddress
    /// The display name for the To: header; nil when none was given.
    public var name: String?
    public var createdAt: Instant
}

/// How consent was given or withdrawn, and the text shown when it was; the repository adds when, what and which list.
public struct ConsentEvidence: Hashable, Sendable {
    public var method: ConsentMethod
    public var confirmationText: String?

    public init(method: ConsentMethod, confirmationText: String? = nil) {
        self.method = method
        self.confirmationText = confirmationText
    }
}

/// What a subscribe request did: a new subscription, or one of the domain's outcomes for an existing one.
public enum SubscribeEffect: Hashable, Sendable {
    case created
    case existing(SubscribeOutcome)
}

/// The result of a subscribe request. Callers answer the same whatever `effect` is, so nobody can probe who is subscribed.
public struct SubscribeReceipt: Hashable, Sendable {
    public var subscription: Subscription
    public var subscriber: Subscriber
    public var effect: SubscribeEffect
}

/// One address a list message goes to.
public struct ListRecipient: Hashable, Sendable {
    public var subscriptionID: Int64
    public var address: EmailAddress
    public var name: String?

    public init(subscriptionID: Int64, address: EmailAddress, name: String?) {
        self.subscriptionID = subscriptionID
        self.address = address
        self.name = name
    }
}

/// Subscribers and their subscriptions: double opt-in moves, each with its consent record, in one transaction.
public struct SubscriptionRepository: Sendable {
    let database: Database

    // MARK: Subscribers

    /// The subscriber for `address` (compared case-insensitively), created with `name` if there is none.
    /// Refuses to create one for a suppressed address (`SubscriptionError.suppressed`).
    public func subscriber(for address: EmailAddress, name: String? = nil, at: Instant) async throws -> Subscriber {
        let name = try validatedLine(name, field: "name", maxLength: 200)
        return try await database.transaction { db in try await Self.findOrCreateSubscriber(address, name: name, at: at, on: db) }
    }

    /// The subscriber for `address` (compared case-insensitively), or nil; creates nothing.
    public func existingSubscriber(_ address: EmailAddress) async throws -> Subscriber? {
        let key = AddressKey(address)
        return try await database.withSession { db in try await Self.subscriber(key, lock: false, on: db) }
    }

    // MARK: Moves

    /// Subscribes `address` to the list, in a transaction of its own; see `subscribe(address:name:listID:consent:at:in:)`.
    public func subscribe(address: EmailAddress, name: String? = nil, listID: Int64, consent: ConsentEvidence, at: Instant) async throws -> SubscribeReceipt {
        try await database.transaction { db in
            try await Self.subscribe(address: address, name: name, listID: listID, consent: consent, at: at, on: db)
        }
    }

    /// Subscribes `address` to the list inside `transaction` (so a confirmation mail can be enqueued with it):
    /// a new or re-opened subscription is pending; a pending or confirmed one is left as it is.
    ///
    /// Every request is kept as a consent record. The subscriber is created if needed, with `name`; an existing
    /// subscriber's name is not changed (a public form must not rename somebody). A suppressed address is
    /// refused with `SubscriptionError.suppressed` and nothing is written.
    public func subscribe(
        address: EmailAddress, name: String? = nil, listID: Int64, consent: ConsentEvidence, at: Instant, in transaction: StorageTransaction
    ) async throws -> SubscribeReceipt {
        try await Self.subscribe(address: address, name: name, listID: listID, consent: consent, at: at, on: transaction.db)
    }

    /// Confirms a pending subscription; a confirmed one is left as it is and nothing is written.
    public func confirm(subscriptionID: Int64, consent: ConsentEvidence, at: Instant) async throws -> (subscription: Subscription, outcome: ConfirmOutcome) {
        try await database.transaction { db in try await Self.confirm(subscriptionID, consent: consent, at: at, on: db) }
    }

    /// `confirm(subscriptionID:consent:at:)` inside `transaction`.
    public func confirm(
        subscriptionID: Int64, consent: ConsentEvidence, at: Instant, in transaction: StorageTransaction
    ) async throws -> (subscription: Subscription, outcome: ConfirmOutcome) {
        try await Self.confirm(subscriptionID, consent: consent, at: at, on: transaction.db)
    }

    /// Ends a pending or confirmed subscription; an unsubscribed one is left as it is and nothing is written.
    public func unsubscribe(subscriptionID: Int64, consent: ConsentEvidence, at: Instant) async throws -> (subscription: Subscription, outcome: UnsubscribeOutcome) {
        try await database.transaction { db in try await Self.unsubscribe(subscriptionID, consent: consent, at: at, on: db) }
    }

    /// `unsubscribe(subscriptionID:consent:at:)` inside `transaction`.
    public func unsubscribe(
        subscriptionID: Int64, consent: ConsentEvidence, at: Instant, in transaction: StorageTransaction
    ) async throws -> (subscription: Subscription, outcome: UnsubscribeOutcome) {
        try await Self.unsubscribe(subscriptionID, consent: consent, at: at, on: transaction.db)
    }

    /// The subscription, locked against concurrent moves until `transaction` ends (PostgreSQL; SQLite
    /// transactions here take the write lock at BEGIN), and its list; nil when there is no such
    /// subscription. What the link pages read before they decide, in the transaction that then writes.
    public func subscriptionAndList(_ id: Int64, in transaction: StorageTransaction) async throws -> (subscription: Subscription, list: MailingList)? {
        try await Self.subscriptionAndList(id, lock: true, on: transaction.db)
    }

    /// The subscription and its list as they are now (one snapshot, no lock), for a page that only
    /// shows them; nil when there is no such subscription.
    public func subscriptionAndList(_ id: Int64) async throws -> (subscription: Subscription, list: MailingList)? {
        try await database.readTransaction { db in try await Self.subscriptionAndList(id, lock: false, on: db) }
    }

    private static func subscriptionAndList(_ id: Int64, lock: Bool, on db: any SQLDatabase) async throws -> (subscription: Subscription, list: MailingList)? {
        guard let subscription = try await load(where: { $0.where("id", .equal, SQLBind(id)) }, lock: lock, on: db).first else { return nil }
        guard let list = try await MailingListRepository.select(where: { $0.where("id", .equal, SQLBind(subscription.listID)) }, on: db).first else {
            throw StorageError.notFound(record: "mailing list", id: subscription.listID)
        }
        return (subscription, list)
    }

    /// Confirms `subscription`, read with `subscriptionAndList(_:in:)` in the same transaction, with a
    /// consent record; writes nothing when it is confirmed already.
    public func confirm(
        _ subscription: Subscription, of list: MailingList, consent: ConsentEvidence, at: Instant, in transaction: StorageTransaction
    ) async throws -> ConfirmOutcome {
        try await Self.confirm(subscription, listSlug: list.slug, consent: consent, at: at, on: transaction.db)
    }

    /// Ends `subscription`, read with `subscriptionAndList(_:in:)` in the same transaction, with a
    /// consent record; writes nothing when it has ended already.
    public func unsubscribe(
        _ subscription: Subscription, of list: MailingList, consent: ConsentEvidence, at: Instant, in transaction: StorageTransaction
    ) async throws -> UnsubscribeOutcome {
        try await Self.unsubscribe(subscription, listSlug: list.slug, consent: consent, at: at, on: transaction.db)
    }

    /// Which of these subscriptions are confirmed now, each locked against erasure and moves until
    /// `transaction` ends (`FOR SHARE` on PostgreSQL; SQLite's write transaction excludes them anyway).
    public func confirmed(among ids: [Int64], in transaction: StorageTransaction) async throws -> Set<Int64> {
        var found: Set<Int64> = []
        for start in stride(from: 0, to: ids.count, by: 500) {
            let rows = try await transaction.db.select().column("id").from(Subscription.table)
                .where("id", .in, SQLBind.group(Array(ids[start..<min(start + 500, ids.count)])))
                .where("state", .equal, SQLBind(SubscriptionState.confirmed.rawValue))
                .for(.share)
                .all()
            for row in rows { found.insert(try row.int64("id")) }
        }
        return found
    }

    // MARK: Reads

    /// The subscription with this id and its audit trail, or `StorageError.notFound`.
    public func get(_ id: Int64) async throws -> Subscription {
        try await RecordStore<Subscription>(database: database).get(id)
    }

    /// The list's subscriptions, by id; nil `state` means any state.
    public func subscriptions(listID: Int64, state: SubscriptionState? = nil) async throws -> [Subscription] {
        try await RecordStore<Subscription>(database: database).list(where: { query in
            let query = query.where("list_id", .equal, SQLBind(listID))
            return state.map { query.where("state", .equal, SQLBind($0.rawValue)) } ?? query
        })
    }

    /// The subscription of `address` (compared case-insensitively) to the list, or nil.
    public func subscription(listID: Int64, address: EmailAddress) async throws -> Subscription? {
        let key = AddressKey(address).key
        return try await RecordStore<Subscription>(database: database).list(where: {
            $0.where("list_id", .equal, SQLBind(listID))
                .where(SQLQueryString("subscriber_id IN (SELECT id FROM subscribers WHERE address_key = \(bind: key))"))
        }).first
    }

    /// Who a list message goes to: confirmed subscriptions whose address is not suppressed (by the
    /// suppression list, or by the outbox's count of permanent refusals), by subscription id.
    /// Pages through a large list with `after` (the last subscription id of the previous page) and `limit`.
    public func confirmedRecipients(listID: Int64, after: Int64 = 0, limit: Int? = nil) async throws -> [ListRecipient] {
        try await database.withSession { db in try await Self.confirmedRecipients(listID: listID, after: after, limit: limit, on: db) }
    }

    /// The same, inside `transaction` (a digest fan-out reads a page and enqueues it in one transaction).
    public func confirmedRecipients(listID: Int64, after: Int64, limit: Int, in transaction: StorageTransaction) async throws -> [ListRecipient] {
        try await Self.confirmedRecipients(listID: listID, after: after, limit: limit, on: transaction.db)
    }

    static func confirmedRecipients(listID: Int64, after: Int64, limit: Int?, on db: any SQLDatabase) async throws -> [ListRecipient] {
        var query: SQLQueryString = """
            SELECT s.id AS subscription_id, p.address AS address, p.display_name AS display_name
            FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id
            WHERE s.list_id = \(bind: listID) AND s.state = \(bind: SubscriptionState.confirmed.rawValue) AND s.id > \(bind: after)
            AND NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.address_hash = p.address_hash)
            AND NOT EXISTS (SELECT 1 FROM mail_bounces b WHERE b.address = p.address_key AND b.suppressed_at_us IS NOT NULL)
            ORDER BY s.id
            """
        if let limit { query = query + " LIMIT \(bind: Int64(limit))" }
        return try await db.raw(query).all().map { row in
            ListRecipient(
                subscriptionID: try row.int64("subscription_id"), address: try row.address("address", table: "subscribers"),
                name: try row.optionalString("display_name")
            )
        }
    }

    /// Checks what a subscribe request carries (the name, and the consent evidence for the list
    /// `listSlug`) as `subscribe` does, reading and writing nothing: throws the `DomainError` naming
    /// the bad field. For callers that must refuse bad input before looking at any state.
    public static func validateSubscribeRequest(name: String?, consent: ConsentEvidence, listSlug: String, at: Instant) throws {
        _ = try subscribeRequest(name: name, consent: consent, listSlug: listSlug, at: at)
    }

    /// The validated name and the consent record a subscribe request writes.
    private static func subscribeRequest(
        name: String?, consent: ConsentEvidence, listSlug: String, at: Instant
    ) throws -> (name: String?, record: ConsentRecord) {
        let name = try validatedLine(name, field: "name", maxLength: 200)
        let record = try ConsentRecord(
            at: at, action: .subscribed, method: consent.method, confirmationText: consent.confirmationText, listSlug: listSlug
        )
        return (name, record)
    }

    // MARK: Statements (on a session or transaction the caller holds)

    static func subscribe(
        address: EmailAddress, name: String?, listID: Int64, consent: ConsentEvidence, at: Instant, on db: any SQLDatabase
    ) async throws -> SubscribeReceipt {
        guard let list = try await MailingListRepository.select(where: { $0.where("id", .equal, SQLBind(listID)) }, on: db).first else {
            throw StorageError.notFound(record: "mailing list", id: listID)
        }
        let (name, record) = try subscribeRequest(name: name, consent: consent, listSlug: list.slug, at: at)
        // Locks the subscriber's row first (PostgreSQL), so concurrent requests for one address take turns.
        let subscriber = try await findOrCreateSubscriber(address, name: name, at: at, on: db)
        if let suppression = try await SuppressionRepository.suppression(AddressKey(address), on: db) {
            throw SubscriptionError.suppressed(address: address.address, source: suppression.source)
        }
        let effect: SubscribeEffect
        let id: Int64
        if var subscription = try await load(where: { $0.where("list_id", .equal, SQLBind(listID)).where("subscriber_id", .equal, SQLBind(subscriber.id)) }, on: db).first,
           let existing = subscription.id {
            let outcome = try subscription.subscribe(at: at, by: record.method.actor)
            if outcome == .resubscribed { try await update(subscription, on: db) }
            (effect, id) = (.existing(outcome), existing)
        } else {
            let subscription = try Subscription(listID: listID, subscriberID: subscriber.id, at: at, by: record.method.actor)
            (effect, id) = (.created, try await RecordStore<Subscription>.insert(subscription, on: db))
        }
        try await ConsentRepository.insert(record, subscriberID: subscriber.id, on: db)
        return SubscribeReceipt(subscription: try await loaded(id, on: db), subscriber: subscriber, effect: effect)
    }

    static func confirm(_ id: Int64, consent: ConsentEvidence, at: Instant, on db: any SQLDatabase) async throws -> (subscription: Subscription, outcome: ConfirmOutcome) {
        let (subscription, slug) = try await lockedWithListSlug(id, on: db)
        let outcome = try await confirm(subscription, listSlug: slug, consent: consent, at: at, on: db)
        return (outcome == .confirmed ? try await loaded(id, on: db) : subscription, outcome)
    }

    static func unsubscribe(_ id: Int64, consent: ConsentEvidence, at: Instant, on db: any SQLDatabase) async throws -> (subscription: Subscription, outcome: UnsubscribeOutcome) {
        let (subscription, slug) = try await lockedWithListSlug(id, on: db)
        let outcome = try await unsubscribe(subscription, listSlug: slug, consent: consent, at: at, on: db)
        return (outcome == .unsubscribed ? try await loaded(id, on: db) : subscription, outcome)
    }

    /// Confirms `subscription`, read locked in this transaction, with its consent record; writes nothing
    /// when it is confirmed already.
    private static func confirm(
        _ subscription: Subscription, listSlug: String?, consent: ConsentEvidence, at: Instant, on db: any SQLDatabase
    ) async throws -> ConfirmOutcome {
        let record = try ConsentRecord(at: at, action: .confirmed, method: consent.method, confirmationText: consent.confirmationText, listSlug: listSlug)
        var changed = subscription
        let outcome = try changed.confirm(at: at, by: record.method.actor)
        if outcome == .confirmed { try await write(changed, record: record, on: db) }
        return outcome
    }

    /// Ends `subscription`, read locked in this transaction, with its consent record; writes nothing
    /// when it has ended already.
    private static func unsubscribe(
        _ subscription: Subscription, listSlug: String?, consent: ConsentEvidence, at: Instant, on db: any SQLDatabase
    ) async throws -> UnsubscribeOutcome {
        let record = try ConsentRecord(at: at, action: .unsubscribed, method: consent.method, confirmationText: consent.confirmationText, listSlug: listSlug)
        var changed = subscription
        let outcome = try changed.unsubscribe(at: at, by: record.method.actor)
        if outcome == .unsubscribed { try await write(changed, record: record, on: db) }
        return outcome
    }

    /// The subscription, locked, and its list's slug (for the consent record).
    private static func lockedWithListSlug(_ id: Int64, on db: any SQLDatabase) async throws -> (Subscription, String?) {
        let subscription = try await loaded(id, on: db)
        let slug = try await db.select().column("slug").from(MailingListRepository.table).where("id", .equal, SQLBind(subscription.listID)).first()?.string("slug")
        return (subscription, slug)
    }

    private static func write(_ subscription: Subscription, record: ConsentRecord, on db: any SQLDatabase) async throws {
        try await update(subscription, on: db)
        try await ConsentRepository.insert(record, subscriberID: subscription.subscriberID, on: db)
    }

    /// The subscription with this id, locked against concurrent moves until the transaction ends (PostgreSQL).
    private static func loaded(_ id: Int64, on db: any SQLDatabase) async throws -> Subscription {
        guard let subscription = try await load(where: { $0.where("id", .equal, SQLBind(id)) }, on: db).first else {
            throw StorageError.notFound(record: RecordKind.subscription.rawValue, id: id)
        }
        return subscription
    }

    static func load(where filter: (SQLSelectBuilder) -> SQLSelectBuilder, lock: Bool = true, on db: any SQLDatabase) async throws -> [Subscription] {
        var query = filter(db.select().column("*").from(Subscription.table)).orderBy("id")
        if lock { query = query.for(.update) }
        let rows = try await query.all()
        let ids = try rows.map { try $0.int64("id") }
        let events = try await EventStore.load(SubscriptionState.self, recordIDs: ids, on: db)
        return try rows.map { row in try Subscription.decode(row: row, events: events[try row.int64("id")] ?? []) }
    }

    /// Writes the subscription's fields and new events if its version is still the one read.
    private static func update(_ subscription: Subscription, on db: any SQLDatabase) async throws {
        let kind = RecordKind.subscription.rawValue
        guard let id = subscription.id else { throw StorageError.notFound(record: kind, id: 0) }
        var update = db.update(Subscription.table).set("version", to: SQLBind(Int64(subscription.version + 1)))
        for column in try subscription.columns() { update = update.set(SQLIdentifier(column.name), to: SQLBind(column.value)) }
        let rows = try await update
            .where("id", .equal, SQLBind(id))
            .where("version", .equal, SQLBind(Int64(subscription.version)))
            .returning("id")
            .all()
        guard !rows.isEmpty else { throw StorageError.concurrentUpdate(record: kind, id: id) }
        try await EventStore.append(subscription.events, recordID: id, on: db)
    }

    // MARK: Subscriber rows

    static func findOrCreateSubscriber(_ address: EmailAddress, name: String?, at: Instant, on db: any SQLDatabase) async throws -> Subscriber {
        let key = AddressKey(address)
        if let found = try await subscriber(key, lock: true, on: db) { return found }
        if let suppression = try await SuppressionRepository.suppression(key, on: db) {
            throw SubscriptionError.suppressed(address: address.address, source: suppression.source)
        }
        // A concurrent request may insert the same address first: then this one waits for it and reads its row.
        try await db.insert(into: "subscribers")
            .columns("address", "address_key", "address_hash", "display_name", "created_at_us")
            .values(SQLBind(address.address), SQLBind(key.key), SQLBind(key.hash), SQLBind(name), SQLBind(at.microsecondsSinceEpoch))
            .ignoringConflicts(with: "address_key")
            .run()
        guard let created = try await subscriber(key, lock: true, on: db) else { throw StorageError.notFound(record: "subscriber", id: 0) }
        return created
    }

    static func subscriber(_ key: AddressKey, lock: Bool, on db: any SQLDatabase) async throws -> Subscriber? {
        var query = db.select().column("*").from("subscribers").where("address_key", .equal, SQLBind(key.key))
        if lock { query = query.lockingClause(SubscriberRowLock()) }
        guard let row = try await query.first() else { return nil }
        return try decodeSubscriber(row)
    }

    /// A `subscribers` row; its address is parsed again unless `known` is spelled as stored.
    static func decodeSubscriber(_ row: any SQLRow, known: EmailAddress? = nil) throws -> Subscriber {
        let stored = try row.string("address")
        let address = try known.flatMap { $0.address == stored ? $0 : nil } ?? row.address("address", table: "subscribers")
        return Subscriber(id: try row.int64("id"), address: address, name: try row.optionalString("display_name"), createdAt: try row.instant("created_at_us"))
    }
}

extension ConsentMethod {
    /// Who the audit trail names for a move made this way: the operator, or the channel.
    var actor: String {
        switch self {
        case .web: "subscriber (web)"
        case let .cli(name, _): name
        case .system: "system"
        }
    }
}

extension SQLDatabase {
    /// The `n` column of the first row of a `SELECT COUNT(*) AS n` query.
    func count(_ query: SQLQueryString) async throws -> Int {
        Int(try await raw(query).first()?.int64("n") ?? 0)
    }
}

/// The lock on a `subscribers` row that a subscribe, an import or an erasure holds while it works on
/// that person: `FOR NO KEY UPDATE` on PostgreSQL (what SQLite does not need: its write transactions
/// exclude each other). It serialises those writers as `FOR UPDATE` would, but lets a confirm or
/// unsubscribe that holds a subscription insert its consent record (whose foreign key takes a KEY
/// SHARE lock on the subscriber) meanwhile: with `FOR UPDATE` the two took their locks in opposite
/// orders (subscriber then subscription, subscription then subscriber) and could deadlock.
struct SubscriberRowLock: SQLExpression {
    func serialize(to serializer: inout SQLSerializer) {
        if serializer.dialect.name == "postgresql" {
            serializer.write("FOR NO KEY UPDATE")
        } else {
            SQLLockingClause.update.serialize(to: &serializer)
        }
    }
}
