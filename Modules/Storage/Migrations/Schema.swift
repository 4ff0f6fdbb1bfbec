import SQLKit

/// Every migration this binary knows. Append only: a released migration never changes.
public enum Schema {
    /// 64-bit floating point on both engines (`.real` is single precision on PostgreSQL).
    static let double = SQLDataType.custom(SQLRaw("DOUBLE PRECISION"))

    public static let migrations: [Migration] = [
        Migration(version: 1, name: "itil records and audit trail", apply: v1),
        Migration(version: 2, name: "mail outbox", apply: v2),
        Migration(version: 3, name: "mailing lists and subscriptions", apply: v3),
        Migration(version: 4, name: "digest indexes and the empty-digest choice", apply: v4),
        Migration(version: 5, name: "digest runs", apply: v5),
        Migration(version: 6, name: "hold events index", apply: v6),
        Migration(version: 7, name: "imported record ids", apply: v7),
    ]

    /// Which record an import made of another tool's record (its `id` in the file, under the
    /// import's source name), so importing the same export again skips what is already here.
    static func v7(_ db: any SQLDatabase) async throws {
        try await db.create(table: "imported_records")
            .column("record_kind", type: .text, .notNull)
            .column("source", type: .text, .notNull)
            .column("source_id", type: .text, .notNull)
            .column("record_id", type: .bigint, .notNull)
            .column("imported_at_us", type: .bigint, .notNull)
            .primaryKey("record_kind", "source", "source_id")
            .run()
    }

    /// The incidents' hold and resume events, which the digest's SLA clocks need, in a small
    /// partial index: without it PostgreSQL scans every audit event to find them.
    static func v6(_ db: any SQLDatabase) async throws {
        try await db.raw("""
            CREATE INDEX record_events_holds ON record_events (record_id, id)
            WHERE record_kind = 'incident' AND (to_state = 'on-hold' OR from_state = 'on-hold')
            """).run()
    }

    /// One row per (list, period) digest, written before anything is enqueued: the key that makes
    /// a digest go out once whatever restarts and instances do, and the fan-out's progress.
    static func v5(_ db: any SQLDatabase) async throws {
        try await db.create(table: "digest_runs")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("list_id", type: .bigint, .notNull, .references("mailing_lists", "id", onDelete: .cascade))
            .column("period_kind", type: .text, .notNull)
            .column("first_day", type: .text, .notNull)  // YYYY-MM-DD in the list's time zone
            .column("last_day", type: .text, .notNull)
            .column("period_start_us", type: .bigint, .notNull)
            .column("period_end_us", type: .bigint, .notNull)
            .column("scheduled_for_us", type: .bigint, .notNull)
            .column("trigger", type: .text, .notNull)  // schedule, catch-up, manual
            .column("state", type: .text, .notNull)  // pending, sending, sent, skipped, failed
            .column("claimed_by", type: .text)
            .column("claimed_until_us", type: .bigint)
            .column("attempts", type: .int, .notNull)
            .column("digest", type: .text)  // the built digest (JSON), so a resumed fan-out sends the same one
            .column("cursor_subscription_id", type: .bigint, .notNull)  // subscriptions up to here are enqueued
            .column("enqueued", type: .bigint, .notNull)
            .column("last_error", type: .text)
            .column("created_at_us", type: .bigint, .notNull)
            .column("finished_at_us", type: .bigint)
            .unique("list_id", "first_day", "last_day")
            .run()
        try await db.create(index: "digest_runs_by_state").on("digest_runs").column("state").column("scheduled_for_us").run()
        try await db.create(index: "digest_runs_by_list").on("digest_runs").column("list_id").column("scheduled_for_us").run()
    }

    /// Indexes for the digest's queries that v1 lacked, and whether a list skips empty digests.
    static func v4(_ db: any SQLDatabase) async throws {
        try await db.alter(table: "mailing_lists")
            .column("skip_empty_digest", type: .custom(SQLRaw("BOOLEAN NOT NULL DEFAULT FALSE")))
            .run()
        let indexes: [(String, String, [String])] = [
            ("incidents_by_first_response", "incidents", ["first_response_at_us"]),
            ("problems_by_known_error", "problems", ["known_error_at_us"]),
            ("problems_by_resolved", "problems", ["resolved_at_us"]),
            ("requests_by_fulfilled", "requests", ["fulfilled_at_us"]),
            ("changes_by_window_end", "changes", ["window_end_us"]),
        ]
        for (name, table, columns) in indexes {
            var index = db.create(index: name).on(table)
            for column in columns { index = index.column(column) }
            try await index.run()
        }
    }

