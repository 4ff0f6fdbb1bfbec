import Domain
import SQLKit

/// One (list, period) digest: recorded before anything is enqueued, claimed by one worker at a
/// time, and carried through its fan-out by a cursor over subscription ids.
public struct DigestRun: Sendable, Hashable, Identifiable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Recorded, not started.
        case pending
        /// Claimed; being built or fanned out (a dead worker's claim expires and another resumes it).
        case sending
        /// Every confirmed subscriber's mail is in the outbox.
        case sent
        /// Empty, and the list skips empty digests.
        case skipped
        /// Gave up after repeated errors; `lastError` says why.
        case failed
    }

    public enum Trigger: String, Sendable, Hashable, CaseIterable {
        case schedule
        /// A run the daemon missed while it was down.
        case catchUp = "catch-up"
        /// `itsm digest send`.
        case manual
    }

    public var id: Int64
    public var listID: Int64
    public var periodKind: String
    public var firstDay: CivilDate
    public var lastDay: CivilDate
    public var period: Range<Instant>
    public var scheduledFor: Instant
    public var trigger: Trigger
    public var state: State
    public var claimedBy: String?
    public var claimedUntil: Instant?
    public var attempts: Int
    /// The digest as built (JSON), once built.
    public var digest: String?
    /// Subscriptions with ids up to this one have their mail enqueued.
    public var cursor: Int64
    public var enqueued: Int64
    public var lastError: String?
    public var createdAt: Instant
    public var finishedAt: Instant?

    /// The unique key of a run, as logs show it: `ops-weekly:2026-11-16..2026-11-22` with the list's slug.
    public func key(slug: String) -> String { "\(slug):\(firstDay)..\(lastDay)" }
}

/// What a new run is for.
public struct NewDigestRun: Sendable, Hashable {
    public var listID: Int64
    public var periodKind: String
    public var firstDay: CivilDate
    public var lastDay: CivilDate
    public var period: Range<Instant>
    public var scheduledFor: Instant
    public var trigger: DigestRun.Trigger

    public init(
        listID: Int64, periodKind: String, firstDay: CivilDate, lastDay: CivilDate, period: Range<Instant>, scheduledFor: Instant,
        trigger: DigestRun.Trigger
    ) {
        self.listID = listID
        self.periodKind = periodKind
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.period = period
        self.scheduledFor = scheduledFor
        self.trigger = trigger
    }
}

extension Store {
    public var digestRuns: DigestRunRepository { DigestRunRepository(database: database) }
}

/// The digest runs: record once per (list, period), claim with a lease, advance, finish.
public struct DigestRunRepository: Sendable {
    let database: Database

    static let table = "digest_runs"

    /// Records `run` unless the list already has a run for the same days; returns the run that
    /// exists now and whether this call created it. Two instances recording the same run get one row.
    public func record(_ run: NewDigestRun, at now: Instant) async throws -> (run: DigestRun, created: Bool) {
        try await database.transaction { db in
            let inserted = try await db.insert(into: Self.table)
                .columns(
                    "list_id", "period_kind", "first_day", "last_day", "period_start_us", "period_end_us", "scheduled_for_us", "trigger",
                    "state", "attempts", "cursor_subscription_id", "enqueued", "created_at_us")
                .values(
                    SQLBind(run.listID), SQLBind(run.periodKind), SQLBind(run.firstDay.description), SQLBind(run.lastDay.description),
                    SQLBind(run.period.lowerBound.microsecondsSinceEpoch), SQLBind(run.period.upperBound.microsecondsSinceEpoch),
                    SQLBind(run.scheduledFor.microsecondsSinceEpoch), SQLBind(run.trigger.rawValue),
                    SQLBind(DigestRun.State.pending.rawValue), SQLBind(Int64(0)), SQLBind(Int64(0)), SQLBind(Int64(0)),
                    SQLBind(now.microsecondsSinceEpoch))
                .ignoringConflicts(with: ["list_id", "first_day", "last_day"])
                .returning("*")
                .all()
            if let row = inserted.first { return (try Self.decode(row), true) }
            let existing = try await db.select().column("*").from(Self.table)
                .where("list_id", .equal, SQLBind(run.listID))
                .where("first_day", .equal, SQLBind(run.firstDay.description))
                .where("last_day", .equal, SQLBind(run.lastDay.description))
                .first()
            guard let existing else { throw StorageError.notFound(record: "digest run", id: run.listID) }
            return (try Self.decode(existing), false)
        }
    }

