import Domain
import SQLKit

/// Mailing lists: create, read, save (optimistically locked) and delete with their subscriptions.
public struct MailingListRepository: Sendable {
    let database: Database

    static let table = "mailing_lists"

    /// Stores a new list created at `at`; a taken slug is `StorageError.duplicate` naming the slug.
    public func create(_ list: MailingList, at: Instant) async throws -> MailingList {
        let columns = try Self.columns(of: list) + [("created_at_us", at.microsecondsSinceEpoch)]
        let id: Int64
        do {
            id = try await database.transaction { db in
                let row = try await db.insert(into: Self.table)
                    .columns(["version"] + columns.map(\.name))
                    .values([SQLBind(Int64(1))] + columns.map { SQLBind($0.value) })
                    .returning("id")
                    .first()
                guard let id = try row?.int64("id") else { throw StorageError.notFound(record: "mailing list", id: 0) }
                return id
            }
        } catch where error.isUniqueViolation {
            throw StorageError.duplicate(record: "mailing list", field: "slug", value: list.slug)
        }
        return try await get(id)
    }

    /// Writes the list's fields if nobody saved it since it was read; returns it at its new version.
    public func save(_ list: MailingList) async throws -> MailingList {
        guard let id = list.id else { throw StorageError.notFound(record: "mailing list", id: 0) }
        let columns = try Self.columns(of: list)
        do {
            try await database.transaction { db in
                var update = db.update(Self.table).set("version", to: SQLBind(Int64(list.version + 1)))
                for column in columns { update = update.set(SQLIdentifier(column.name), to: SQLBind(column.value)) }
                let rows = try await update
                    .where("id", .equal, SQLBind(id))
                    .where("version", .equal, SQLBind(Int64(list.version)))
                    .returning("id")
                    .all()
                if rows.isEmpty {
                    let exists = try await db.select().column("id").from(Self.table).where("id", .equal, SQLBind(id)).first() != nil
                    throw exists ? StorageError.concurrentUpdate(record: "mailing list", id: id) : StorageError.notFound(record: "mailing list", id: id)
                }
            }
        } catch where error.isUniqueViolation {
            throw StorageError.duplicate(record: "mailing list", field: "slug", value: list.slug)
        }
        return try await get(id)
    }

    /// The list with this id, or `StorageError.notFound`.
    public func get(_ id: Int64) async throws -> MailingList {
        guard let list = try await lists(where: { $0.where("id", .equal, SQLBind(id)) }).first else {
            throw StorageError.notFound(record: "mailing list", id: id)
        }
        return list
    }

    /// The list with this slug, or nil.
    public func get(slug: String) async throws -> MailingList? {
        try await lists(where: { $0.where("slug", .equal, SQLBind(slug)) }).first
    }

    /// Every list, by slug.
    public func list() async throws -> [MailingList] {
        try await lists(where: { $0 })
    }

    /// Deletes the list with its subscriptions and their audit trails; returns how many subscriptions went.
    ///
    /// Refused with `SubscriptionError.listHasConfirmedSubscribers` while anyone is confirmed, unless
    /// `force`. Consent records stay with their subscribers (they name the list by slug).
    @discardableResult
    public func delete(_ id: Int64, force: Bool = false) async throws -> Int {
        try await database.transaction { db in
            let list = try await Self.select(where: { $0.where("id", .equal, SQLBind(id)) }, on: db).first
            guard let list else { throw StorageError.notFound(record: "mailing list", id: id) }
            let confirmed = try await db.count(
                "SELECT COUNT(*) AS n FROM subscriptions WHERE list_id = \(bind: id) AND state = \(bind: SubscriptionState.confirmed.rawValue)"
            )
            if confirmed > 0, !force {
                throw SubscriptionError.listHasConfirmedSubscribers(slug: list.slug, count: confirmed)
            }
            let removed = try await db.count("SELECT COUNT(*) AS n FROM subscriptions WHERE list_id = \(bind: id)")
            try await db.raw("""
                DELETE FROM record_events WHERE record_kind = \(bind: RecordKind.subscription.rawValue)
                AND record_id IN (SELECT id FROM subscriptions WHERE list_id = \(bind: id))
                """).run()
            try await db.delete(from: "subscriptions").where("list_id", .equal, SQLBind(id)).run()
            try await db.delete(from: Self.table).where("id", .equal, SQLBind(id)).run()
            return removed
        }
    }

    // MARK: Rows

    private func lists(where filter: @escaping @Sendable (SQLSelectBuilder) -> SQLSelectBuilder) async throws -> [MailingList] {
        try await database.withReadSession { db in try await Self.select(where: filter, on: db) }
    }

    static func select(where filter: (SQLSelectBuilder) -> SQLSelectBuilder, on db: any SQLDatabase) async throws -> [MailingList] {
        try await filter(db.select().column("*").from(table)).orderBy("slug").all().map(decode)
    }

    /// The columns to write, except `id`, `version` and `created_at_us`.
    static func columns(of list: MailingList) throws -> [Column] {
        // Stages in lifecycle order, so the stored text does not depend on a Set's iteration order.
        let stages = LifecycleStage.allCases.filter(list.digest.stages.contains).map(\.rawValue)
        return [
            ("slug", list.slug), ("title", list.title), ("description", list.description),
            ("sender_address", list.sender.address.address), ("sender_name", list.sender.name),
            ("reply_to", list.replyTo?.address), ("digest_stages", try jsonText(stages)),
            ("digest_service_ids", try jsonText(list.digest.serviceIDs)),
            ("digest_minimum_priority", Int64(list.digest.minimumPriority.rawValue)), ("schedule", list.schedule),
            ("time_zone", list.timeZoneIdentifier), ("template_folder", list.templateFolder),
            ("requires_confirmation", list.requiresConfirmation), ("skip_empty_digest", list.skipsEmptyDigest),
        ]
    }

    static func decode(_ row: any SQLRow) throws -> MailingList {
        let stages = try row.json("digest_stages", table: table, as: [String].self).map { raw in
            guard let stage = LifecycleStage(rawValue: raw) else { throw StorageError.corruptRow(table: table, column: "digest_stages", value: raw) }
            return stage
        }
        return MailingList(
            stored: try row.int64("id"), version: Int(try row.int64("version")), slug: try row.string("slug"),
            title: try row.string("title"), description: try row.optionalString("description"),
            sender: ListSender(stored: try row.address("sender_address", table: table), name: try row.optionalString("sender_name")),
            replyTo: try row.optionalString("reply_to").map { try storedAddress($0, table: table, column: "reply_to") },
            digest: DigestSelection(
                stored: Set(stages), serviceIDs: try row.json("digest_service_ids", table: table, as: [Int64].self),
                minimumPriority: try row.priority("digest_minimum_priority", table: table)
            ),
            schedule: try row.string("schedule"), timeZoneIdentifier: try row.string("time_zone"),
            templateFolder: try row.optionalString("template_folder"), requiresConfirmation: try row.bool("requires_confirmation"),
            skipsEmptyDigest: try row.bool("skip_empty_digest")
        )
    }
}

extension SQLRow {
    /// A stored address, parsed again (it was normalised when written, so parsing returns it unchanged).
    func address(_ column: String, table: String) throws -> EmailAddress {
        try storedAddress(try string(column), table: table, column: column)
    }
}

/// `text` as an address, or `StorageError.corruptRow` naming where it was read.
func storedAddress(_ text: String, table: String, column: String) throws -> EmailAddress {
    do {
        return try EmailAddress(parsing: text)
    } catch {
        throw StorageError.corruptRow(table: table, column: column, value: text)
    }
}
