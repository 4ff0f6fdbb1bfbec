import Domain
import Storage

/// A service's SLA as the generator uses it: the calendar's working time and the targets.
struct ServiceLevel: Sendable {
    struct Target: Sendable {
        /// Business microseconds.
        let response: Int64
        let resolution: Int64
    }

    /// Nil for services without an SLA (their incidents are still timed on a calendar).
    let slaID: Int64?
    let name: String
    let time: WorkingTime
    let targets: [Priority: Target]
    /// Targets used for timing where the SLA has none for a priority.
    let fallback: [Priority: Target]

    func target(_ priority: Priority) -> Target { targets[priority] ?? fallback[priority]! }
}

/// The business calendars and SLAs, created through the Storage repositories (few rows).
struct ServiceLevels: Sendable {
    let gold24x7: ServiceLevel
    let gold: ServiceLevel
    let silverBerlin: ServiceLevel
    let silverNewYork: ServiceLevel
    let bronzeBerlin: ServiceLevel
    let basicNewYork: ServiceLevel
    /// For services without an SLA and incidents without a service: Berlin office hours.
    let none: ServiceLevel
    let calendars: [BusinessCalendar]

    static func create(in store: Store, plan: DatasetPlan) async throws -> ServiceLevels {
        let years = (plan.startDay.year - 1)...(plan.endDay.year + 1)
        let german = years.flatMap(PublicHolidays.germany)
        let american = years.flatMap(PublicHolidays.unitedStates)
        func hours(_ days: [Weekday], _ intervals: [String]) throws -> [Weekday: [WorkingInterval]] {
            let parsed = try intervals.map { try WorkingInterval(parsing: $0) }
            return Dictionary(uniqueKeysWithValues: days.map { ($0, parsed) })
        }
        let weekdays: [Weekday] = [.monday, .tuesday, .wednesday, .thursday, .friday]
        var extended = try hours(weekdays, ["07:00-20:00"])
        extended[.saturday] = [try WorkingInterval(parsing: "08:00-14:00")]

        let berlin = try await store.calendars.create(BusinessCalendar(
            name: "Berlin office hours", timeZoneIdentifier: "Europe/Berlin",
            weeklyHours: try hours(weekdays, ["08:00-12:00", "13:00-17:00"]), holidays: german
        ))
        let newYork = try await store.calendars.create(BusinessCalendar(
            name: "New York office hours", timeZoneIdentifier: "America/New_York",
            weeklyHours: try hours(weekdays, ["09:00-17:00"]), holidays: american
        ))
        let berlinExtended = try await store.calendars.create(BusinessCalendar(
            name: "Berlin extended hours", timeZoneIdentifier: "Europe/Berlin", weeklyHours: extended, holidays: german
        ))
        let always = try await store.calendars.create(BusinessCalendar.twentyFourSeven(name: "Around the clock", timeZoneIdentifier: "Europe/Berlin"))

        // Working time a little beyond both ends: resolutions planned after `end` are cut off anyway.
        let first = plan.startDay.adding(days: -3)
        let last = plan.endDay.adding(days: 90)
        let times = [berlin, newYork, berlinExtended, always].map { WorkingTime(calendar: $0, from: first, through: last) }

        typealias Minutes = (response: Int64, resolution: Int64)
        func target(_ minutes: Minutes) -> ServiceLevel.Target {
            ServiceLevel.Target(response: minutes.response * .minute, resolution: minutes.resolution * .minute)
        }
        let silverTargets: [Priority: Minutes] = [.p1: (30, 240), .p2: (60, 480), .p3: (240, 1440), .p4: (480, 2400)]
        let fallback = silverTargets.mapValues(target)
        func sla(_ name: String, _ time: WorkingTime, warning: Double, _ targets: [Priority: Minutes]) async throws -> ServiceLevel {
            let domainTargets = try targets.mapValues { try SLATarget(response: .minutes($0.response), resolution: .minutes($0.resolution)) }
            let stored = try await store.slas.create(ServiceLevelAgreement(
                name: name, calendarID: time.calendar.id!, targets: domainTargets, warningThreshold: warning
            ))
            return ServiceLevel(slaID: stored.id, name: name, time: time, targets: targets.mapValues(target), fallback: fallback)
        }

        return ServiceLevels(
            gold24x7: try await sla("Gold 24x7", times[3], warning: 0.75, [.p1: (15, 240), .p2: (30, 480), .p3: (60, 1440), .p4: (240, 4320)]),
            gold: try await sla("Gold", times[2], warning: 0.75, [.p1: (15, 240), .p2: (30, 480), .p3: (120, 1440), .p4: (240, 2400)]),
            silverBerlin: try await sla("Silver Berlin", times[0], warning: 0.8, silverTargets),
            silverNewYork: try await sla("Silver New York", times[1], warning: 0.8, silverTargets),
            bronzeBerlin: try await sla("Bronze Berlin", times[0], warning: 0.8, [.p1: (60, 480), .p2: (120, 960), .p3: (480, 2400), .p4: (960, 4800)]),
            // No P4 target: best effort, as some contracts say.
            basicNewYork: try await sla("Basic New York", times[1], warning: 0.9, [.p1: (60, 480), .p2: (240, 1440), .p3: (480, 2880)]),
            none: ServiceLevel(slaID: nil, name: "none", time: times[0], targets: [:], fallback: fallback),
            calendars: [berlin, newYork, berlinExtended, always]
        )
    }
}