    /// Mailing lists, their subscribers and subscriptions, the consent trail, and suppressed addresses.
    static func v3(_ db: any SQLDatabase) async throws {
        try await db.create(table: "mailing_lists")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("version", type: .bigint, .notNull)
            .column("slug", type: .text, .notNull, .unique)
            .column("title", type: .text, .notNull)
            .column("description", type: .text)
            .column("sender_address", type: .text, .notNull)
            .column("sender_name", type: .text)
            .column("reply_to", type: .text)
            .column("digest_stages", type: .text, .notNull)  // JSON array of lifecycle stages
            .column("digest_service_ids", type: .text, .notNull)  // JSON array; empty = all services
            .column("digest_minimum_priority", type: .int, .notNull)
            .column("schedule", type: .text, .notNull)
            .column("time_zone", type: .text, .notNull)
            .column("template_folder", type: .text)
            .column("requires_confirmation", type: .custom(SQLRaw("BOOLEAN")), .notNull)
            .column("created_at_us", type: .bigint, .notNull)
            .run()

        // One row per person. `address` keeps the local part's case as given (only the receiving
        // server may interpret it); `address_key` is the whole address lower-cased, so that
        // Ada@example.org and ada@example.org are one subscriber; `address_hash` is the SHA-256 of
        // the key in hex, the form the suppression list compares.
        try await db.create(table: "subscribers")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("address", type: .text, .notNull)
            .column("address_key", type: .text, .notNull, .unique)
            .column("address_hash", type: .text, .notNull)
            .column("display_name", type: .text)
            .column("created_at_us", type: .bigint, .notNull)
            .run()

        try await db.create(table: "subscriptions")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("version", type: .bigint, .notNull)
            .column("list_id", type: .bigint, .notNull, .references("mailing_lists", "id", onDelete: .cascade))
            .column("subscriber_id", type: .bigint, .notNull, .references("subscribers", "id", onDelete: .cascade))
            .column("state", type: .text, .notNull)
            .column("subscribed_at_us", type: .bigint, .notNull)
            .column("confirmed_at_us", type: .bigint)
            .column("unsubscribed_at_us", type: .bigint)
            .unique("list_id", "subscriber_id")
            .run()

        // Every change of consent, kept until the subscriber is erased. `list_slug` is text, not a
        // reference: the record outlives a deleted list.
        try await db.create(table: "consent_records")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("subscriber_id", type: .bigint, .notNull, .references("subscribers", "id", onDelete: .cascade))
            .column("list_slug", type: .text)
            .column("at_us", type: .bigint, .notNull)
            .column("action", type: .text, .notNull)
            .column("method", type: .text, .notNull)  // web, cli, system
            .column("ip_address", type: .text)
            .column("user_agent", type: .text)
            .column("operator", type: .text)
            .column("reason", type: .text)
            .column("confirmation_text", type: .text)
            .run()

        // Addresses never mailed, by hash only: an erased address leaves nothing readable behind.
        try await db.create(table: "suppressions")
            .column("address_hash", type: .text, .primaryKey(autoIncrement: false))
            .column("reason", type: .text)
            .column("source", type: .text, .notNull)  // bounce, admin, erased
            .column("created_at_us", type: .bigint, .notNull)
            .run()

        let indexes: [(String, String, [String])] = [
            ("subscriptions_by_list_state", "subscriptions", ["list_id", "state"]),
            ("subscriptions_by_subscriber", "subscriptions", ["subscriber_id"]),
            ("subscribers_by_hash", "subscribers", ["address_hash"]),
            ("consent_records_by_subscriber", "consent_records", ["subscriber_id", "id"]),
        ]
        for (name, table, columns) in indexes {
            var index = db.create(index: name).on(table)
            for column in columns { index = index.column(column) }
            try await index.run()
        }
    }

