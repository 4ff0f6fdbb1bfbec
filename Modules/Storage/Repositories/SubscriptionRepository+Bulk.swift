import Domain
import SQLKit

/// One address of a bulk enrolment, as a file import read it.
public struct BulkEnrolmentRow: Hashable, Sendable {
    public var address: EmailAddress
    public var name: String?

    public init(address: EmailAddress, name: String?) {
        self.address = address
        self.name = name
    }
}

/// What a bulk enrolment did with one row.
public enum BulkEnrolmentResult: Sendable {
    /// A new subscription was written (pending, or confirmed when asked), with its consent records.
    case enrolled(subscription: Subscription, subscriber: Subscriber)
    /// The address is confirmed on the list already: as `subscribe` does then, only the request's
    /// consent record was written.
    case alreadyConfirmed(subscription: Subscription, subscriber: Subscriber)
    /// The address already has a subscription on the list; nothing was written: the caller takes it
    /// through the one-row path (`subscribe`), which knows every existing state.
    case existing
    /// Refused and nothing written: the address is suppressed (listed, or by hard bounces).
    case suppressed(SuppressionSource)
    /// Refused and nothing written: the name is not one line of at most 200 characters.
    case invalid(DomainError)
}

extension SubscriptionRepository {
    /// Subscribes many addresses to one list at once, for file imports: what `subscribe` (and
    /// `confirm`, with `confirm`) would write for an address with no subscription on the list, in a
    /// few multi-row statements per batch instead of a dozen statements per address.
    ///
    /// The rows must be distinct addresses (compared case-insensitively); at most 1,000 of them.
    /// Each row gets a result, in order. New subscriptions are written here, and for an address
    /// confirmed on the list already the request's consent record (all `subscribe` writes then);
    /// an address with another subscription on the list (pending, ended), or one asked for at this
    /// same instant before (an earlier row of the same import), comes back `.existing` for the
    /// one-row path, and a suppressed
    /// address or an invalid name is refused (checked in `enrol`'s order: suppression first). When a
    /// concurrent writer got in the way (an address taken meanwhile, a PostgreSQL deadlock) this
    /// throws `StorageError.concurrentUpdate`: the caller rolls the batch back to its savepoint and
    /// goes row by row. Addresses are written and locked in address order, so two imports of
    /// overlapping files wait for each other rather than deadlock.
    public func enrolNew(
        _ rows: [BulkEnrolmentRow], listID: Int64, listSlug: String, consent: ConsentEvidence, confirm: Bool, at: Instant,
        in transaction: StorageTransaction
    ) async throws -> [BulkEnrolmentResult] {
        guard !rows.isEmpty else { return [] }
        guard rows.count <= 1_000 else {
            throw DomainError.invalidField(field: "rows", value: "\(rows.count) rows", expected: "at most 1,000 rows in one bulk enrolment")
        }
        let keys = rows.map { AddressKey($0.address) }
        guard Set(keys.map(\.key)).count == keys.count else {
            throw DomainError.invalidField(field: "email", value: "\(rows.count) rows", expected: "distinct addresses in one bulk enrolment")
        }
        do {
            return try await Self.enrolNew(
                rows, keys: keys, listID: listID, listSlug: listSlug, consent: consent, confirm: confirm, at: at, on: transaction.db)
        } catch where error.isConcurrentWriterConflict {
            throw StorageError.concurrentUpdate(record: RecordKind.subscription.rawValue, id: listID)
        }
    }

