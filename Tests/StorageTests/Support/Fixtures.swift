import Domain
import Storage
import Testing

/// 2026-03-02T09:00:00Z, a Monday morning: when the records in these tests are opened.
let t0 = Instant(secondsSinceEpoch: 1_772_442_000)

/// `minutes` after `t0`.
func m(_ minutes: Int64) -> Instant { t0 + .minutes(minutes) }

/// `days` after `t0`.
func d(_ days: Int64) -> Instant { t0 + .days(days) }

/// 2026-03-01T00:00:00Z and 2026-04-01T00:00:00Z: March 2026, the period the period queries ask about.
let march = Instant(secondsSinceEpoch: 1_772_323_200)..<Instant(secondsSinceEpoch: 1_775_001_600)

/// One microsecond before `instant`.
func justBefore(_ instant: Instant) -> Instant { after(instant, microseconds: -1) }

extension Store {
    /// A service in the catalog, for records that point at one; returns its id.
    func makeService(_ name: String = "Mail") async throws -> Int64 {
        try #require(try await services.create(Service(name: name, at: t0, by: "alice")).id)
    }

    /// A business-hours calendar, for SLAs that point at one; returns its id.
    func makeCalendar(_ name: String = "Office hours") async throws -> Int64 {
        let calendar = try BusinessCalendar(
            name: name, timeZoneIdentifier: "Europe/Berlin",
            weeklyHours: [.monday: [try WorkingInterval(parsing: "09:00-17:00")]]
        )
        return try #require(try await calendars.create(calendar).id)
    }

    /// A new incident opened at `at`; returns it as stored.
    func openIncident(_ title: String, at: Instant, serviceID: Int64? = nil) async throws -> Incident {
        try await incidents.create(Incident(title: title, impact: .medium, urgency: .medium, serviceID: serviceID, at: at, by: "alice"))
    }
}

/// Shorthand for an expected audit-trail entry (the database id is not part of what a test writes down).
func event<S: RecordState>(
    _ at: Instant, _ actor: String, _ action: EventAction, from: S? = nil, to: S? = nil, detail: String? = nil
) -> RecordEvent<S> {
    RecordEvent(at: at, actor: actor, action: action, from: from, to: to, detail: detail)
}

/// Whether `ids` are all present and strictly increasing (the trail's storage order).
func areAscending(_ ids: [Int64?]) -> Bool {
    let present = ids.compactMap { $0 }
    return present.count == ids.count && zip(present, present.dropFirst()).allSatisfy { $0 < $1 }
}