    /// Claims the earliest run due by `now` that nobody holds (pending, or sending with an expired
    /// claim), or that `worker` itself still holds, for `lease`; nil when there is none. Only one
    /// caller gets any one run. A worker's own claim counts as free to it: a pass that failed
    /// mid fan-out (the database went away, so the run could not even be postponed) is taken up
    /// again by that worker's next pass instead of after its own lease (found by bench/faults/run
    /// --only pg-restart: two minutes late). Worker names are per process.
    public func claimNext(worker: String, now: Instant, lease: Duration) async throws -> DigestRun? {
        let us = now.microsecondsSinceEpoch
        return try await database.withSession { db in
            try await db.raw("""
                UPDATE digest_runs SET claimed_by = \(bind: worker), claimed_until_us = \(bind: (now + lease).microsecondsSinceEpoch),
                    attempts = attempts + 1, state = 'sending'
                WHERE id = (
                    SELECT id FROM digest_runs
                    WHERE state IN ('pending', 'sending') AND scheduled_for_us <= \(bind: us)
                        AND (claimed_until_us IS NULL OR claimed_until_us < \(bind: us) OR claimed_by = \(bind: worker))
                    ORDER BY scheduled_for_us, id LIMIT 1
                ) AND state IN ('pending', 'sending')
                    AND (claimed_until_us IS NULL OR claimed_until_us < \(bind: us) OR claimed_by = \(bind: worker))
                RETURNING *
                """).first().map(Self.decode)
        }
    }

    /// Claims run `id` if nobody holds it; nil if it is finished or held by a live claim.
    public func claim(_ id: Int64, worker: String, now: Instant, lease: Duration) async throws -> DigestRun? {
        let us = now.microsecondsSinceEpoch
        return try await database.withSession { db in
            try await db.raw("""
                UPDATE digest_runs SET claimed_by = \(bind: worker), claimed_until_us = \(bind: (now + lease).microsecondsSinceEpoch),
                    attempts = attempts + 1, state = 'sending'
                WHERE id = \(bind: id) AND state IN ('pending', 'sending') AND (claimed_until_us IS NULL OR claimed_until_us < \(bind: us))
                RETURNING *
                """).first().map(Self.decode)
        }
    }