    private static func enrolNew(
        _ rows: [BulkEnrolmentRow], keys: [AddressKey], listID: Int64, listSlug: String, consent: ConsentEvidence, confirm: Bool, at: Instant,
        on db: any SQLDatabase
    ) async throws -> [BulkEnrolmentResult] {
        var results = [BulkEnrolmentResult?](repeating: nil, count: rows.count)
        var names = [String?](repeating: nil, count: rows.count)
        // Suppressed addresses, and addresses already on the list: one query each. Then, as `enrol`
        // decides: suppressed first, an invalid name next, an existing subscription last.
        let suppressed = try await suppressionSources(keys, on: db)
        let onList = try await keysSubscribed(listID: listID, keys: keys.map(\.key), on: db)
        for index in rows.indices {
            if let source = suppressed[keys[index].key] {
                results[index] = .suppressed(source)
                continue
            }
            do { names[index] = try validatedLine(rows[index].name, field: "name", maxLength: 200) } catch let error as DomainError {
                results[index] = .invalid(error)
                continue
            }
            if onList.contains(keys[index].key) { results[index] = .existing }
        }
        // The same evidence for every row: validated once.
        let records = try (confirm ? [ConsentAction.subscribed, .confirmed] : [.subscribed]).map { action in
            try ConsentRecord(at: at, action: action, method: consent.method, confirmationText: consent.confirmationText, listSlug: listSlug)
        }
        try await confirmedAlready(
            rows.indices.filter { if case .existing? = results[$0] { true } else { false } }, rows: rows, keys: keys, listID: listID,
            listSlug: listSlug, request: records[0], at: at, results: &results, on: db)
        let fresh = rows.indices.filter { results[$0] == nil }
        guard !fresh.isEmpty else { return results.map { $0 ?? .existing } }

        // Subscribers: new ones inserted (an existing subscriber keeps its name), then all read back,
        // locked. Both in address order, so concurrent imports take these locks in one order; holding
        // them, the subscriptions that follow (in file order, for their ids) cannot deadlock.
        try await insertRows(
            into: "subscribers", columns: ["address", "address_key", "address_hash", "display_name", "created_at_us"],
            rows: fresh.sorted { keys[$0].key < keys[$1].key }.map { index in
                [SQLBind(rows[index].address.address), SQLBind(keys[index].key), SQLBind(keys[index].hash), SQLValue.bindOrNull(names[index]),
                 SQLBind(at.microsecondsSinceEpoch)]
            },
            suffix: { $0.ignoringConflicts(with: "address_key") }, on: db
        )
        let given = Dictionary(fresh.map { (keys[$0].key, rows[$0].address) }, uniquingKeysWith: { first, _ in first })
        let locked = try await subscribers(given, on: db)

        // Subscriptions, built by the domain as `subscribe` and `confirm` would move them.
        let actor = consent.method.actor
        var built: [(index: Int, subscriber: Subscriber, subscription: Subscription)] = []
        for index in fresh {
            guard let subscriber = locked[keys[index].key] else {
                throw StorageError.notFound(record: "subscriber", id: 0)
            }
            var subscription = try Subscription(listID: listID, subscriberID: subscriber.id, at: at, by: actor)
            if confirm { _ = try subscription.confirm(at: at, by: actor) }
            built.append((index, subscriber, subscription))
        }
        // A new row starts at version 1; the confirm the one-row path writes after it makes 2.
        let version = Int64(confirm ? 2 : 1)
        let ids = try await insertSubscriptions(
            built.map { try [SQLBind(version)] + $0.subscription.columns().map { SQLBind($0.value) } },
            columns: ["version"] + (built.first?.subscription.columns().map(\.name) ?? []), on: db
        )

        var events: [[any SQLExpression]] = []
        var consents: [[any SQLExpression]] = []
        for entry in built {
            guard let id = ids[entry.subscriber.id] else { throw StorageError.notFound(record: RecordKind.subscription.rawValue, id: 0) }
            events += entry.subscription.events.map { EventStore.row($0, recordID: id) }
            for record in records { consents.append(ConsentRepository.row(record, subscriberID: entry.subscriber.id)) }
            let stored = Subscription(
                stored: id, version: Int(version), listID: listID, subscriberID: entry.subscriber.id, state: entry.subscription.state,
                events: entry.subscription.events
            )
            results[entry.index] = .enrolled(subscription: stored, subscriber: entry.subscriber)
        }
        try await insertRows(into: "record_events", columns: EventStore.columns, rows: events, on: db)
        try await insertRows(into: ConsentRepository.table, columns: ConsentRepository.columns, rows: consents, on: db)
        return results.map { $0 ?? .existing }
    }

    /// Of the rows at `indices` (addresses with a subscription on the list), those confirmed already
    /// get the request's consent record, as `subscribe` writes for them, and `.alreadyConfirmed`.
    /// Their subscribers are locked in address order, as the new rows' are, then their subscriptions.
    /// An address asked for at this instant before (a consent record of `at`: an earlier row of the
    /// same import) stays `.existing`, for the one-row path to report as a repeat.
    private static func confirmedAlready(
        _ indices: [Int], rows: [BulkEnrolmentRow], keys: [AddressKey], listID: Int64, listSlug: String, request: ConsentRecord,
        at: Instant, results: inout [BulkEnrolmentResult?], on db: any SQLDatabase
    ) async throws {
        guard !indices.isEmpty else { return }
        let given = Dictionary(indices.map { (keys[$0].key, rows[$0].address) }, uniquingKeysWith: { first, _ in first })
        let locked = try await subscribers(given, on: db)
        let subscriberIDs = locked.values.map(\.id).sorted()
        guard !subscriberIDs.isEmpty else { return }
        let subscriptions = try await load(where: {
            $0.where("list_id", .equal, SQLBind(listID)).where("subscriber_id", .in, SQLBind.group(subscriberIDs))
        }, on: db)
        let bySubscriber = Dictionary(subscriptions.map { ($0.subscriberID, $0) }, uniquingKeysWith: { first, _ in first })
        let askedBefore = Set(try await db.select().column("subscriber_id").from(ConsentRepository.table)
            .where("subscriber_id", .in, SQLBind.group(subscriberIDs))
            .where("list_slug", .equal, SQLBind(listSlug))
            .where("action", .equal, SQLBind(ConsentAction.subscribed.rawValue))
            .where("at_us", .equal, SQLBind(at.microsecondsSinceEpoch))
            .all().map { try $0.int64("subscriber_id") })
        var consents: [[any SQLExpression]] = []
        for index in indices {
            guard let subscriber = locked[keys[index].key], let subscription = bySubscriber[subscriber.id], subscription.state == .confirmed,
                  !askedBefore.contains(subscriber.id) else { continue }
            results[index] = .alreadyConfirmed(subscription: subscription, subscriber: subscriber)
            consents.append(ConsentRepository.row(request, subscriberID: subscriber.id))
        }
        try await insertRows(into: ConsentRepository.table, columns: ConsentRepository.columns, rows: consents, on: db)
    }

