import Domain
import SQLKit

/// One SQL statement the digest runs, named for logs and for the benchmark that runs it bare.
public struct DigestQuery: Sendable {
    public let name: String
    public let sql: SQLQueryString
}

/// The SQL behind a digest, the same text on SQLite and PostgreSQL. Counting and grouping happen
/// here; medians, business-time figures and the records a digest names are computed in Swift from
/// the few rows the row queries return. Every range is half-open (start in, end out), every instant
/// microseconds UTC.
///
/// Definitions of what each figure means are in docs/KPIS.md.
public enum DigestQueries {
    static let openIncidentStates = "('new', 'assigned', 'in-progress', 'on-hold')"
    static let openRequestStates = "('new', 'approved', 'in-fulfilment')"
    static let day: Int64 = 86_400_000_000

    /// Every query a full digest runs, in the order the builder runs them, but for the pauses
    /// queries, which depend on the rows the incident query returns (`incidentPauses(held:)`).
    public static func all(_ scope: DigestScope) -> [DigestQuery] {
        [
            incidentFlow(scope), incidentBacklog(scope), majorIncidentFlow(scope), incidentCandidates(scope), busiestServices(scope),
            recurringCategories(scope), recurringCategoryFlow(scope), problemFlow(scope), requestFlow(scope), requestCandidates(scope),
            changeFlow(scope), changeList(scope), upcomingChanges(scope), awaitingApproval(scope), servicesByStatus(scope),
            serviceFlow(scope), services(), serviceEvents(),
        ]
    }

    // MARK: Incidents

    /// Per priority: opened and resolved in the period and in the previous one, and of those
    /// resolved, how many at first contact (never assigned, held or reopened) and how many reopened.
    static func incidentFlow(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id") + scope.priority("priority")
        func event(_ condition: String) -> SQLQueryString {
            "EXISTS (SELECT 1 FROM record_events ev WHERE ev.record_kind = 'incident' AND ev.record_id = i.id AND (\(unsafeRaw: condition)))"
        }
        let now: SQLQueryString = "i.resolved_at_us >= \(bind: scope.s)"
        let before: SQLQueryString = "i.resolved_at_us < \(bind: scope.s)"
        let touched = event("ev.to_state IN ('assigned', 'on-hold') OR ev.action = 'reopened'")
        let reopened = event("ev.action = 'reopened'")
        return DigestQuery(name: "incident flow", sql: """
            SELECT priority, SUM(opened_now) AS opened_now, SUM(opened_before) AS opened_before,
                SUM(resolved_now) AS resolved_now, SUM(resolved_before) AS resolved_before,
                SUM(first_contact_now) AS first_contact_now, SUM(first_contact_before) AS first_contact_before,
                SUM(reopened_now) AS reopened_now, SUM(reopened_before) AS reopened_before
            FROM (
                SELECT priority,
                    CASE WHEN opened_at_us >= \(bind: scope.s) THEN 1 ELSE 0 END AS opened_now,
                    CASE WHEN opened_at_us < \(bind: scope.s) THEN 1 ELSE 0 END AS opened_before,
                    0 AS resolved_now, 0 AS resolved_before, 0 AS first_contact_now, 0 AS first_contact_before,
                    0 AS reopened_now, 0 AS reopened_before
                FROM incidents WHERE opened_at_us >= \(bind: scope.ps) AND opened_at_us < \(bind: scope.e)\(filter)
                UNION ALL
                SELECT i.priority, 0, 0,
                    CASE WHEN \(now) THEN 1 ELSE 0 END,
                    CASE WHEN \(before) THEN 1 ELSE 0 END,
                    CASE WHEN \(now) AND NOT \(touched) THEN 1 ELSE 0 END,
                    CASE WHEN \(before) AND NOT \(touched) THEN 1 ELSE 0 END,
                    CASE WHEN \(now) AND \(reopened) THEN 1 ELSE 0 END,
                    CASE WHEN \(before) AND \(reopened) THEN 1 ELSE 0 END
                FROM incidents i
                WHERE i.resolved_at_us >= \(bind: scope.ps) AND i.resolved_at_us < \(bind: scope.e)\(scope.services("i.service_id") + scope.priority("i.priority"))
            ) flow
            GROUP BY priority ORDER BY priority
            """)
    }