    /// The transactional outbox: every email waits here until a delivery worker sends it.
    static func v2(_ db: any SQLDatabase) async throws {
        try await db.create(table: "outbox_messages")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("idempotency_key", type: .text, .notNull, .unique)
            .column("kind", type: .text, .notNull)
            .column("priority", type: .int, .notNull)  // lower is sooner: confirmations before digests
            .column("sender", type: .text, .notNull)
            .column("recipients", type: .text, .notNull)  // JSON array of addresses
            .column("message_id", type: .text, .notNull)
            .column("status", type: .text, .notNull)  // queued, sending, sent, failed
            .column("attempts", type: .int, .notNull)
            .column("created_at_us", type: .bigint, .notNull)
            .column("next_attempt_at_us", type: .bigint, .notNull)
            .column("claimed_by", type: .text)
            .column("claimed_until_us", type: .bigint)
            .column("last_error", type: .text)
            .column("smtp_code", type: .int)
            .column("sent_at_us", type: .bigint)
            .column("failed_at_us", type: .bigint)
            .column("server_reply", type: .text)
            .run()
        // The bytes live apart from the status row: claiming and marking rewrite only the small row
        // (SQLite rewrites a whole row on any update), never the message.
        try await db.create(table: "outbox_payloads")
            .column("message_id", type: .bigint, .primaryKey(autoIncrement: false), .references("outbox_messages", "id", onDelete: .cascade))
            .column("data", type: .blob, .notNull)
            .run()
        try await db.create(index: "outbox_due").on("outbox_messages")
            .column("status").column("priority").column("next_attempt_at_us").run()
        try await db.create(index: "outbox_leases").on("outbox_messages")
            .column("status").column("claimed_until_us").run()

        // Hard bounces at send time, per address (lower-cased); suppressed addresses are never mailed.
        try await db.create(table: "mail_bounces")
            .column("address", type: .text, .primaryKey(autoIncrement: false))
            .column("permanent_failures", type: .int, .notNull)
            .column("last_reply", type: .text, .notNull)
            .column("last_at_us", type: .bigint, .notNull)
            .column("suppressed_at_us", type: .bigint)
            .run()
    }