    // MARK: Batch statements

    /// Why each suppressed address among `keys` is suppressed, by address key: the suppression list
    /// first, then the outbox's hard-bounce count (as `suppression(of:in:)` decides for one address).
    private static func suppressionSources(_ keys: [AddressKey], on db: any SQLDatabase) async throws -> [String: SuppressionSource] {
        let keyOfHash = Dictionary(keys.map { ($0.hash, $0.key) }, uniquingKeysWith: { first, _ in first })
        let listed = try await db.select().column("address_hash").column("source").from("suppressions")
            .where("address_hash", .in, SQLBind.group(keys.map(\.hash))).all()
        var sources: [String: SuppressionSource] = [:]
        for row in listed {
            if let key = keyOfHash[try row.string("address_hash")] { sources[key] = try row.value("source", table: "suppressions") }
        }
        let bounced = try await db.select().column("address").from("mail_bounces")
            .where("address", .in, SQLBind.group(keys.map(\.key)))
            .where("suppressed_at_us", .isNot, SQLLiteral.null).all()
        for row in bounced where sources[try row.string("address")] == nil { sources[try row.string("address")] = .bounce }
        return sources
    }

    /// The address keys among `keys` with a subscription (in any state) on the list.
    private static func keysSubscribed(listID: Int64, keys: [String], on db: any SQLDatabase) async throws -> Set<String> {
        let query: SQLQueryString = """
            SELECT p.address_key AS address_key FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id
            WHERE s.list_id = \(bind: listID) AND p.address_key IN (\(binds: keys))
            """
        return Set(try await db.raw(query).all().map { try $0.string("address_key") })
    }

    /// The subscribers of the addresses in `given` (by address key), locked until the transaction
    /// ends (PostgreSQL), by address key. A stored address spelled as given is not parsed again.
    private static func subscribers(_ given: [String: EmailAddress], on db: any SQLDatabase) async throws -> [String: Subscriber] {
        let rows = try await db.select().column("*").from("subscribers").where("address_key", .in, SQLBind.group(Array(given.keys))).orderBy("address_key").lockingClause(SubscriberRowLock()).all()
        var found: [String: Subscriber] = [:]
        for row in rows {
            let key = try row.string("address_key")
            found[key] = try decodeSubscriber(row, known: given[key])
        }
        return found
    }

    /// Inserts subscription rows; returns their ids by subscriber id (unique within one list).
    private static func insertSubscriptions(_ rows: [[any SQLExpression]], columns: [String], on db: any SQLDatabase) async throws -> [Int64: Int64] {
        var ids: [Int64: Int64] = [:]
        for chunk in chunks(rows, columns: columns.count) {
            let inserted = try await db.insert(into: Subscription.table).columns(columns).values(chunk)
                .returning("id", "subscriber_id").all()
            for row in inserted { ids[try row.int64("subscriber_id")] = try row.int64("id") }
        }
        return ids
    }

    /// Multi-row INSERTs of `rows`, in chunks that stay under both engines' bind-parameter limits.
    private static func insertRows(
        into table: String, columns: [String], rows: [[any SQLExpression]], suffix: (SQLInsertBuilder) -> SQLInsertBuilder = { $0 },
        on db: any SQLDatabase
    ) async throws {
        for chunk in chunks(rows, columns: columns.count) {
            try await suffix(db.insert(into: table).columns(columns).values(chunk)).run()
        }
    }

    /// At most 30,000 values per statement (SQLite's default limit is 32,766; PostgreSQL's 65,535).
    private static func chunks(_ rows: [[any SQLExpression]], columns: Int) -> [ArraySlice<[any SQLExpression]>] {
        let size = max(1, 30_000 / max(columns, 1))
        return stride(from: 0, to: rows.count, by: size).map { rows[$0..<min($0 + size, rows.count)] }
    }
}

extension SQLInsertBuilder {
    /// Adds several rows of values.
    fileprivate func values(_ rows: ArraySlice<[any SQLExpression]>) -> SQLInsertBuilder {
        var builder = self
        for row in rows { builder = builder.values(row) }
        return builder
    }
}