    /// Per priority: open at the end of the period and at its start, and the age buckets of each.
    /// Open now (by state) or resolved since the period began covers everything open at either instant.
    static func incidentBacklog(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id") + scope.priority("priority")
        func open(at instant: Int64) -> SQLQueryString {
            "opened_at_us < \(bind: instant) AND (resolved_at_us IS NULL OR resolved_at_us >= \(bind: instant))"
        }
        func bucket(_ name: String, at instant: Int64, newerThanDays: Int64?, olderThanDays: Int64?) -> SQLQueryString {
            var condition = open(at: instant)
            if let newerThanDays { condition += " AND opened_at_us > \(bind: instant - newerThanDays * day)" }
            if let olderThanDays { condition += " AND opened_at_us <= \(bind: instant - olderThanDays * day)" }
            return "SUM(CASE WHEN \(condition) THEN 1 ELSE 0 END) AS \(unsafeRaw: name)"
        }
        var columns: [SQLQueryString] = []
        for (suffix, instant) in [("now", scope.e), ("before", scope.s)] {
            columns.append("SUM(CASE WHEN \(open(at: instant)) THEN 1 ELSE 0 END) AS open_\(unsafeRaw: suffix)")
            columns.append(bucket("age_0_2_\(suffix)", at: instant, newerThanDays: 3, olderThanDays: nil))
            columns.append(bucket("age_3_7_\(suffix)", at: instant, newerThanDays: 8, olderThanDays: 3))
            columns.append(bucket("age_8_30_\(suffix)", at: instant, newerThanDays: 31, olderThanDays: 8))
            columns.append(bucket("age_31_\(suffix)", at: instant, newerThanDays: nil, olderThanDays: 31))
        }
        return DigestQuery(name: "incident backlog", sql: """
            SELECT priority, \(columns.joined(separator: ", "))
            FROM (
                SELECT priority, opened_at_us, resolved_at_us FROM incidents
                WHERE state IN \(unsafeRaw: openIncidentStates)\(filter)
                UNION ALL
                SELECT priority, opened_at_us, resolved_at_us FROM incidents
                WHERE resolved_at_us >= \(bind: scope.s)\(filter)
            ) backlog
            GROUP BY priority ORDER BY priority
            """)
    }

    /// Major incidents open at any time during the period, and during the previous one. Open now
    /// (by state; an open incident has no resolution) or resolved since the previous period began
    /// covers every one; two index range scans, as in `incidentBacklog`.
    static func majorIncidentFlow(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id") + scope.priority("priority")
        return DigestQuery(name: "major incident flow", sql: """
            SELECT
                SUM(CASE WHEN opened_at_us < \(bind: scope.e) AND (resolved_at_us IS NULL OR resolved_at_us >= \(bind: scope.s))
                    THEN 1 ELSE 0 END) AS major_now,
                SUM(CASE WHEN opened_at_us < \(bind: scope.s) AND (resolved_at_us IS NULL OR resolved_at_us >= \(bind: scope.ps))
                    THEN 1 ELSE 0 END) AS major_before
            FROM (
                SELECT opened_at_us, resolved_at_us FROM incidents
                WHERE state IN \(unsafeRaw: openIncidentStates) AND is_major = TRUE\(filter)
                UNION ALL
                SELECT opened_at_us, resolved_at_us FROM incidents
                WHERE resolved_at_us >= \(bind: scope.ps) AND resolved_at_us < \(bind: Int64.max) AND is_major = TRUE\(filter)
            ) majors
            """)
    }

    /// The incidents the time-based figures need, one row each: responded or resolved since the
    /// previous period began, or open now. MTTA, MTTR, SLA compliance, breaches, availability, the
    /// major incidents named and the at-risk forecast are computed from these rows.
    static func incidentCandidates(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("i.service_id") + scope.priority("i.priority")
        // Three index range scans joined by UNION (an incident in two of them comes out once),
        // written out in full rather than as `id IN (...)`. Each range has an upper bound too:
        // without value statistics a planner guesses a one-sided range matches a quarter of the
        // table and scans it whole; a two-sided one it takes through the index.
        func part(_ condition: SQLQueryString) -> SQLQueryString {
            """
            SELECT i.id, i.title, i.priority, i.service_id, i.is_major, i.state, i.opened_at_us, i.first_response_at_us,
                i.resolved_at_us,
                CASE WHEN EXISTS (
                    SELECT 1 FROM record_events ev WHERE ev.record_kind = 'incident' AND ev.record_id = i.id AND ev.to_state = 'on-hold'
                ) THEN 1 ELSE 0 END AS held
            FROM incidents i
            WHERE \(condition)\(filter)
            """
        }
        return DigestQuery(name: "incident rows", sql: """
            \(part("i.resolved_at_us >= \(bind: scope.ps) AND i.resolved_at_us < \(bind: Int64.max)"))
            UNION
            \(part("i.first_response_at_us >= \(bind: scope.ps) AND i.first_response_at_us < \(bind: Int64.max)"))
            UNION
            \(part("i.state IN \(unsafeRaw: openIncidentStates)"))
            ORDER BY 1
            """)
    }