    /// Extends `worker`'s claim on run `id`; false when the claim was lost (expired and taken over).
    public func renew(_ id: Int64, worker: String, until: Instant) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("""
                UPDATE digest_runs SET claimed_until_us = \(bind: until.microsecondsSinceEpoch)
                WHERE id = \(bind: id) AND claimed_by = \(bind: worker) AND state = 'sending'
                RETURNING id
                """).first() != nil
        }
    }

    /// The digests built for other runs of the same period whose lists select the same digest (the
    /// same lifecycle stages, services, minimum priority and time zone), newest first: what a run
    /// may reuse instead of building its own (one build per distinct filter and period).
    public func digestsBuiltAlike(for run: DigestRun, limit: Int = 3) async throws -> [String] {
        try await database.withSession { db in
            try await db.raw("""
                SELECT other.digest FROM digest_runs other
                JOIN mailing_lists theirs ON theirs.id = other.list_id
                JOIN mailing_lists mine ON mine.id = \(bind: run.listID)
                WHERE other.id <> \(bind: run.id) AND other.digest IS NOT NULL
                  AND other.period_kind = \(bind: run.periodKind)
                  AND other.first_day = \(bind: run.firstDay.description) AND other.last_day = \(bind: run.lastDay.description)
                  AND theirs.digest_stages = mine.digest_stages AND theirs.digest_service_ids = mine.digest_service_ids
                  AND theirs.digest_minimum_priority = mine.digest_minimum_priority AND theirs.time_zone = mine.time_zone
                ORDER BY other.id DESC LIMIT \(literal: limit)
                """).all().map { try $0.string("digest") }
        }
    }

    /// Keeps the built digest with the run, so a resumed fan-out sends the same one.
    public func storeDigest(_ id: Int64, digest: String, worker: String) async throws {
        try await database.withSession { db in
            try await db.update(Self.table).set("digest", to: SQLBind(digest))
                .where("id", .equal, SQLBind(id)).where("claimed_by", .equal, SQLBind(worker)).run()
        }
    }

    /// Moves the fan-out cursor inside the transaction that enqueued the page; false (and the
    /// caller rolls back) when `worker` no longer holds the run.
    public func advance(
        _ id: Int64, cursor: Int64, enqueued: Int, worker: String, in transaction: StorageTransaction
    ) async throws -> Bool {
        try await transaction.db.raw("""
            UPDATE digest_runs SET cursor_subscription_id = \(bind: cursor), enqueued = enqueued + \(bind: Int64(enqueued))
            WHERE id = \(bind: id) AND claimed_by = \(bind: worker) AND state = 'sending'
            RETURNING id
            """).first() != nil
    }

    /// Ends run `id` as sent, skipped or failed (or back to pending after an error, to be retried
    /// once `retryAt` has passed).
    public func finish(_ id: Int64, state: DigestRun.State, error: String? = nil, at now: Instant, worker: String) async throws {
        try await database.withSession { db in
            var update = db.update(Self.table)
                .set("state", to: SQLBind(state.rawValue))
                .set("last_error", to: SQLBind(error))
                .set("claimed_by", to: SQLLiteral.null)
                .set("claimed_until_us", to: SQLLiteral.null)
            if state != .pending { update = update.set("finished_at_us", to: SQLBind(now.microsecondsSinceEpoch)) }
            try await update.where("id", .equal, SQLBind(id)).where("claimed_by", .equal, SQLBind(worker)).run()
        }
    }

    /// Leaves run `id` claimed by nobody until `retryAt`, recording the error: the next claim after
    /// that instant tries again from the cursor.
    public func postpone(_ id: Int64, until retryAt: Instant, error: String, worker: String) async throws {
        try await database.withSession { db in
            try await db.update(Self.table)
                .set("last_error", to: SQLBind(error))
                .set("claimed_by", to: SQLLiteral.null)
                .set("claimed_until_us", to: SQLBind(retryAt.microsecondsSinceEpoch))
                .where("id", .equal, SQLBind(id)).where("claimed_by", .equal, SQLBind(worker)).run()
        }
    }

    /// Where the planner resumes for a list: the latest scheduled instant of its runs (manual sends
    /// aside), or, before its first run, when the list was created (no digest for before it existed).
    public func planningStart(listID: Int64) async throws -> Instant {
        try await database.withSession { db in
            let row = try await db.raw("""
                SELECT COALESCE(
                    (SELECT MAX(scheduled_for_us) FROM digest_runs WHERE list_id = \(bind: listID) AND trigger <> 'manual'),
                    (SELECT created_at_us FROM mailing_lists WHERE id = \(bind: listID))
                ) AS since
                """).first()
            guard let since = try row?.decode(column: "since", as: Int64?.self) else {
                throw StorageError.notFound(record: "mailing list", id: listID)
            }
            return Instant(microsecondsSinceEpoch: since)
        }
    }

    public func get(_ id: Int64) async throws -> DigestRun {
        guard let row = try await database.withSession({ db in
            try await db.select().column("*").from(Self.table).where("id", .equal, SQLBind(id)).first()
        }) else { throw StorageError.notFound(record: "digest run", id: id) }
        return try Self.decode(row)
    }

    /// Runs, newest first; of one list if `listID` is given.
    public func list(listID: Int64? = nil, limit: Int = 100) async throws -> [DigestRun] {
        try await database.withSession { db in
            var query = db.select().column("*").from(Self.table)
            if let listID { query = query.where("list_id", .equal, SQLBind(listID)) }
            return try await query.orderBy("scheduled_for_us", .descending).orderBy("id", .descending).limit(limit).all().map(Self.decode)
        }
    }

    static func decode(_ row: any SQLRow) throws -> DigestRun {
        func day(_ column: String) throws -> CivilDate {
            let text = try row.string(column)
            guard let date = CivilDate(text) else { throw StorageError.corruptRow(table: table, column: column, value: text) }
            return date
        }
        return DigestRun(
            id: try row.int64("id"), listID: try row.int64("list_id"), periodKind: try row.string("period_kind"),
            firstDay: try day("first_day"), lastDay: try day("last_day"),
            period: try row.instant("period_start_us")..<row.instant("period_end_us"), scheduledFor: try row.instant("scheduled_for_us"),
            trigger: try row.value("trigger", table: table), state: try row.value("state", table: table),
            claimedBy: try row.optionalString("claimed_by"), claimedUntil: try row.optionalInstant("claimed_until_us"),
            attempts: Int(try row.int64("attempts")), digest: try row.optionalString("digest"),
            cursor: try row.int64("cursor_subscription_id"), enqueued: try row.int64("enqueued"),
            lastError: try row.optionalString("last_error"), createdAt: try row.instant("created_at_us"),
            finishedAt: try row.optionalInstant("finished_at_us"))
    }
}