    /// Instants are BIGINT microseconds since the epoch (UTC), exact on both engines.
    static func v1(_ db: any SQLDatabase) async throws {
        try await db.create(table: "calendars")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("name", type: .text, .notNull, .unique)
            .column("time_zone", type: .text, .notNull)
            .column("weekly_hours", type: .text, .notNull)  // JSON: {"mon":["09:00-17:00"],...}
            .column("holidays", type: .text, .notNull)  // JSON: [{"date":"2026-12-25","name":"..."}]
            .run()

        try await db.create(table: "slas")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("name", type: .text, .notNull, .unique)
            .column("calendar_id", type: .bigint, .notNull, .references("calendars", "id"))
            .column("warning_threshold", type: double, .notNull)
            .run()

        try await db.create(table: "sla_targets")
            .column("sla_id", type: .bigint, .notNull, .references("slas", "id", onDelete: .cascade))
            .column("priority", type: .int, .notNull)
            .column("response_s", type: .bigint, .notNull)
            .column("resolution_s", type: .bigint, .notNull)
            .primaryKey("sla_id", "priority")
            .run()

        try await db.create(table: "services")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("version", type: .bigint, .notNull)
            .column("name", type: .text, .notNull, .unique)
            .column("description", type: .text)
            .column("owner", type: .text)
            .column("criticality", type: .text, .notNull)
            .column("status", type: .text, .notNull)
            .column("sla_id", type: .bigint, .references("slas", "id"))
            .column("created_at_us", type: .bigint, .notNull)
            .column("status_since_us", type: .bigint, .notNull)
            .run()

        try await db.create(table: "problems")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("version", type: .bigint, .notNull)
            .column("title", type: .text, .notNull)
            .column("description", type: .text)
            .column("service_id", type: .bigint, .references("services", "id"))
            .column("state", type: .text, .notNull)
            .column("root_cause", type: .text)
            .column("workaround", type: .text)
            .column("is_known_error", type: .custom(SQLRaw("BOOLEAN")), .notNull)
            .column("opened_at_us", type: .bigint, .notNull)
            .column("known_error_at_us", type: .bigint)
            .column("resolved_at_us", type: .bigint)
            .run()

        try await db.create(table: "incidents")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("version", type: .bigint, .notNull)
            .column("title", type: .text, .notNull)
            .column("description", type: .text)
            .column("category", type: .text)
            .column("impact", type: .text, .notNull)
            .column("urgency", type: .text, .notNull)
            .column("priority", type: .int, .notNull)
            .column("state", type: .text, .notNull)
            .column("service_id", type: .bigint, .references("services", "id"))
            .column("problem_id", type: .bigint, .references("problems", "id"))
            .column("is_major", type: .custom(SQLRaw("BOOLEAN")), .notNull)
            .column("assignee", type: .text)
            .column("opened_at_us", type: .bigint, .notNull)
            .column("first_response_at_us", type: .bigint)
            .column("resolved_at_us", type: .bigint)
            .column("closed_at_us", type: .bigint)
            .run()

        try await db.create(table: "changes")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("version", type: .bigint, .notNull)
            .column("title", type: .text, .notNull)
            .column("description", type: .text)
            .column("type", type: .text, .notNull)
            .column("risk", type: .text, .notNull)
            .column("service_id", type: .bigint, .references("services", "id"))
            .column("window_start_us", type: .bigint)
            .column("window_end_us", type: .bigint)
            .column("approvers", type: .text, .notNull)  // JSON array of names
            .column("outcome", type: .text)
            .column("state", type: .text, .notNull)
            .column("requested_at_us", type: .bigint, .notNull)
            .column("implemented_at_us", type: .bigint)
            .run()

        try await db.create(table: "change_votes")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("change_id", type: .bigint, .notNull, .references("changes", "id", onDelete: .cascade))
            .column("approver", type: .text, .notNull)
            .column("approve", type: .custom(SQLRaw("BOOLEAN")), .notNull)
            .column("at_us", type: .bigint, .notNull)
            .column("comment", type: .text)
            .run()

        try await db.create(table: "change_incidents")
            .column("change_id", type: .bigint, .notNull, .references("changes", "id", onDelete: .cascade))
            .column("incident_id", type: .bigint, .notNull, .references("incidents", "id", onDelete: .cascade))
            .primaryKey("change_id", "incident_id")
            .run()

        try await db.create(table: "requests")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("version", type: .bigint, .notNull)
            .column("title", type: .text, .notNull)
            .column("requester", type: .text, .notNull)
            .column("service_id", type: .bigint, .references("services", "id"))
            .column("priority", type: .int, .notNull)
            .column("state", type: .text, .notNull)
            .column("opened_at_us", type: .bigint, .notNull)
            .column("fulfilled_at_us", type: .bigint)
            .run()

        try await db.create(table: "improvements")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("version", type: .bigint, .notNull)
            .column("title", type: .text, .notNull)
            .column("owner", type: .text)
            .column("service_id", type: .bigint, .references("services", "id"))
            .column("metric", type: .text, .notNull)
            .column("baseline", type: double, .notNull)
            .column("target", type: double, .notNull)
            .column("current_value", type: double, .notNull)
            .column("due_date", type: .text)
            .column("state", type: .text, .notNull)
            .column("created_at_us", type: .bigint, .notNull)
            .run()

        try await db.create(table: "freeze_windows")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("name", type: .text, .notNull)
            .column("start_us", type: .bigint, .notNull)
            .column("end_us", type: .bigint, .notNull)
            .column("service_ids", type: .text, .notNull)  // JSON array; empty = all services
            .run()

        // The audit trail of every record kind: one row per event, never updated.
        try await db.create(table: "record_events")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("record_kind", type: .text, .notNull)
            .column("record_id", type: .bigint, .notNull)
            .column("at_us", type: .bigint, .notNull)
            .column("actor", type: .text, .notNull)
            .column("action", type: .text, .notNull)
            .column("from_state", type: .text)
            .column("to_state", type: .text)
            .column("detail", type: .text)
            .run()

        // Indexes for the queries the digests run: by record, by period, by state, by service.
        let indexes: [(String, String, [String])] = [
            ("record_events_by_record", "record_events", ["record_kind", "record_id", "id"]),
            ("record_events_by_time", "record_events", ["record_kind", "at_us"]),
            ("incidents_by_opened", "incidents", ["opened_at_us"]),
            ("incidents_by_resolved", "incidents", ["resolved_at_us"]),
            ("incidents_by_state", "incidents", ["state", "priority"]),
            ("incidents_by_service", "incidents", ["service_id", "opened_at_us"]),
            ("incidents_by_problem", "incidents", ["problem_id"]),
            ("problems_by_opened", "problems", ["opened_at_us"]),
            ("problems_by_state", "problems", ["state"]),
            ("changes_by_window", "changes", ["window_start_us"]),
            ("changes_by_state", "changes", ["state"]),
            ("changes_by_implemented", "changes", ["implemented_at_us"]),
            ("changes_by_service", "changes", ["service_id"]),
            ("requests_by_opened", "requests", ["opened_at_us"]),
            ("requests_by_state", "requests", ["state"]),
            ("services_by_status", "services", ["status"]),
            ("change_votes_by_change", "change_votes", ["change_id", "id"]),
            ("freeze_windows_by_start", "freeze_windows", ["start_us"]),
        ]
        for (name, table, columns) in indexes {
            var index = db.create(index: name).on(table)
            for column in columns { index = index.column(column) }
            try await index.run()
        }
    }
}