    /// How many incidents one pauses query asks about.
    public static let pausesChunk = 500

    /// Entries into and out of on-hold of the given incidents (those the rows query marked as held
    /// at some time), in order: the SLA clock's pauses. One query per `pausesChunk` incidents.
    public static func incidentPauses(held ids: [Int64]) -> [DigestQuery] {
        stride(from: 0, to: ids.count, by: pausesChunk).map { start in
            let chunk = ids[start..<min(start + pausesChunk, ids.count)].map { $0 as any Encodable & Sendable }
            return DigestQuery(name: "incident pauses", sql: """
                SELECT record_id, id, at_us, from_state, to_state FROM record_events
                WHERE record_kind = 'incident' AND record_id IN (\(binds: Array(chunk)))
                    AND (to_state = 'on-hold' OR from_state = 'on-hold')
                ORDER BY record_id, id
                """)
        }
    }

    /// The five services with the most incidents opened in the period, with the previous period's count.
    static func busiestServices(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id") + scope.priority("priority")
        return DigestQuery(name: "busiest services", sql: """
            SELECT service_id,
                SUM(CASE WHEN opened_at_us >= \(bind: scope.s) THEN 1 ELSE 0 END) AS opened_now,
                SUM(CASE WHEN opened_at_us < \(bind: scope.s) THEN 1 ELSE 0 END) AS opened_before
            FROM incidents
            WHERE opened_at_us >= \(bind: scope.ps) AND opened_at_us < \(bind: scope.e) AND service_id IS NOT NULL\(filter)
            GROUP BY service_id
            HAVING SUM(CASE WHEN opened_at_us >= \(bind: scope.s) THEN 1 ELSE 0 END) > 0
            ORDER BY opened_now DESC, service_id
            LIMIT 5
            """)
    }

    /// Categories with three or more incidents opened in the period for one service, none linked to a problem.
    static func recurringCategories(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id") + scope.priority("priority")
        return DigestQuery(name: "recurring categories", sql: """
            SELECT category, service_id, COUNT(*) AS incidents
            FROM incidents
            WHERE opened_at_us >= \(bind: scope.s) AND opened_at_us < \(bind: scope.e) AND category IS NOT NULL\(filter)
            GROUP BY category, service_id
            HAVING COUNT(*) >= 3 AND MAX(problem_id) IS NULL
            ORDER BY incidents DESC, category, service_id
            """)
    }

    /// How many category and service pairs qualify as recurring without a problem (as in
    /// `recurringCategories`) in the period and in the previous one. Problem links are as they
    /// stand now, for both periods: the link has no history.
    static func recurringCategoryFlow(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id") + scope.priority("priority")
        return DigestQuery(name: "recurring category flow", sql: """
            SELECT
                SUM(CASE WHEN opened_now >= 3 AND linked_now = 0 THEN 1 ELSE 0 END) AS recurring_now,
                SUM(CASE WHEN opened_before >= 3 AND linked_before = 0 THEN 1 ELSE 0 END) AS recurring_before
            FROM (
                SELECT category, service_id,
                    SUM(CASE WHEN opened_at_us >= \(bind: scope.s) THEN 1 ELSE 0 END) AS opened_now,
                    SUM(CASE WHEN opened_at_us < \(bind: scope.s) THEN 1 ELSE 0 END) AS opened_before,
                    SUM(CASE WHEN opened_at_us >= \(bind: scope.s) AND problem_id IS NOT NULL THEN 1 ELSE 0 END) AS linked_now,
                    SUM(CASE WHEN opened_at_us < \(bind: scope.s) AND problem_id IS NOT NULL THEN 1 ELSE 0 END) AS linked_before
                FROM incidents
                WHERE opened_at_us >= \(bind: scope.ps) AND opened_at_us < \(bind: scope.e) AND category IS NOT NULL\(filter)
                GROUP BY category, service_id
            ) categories
            """)
    }

    // MARK: Problems and requests

    /// Problems opened, turned known error, and resolved, in the period and the previous one.
    static func problemFlow(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id")
        func part(_ what: String, _ column: String) -> SQLQueryString {
            """
            SELECT '\(unsafeRaw: what)' AS what, \(unsafeRaw: column) AS at_us FROM problems
            WHERE \(unsafeRaw: column) >= \(bind: scope.ps) AND \(unsafeRaw: column) < \(bind: scope.e)\(filter)
            """
        }
        return DigestQuery(name: "problem flow", sql: """
            SELECT what,
                SUM(CASE WHEN at_us >= \(bind: scope.s) THEN 1 ELSE 0 END) AS now,
                SUM(CASE WHEN at_us < \(bind: scope.s) THEN 1 ELSE 0 END) AS before
            FROM (
                \(part("opened", "opened_at_us"))
                UNION ALL
                \(part("known-error", "known_error_at_us"))
                UNION ALL
                \(part("resolved", "resolved_at_us"))
            ) flow
            GROUP BY what
            """)
    }

    /// Requests fulfilled in the period and in the previous one (a request has a fulfilment instant
    /// only while it is fulfilled or closed).
    static func requestFlow(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id") + scope.priority("priority")
        return DigestQuery(name: "request flow", sql: """
            SELECT
                SUM(CASE WHEN fulfilled_at_us >= \(bind: scope.s) THEN 1 ELSE 0 END) AS fulfilled_now,
                SUM(CASE WHEN fulfilled_at_us < \(bind: scope.s) THEN 1 ELSE 0 END) AS fulfilled_before
            FROM requests
            WHERE fulfilled_at_us >= \(bind: scope.ps) AND fulfilled_at_us < \(bind: scope.e)\(filter)
            """)
    }

    /// Requests fulfilled since the previous period began (for the within-target share), and those
    /// open now (for the at-risk forecast).
    static func requestCandidates(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id") + scope.priority("priority")
        return DigestQuery(name: "request rows", sql: """
            SELECT id, title, priority, service_id, state, opened_at_us, fulfilled_at_us FROM requests
            WHERE fulfilled_at_us >= \(bind: scope.ps) AND fulfilled_at_us < \(bind: scope.e)\(filter)
            UNION ALL
            SELECT id, title, priority, service_id, state, opened_at_us, fulfilled_at_us FROM requests
            WHERE state IN \(unsafeRaw: openRequestStates)\(filter)
            ORDER BY id
            """)
    }

    // MARK: Changes

    /// Changes implemented in the period and the previous one: counts by outcome (any, successful,
    /// failed, backed out) and type, and those linked to incidents.
    static func changeFlow(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("c.service_id")
        func counts(_ suffix: String, _ condition: SQLQueryString) -> SQLQueryString {
            """
            SUM(CASE WHEN \(condition) THEN 1 ELSE 0 END) AS implemented_\(unsafeRaw: suffix),
            SUM(CASE WHEN \(condition) AND c.outcome IS NOT NULL THEN 1 ELSE 0 END) AS with_outcome_\(unsafeRaw: suffix),
            SUM(CASE WHEN \(condition) AND c.outcome = 'successful' THEN 1 ELSE 0 END) AS successful_\(unsafeRaw: suffix),
            SUM(CASE WHEN \(condition) AND c.outcome = 'failed' THEN 1 ELSE 0 END) AS failed_\(unsafeRaw: suffix),
            SUM(CASE WHEN \(condition) AND c.outcome = 'backed-out' THEN 1 ELSE 0 END) AS backed_out_\(unsafeRaw: suffix),
            SUM(CASE WHEN \(condition) AND c.type = 'emergency' THEN 1 ELSE 0 END) AS emergency_\(unsafeRaw: suffix),
            SUM(CASE WHEN \(condition) AND EXISTS (SELECT 1 FROM change_incidents ci WHERE ci.change_id = c.id) THEN 1 ELSE 0 END) AS linked_\(unsafeRaw: suffix)
            """
        }
        return DigestQuery(name: "change flow", sql: """
            SELECT \(counts("now", "c.implemented_at_us >= \(bind: scope.s)")),
                \(counts("before", "c.implemented_at_us < \(bind: scope.s)"))
            FROM changes c
            WHERE c.implemented_at_us >= \(bind: scope.ps) AND c.implemented_at_us < \(bind: scope.e)\(filter)
            """)
    }

    /// Implemented changes one row each (lead times and the failed and backed-out lists).
    static func changeList(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id")
        return DigestQuery(name: "change rows", sql: """
            SELECT id, title, service_id, outcome, requested_at_us, implemented_at_us FROM changes
            WHERE implemented_at_us >= \(bind: scope.ps) AND implemented_at_us < \(bind: scope.e)\(filter)
            ORDER BY implemented_at_us, id
            """)
    }

    /// Planned changes whose window overlaps the next period, for the change calendar.
    /// Every window overlapping it is returned (collisions may start earlier); the builder lists
    /// those starting in it.
    static func upcomingChanges(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("service_id")
        return DigestQuery(name: "upcoming changes", sql: """
            SELECT id, title, service_id, state, window_start_us, window_end_us FROM changes
            WHERE window_end_us > \(bind: scope.next.lowerBound.microsecondsSinceEpoch)
                AND window_start_us < \(bind: scope.next.upperBound.microsecondsSinceEpoch)
                AND state IN ('new', 'awaiting-approval', 'authorised', 'scheduled')\(filter)
            ORDER BY window_start_us, id
            """)
    }

    static func awaitingApproval(_ scope: DigestScope) -> DigestQuery {
        DigestQuery(name: "awaiting approval", sql: """
            SELECT id, title, service_id, requested_at_us FROM changes
            WHERE state = 'awaiting-approval'\(scope.services("service_id"))
            ORDER BY requested_at_us, id
            """)
    }

    // MARK: Services

    /// Services per portfolio status at the period's end and at its start, by the status trail: the
    /// state the last event before the instant moved the service into (its `created` event names
    /// the first). Services created at or after the instant are not counted for it.
    static func servicesByStatus(_ scope: DigestScope) -> DigestQuery {
        let filter = scope.services("s.id")
        func status(at instant: Int64) -> SQLQueryString {
            """
            COALESCE((
                SELECT ev.to_state FROM record_events ev
                WHERE ev.record_kind = 'service' AND ev.record_id = s.id AND ev.at_us < \(bind: instant) AND ev.to_state IS NOT NULL
                ORDER BY ev.id DESC LIMIT 1
            ), s.status)
            """
        }
        return DigestQuery(name: "services by status", sql: """
            SELECT status, SUM(now) AS now, SUM(before) AS before
            FROM (
                SELECT \(status(at: scope.e)) AS status, 1 AS now, 0 AS before
                FROM services s WHERE s.created_at_us < \(bind: scope.e)\(filter)
                UNION ALL
                SELECT \(status(at: scope.s)), 0, 1
                FROM services s WHERE s.created_at_us < \(bind: scope.s)\(filter)
            ) statuses
            GROUP BY status
            """)
    }

    /// Catalog changes (every event of a service: added, moved, details updated) and portfolio
    /// status moves, in the period and the previous one.
    static func serviceFlow(_ scope: DigestScope) -> DigestQuery {
        DigestQuery(name: "service flow", sql: """
            SELECT
                SUM(CASE WHEN at_us >= \(bind: scope.s) THEN 1 ELSE 0 END) AS changed_now,
                SUM(CASE WHEN at_us < \(bind: scope.s) THEN 1 ELSE 0 END) AS changed_before,
                SUM(CASE WHEN at_us >= \(bind: scope.s) AND action = 'transitioned' THEN 1 ELSE 0 END) AS moved_now,
                SUM(CASE WHEN at_us < \(bind: scope.s) AND action = 'transitioned' THEN 1 ELSE 0 END) AS moved_before
            FROM record_events
            WHERE record_kind = 'service' AND at_us >= \(bind: scope.ps) AND at_us < \(bind: scope.e)\(scope.services("record_id"))
            """)
    }

    /// Every service, for names, the standing registers (no owner, no SLA) and the SLA clocks.
    static func services() -> DigestQuery {
        DigestQuery(name: "services", sql: "SELECT id, name, owner, status, sla_id, created_at_us FROM services ORDER BY name")
    }

    /// Every service's trail, for the moves and catalog changes a digest names.
    static func serviceEvents() -> DigestQuery {
        DigestQuery(name: "service events", sql: """
            SELECT record_id, at_us, action, from_state, to_state FROM record_events
            WHERE record_kind = 'service' ORDER BY record_id, id
            """)
    }
}
