import Domain

/// The span of time a digest reports on: whole local days in the list's time zone.
public struct ReportingPeriod: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, CaseIterable, Sendable, Codable, Hashable {
        case day, week, month, custom
    }

    public let kind: Kind
    /// First local day included.
    public let firstDay: CivilDate
    /// Last local day included.
    public let lastDay: CivilDate
    /// The same days as instants: from the first day's local midnight to the midnight after the last.
    public let range: Range<Instant>
    public let clock: LocalClock

    /// An explicit range of whole days, e.g. `2026-11-01..2026-11-15`.
    public init(from firstDay: CivilDate, through lastDay: CivilDate, clock: LocalClock) throws(DomainError) {
        guard firstDay <= lastDay else {
            throw .invalidField(field: "period", value: "\(firstDay)..\(lastDay)", expected: "a first day on or before the last day")
        }
        self.init(kind: .custom, firstDay: firstDay, lastDay: lastDay, clock: clock)
    }

    private init(kind: Kind, firstDay: CivilDate, lastDay: CivilDate, clock: LocalClock) {
        self.kind = kind
        self.firstDay = firstDay
        self.lastDay = lastDay
        self.clock = clock
        self.range = clock.instant(on: firstDay)..<clock.instant(on: lastDay.adding(days: 1))
    }

    /// The last complete day, ISO week (Monday to Sunday) or calendar month before `now`, in `clock`'s zone.
    public static func previous(_ kind: Kind, before now: Instant, clock: LocalClock) throws(DomainError) -> ReportingPeriod {
        let today = clock.localDate(of: now)
        switch kind {
        case .day:
            let day = today.adding(days: -1)
            return ReportingPeriod(kind: .day, firstDay: day, lastDay: day, clock: clock)
        case .week:
            let thisMonday = today.adding(days: -(today.weekday.rawValue - 1))
            return ReportingPeriod(kind: .week, firstDay: thisMonday.adding(days: -7), lastDay: thisMonday.adding(days: -1), clock: clock)
        case .month:
            let year = today.month == 1 ? today.year - 1 : today.year
            let month = today.month == 1 ? 12 : today.month - 1
            guard let first = CivilDate(year: year, month: month, day: 1),
                  let thisFirst = CivilDate(year: today.year, month: today.month, day: 1) else {
                throw .invalidField(field: "period", value: "\(today)", expected: "a representable date")
            }
            return ReportingPeriod(kind: .month, firstDay: first, lastDay: thisFirst.adding(days: -1), clock: clock)
        case .custom:
            throw .invalidField(field: "period", value: "custom", expected: "day, week or month (give a custom period as FIRST..LAST)")
        }
    }

    /// The period of the same kind and length just before this one, for "previous value and change" KPIs.
    public var preceding: ReportingPeriod {
        switch kind {
        case .month:
            let year = firstDay.month == 1 ? firstDay.year - 1 : firstDay.year
            let month = firstDay.month == 1 ? 12 : firstDay.month - 1
            // Day 1 of any month exists, so this never falls back.
            let first = CivilDate(year: year, month: month, day: 1) ?? firstDay.adding(days: -30)
            return ReportingPeriod(kind: .month, firstDay: first, lastDay: firstDay.adding(days: -1), clock: clock)
        case .day, .week, .custom:
            let length = lastDay.daysSinceEpoch - firstDay.daysSinceEpoch + 1
            return ReportingPeriod(kind: kind, firstDay: firstDay.adding(days: -length), lastDay: firstDay.adding(days: -1), clock: clock)
        }
    }

    /// The period of the same kind and length just after this one: the change calendar's look-ahead.
    public var following: ReportingPeriod {
        switch kind {
        case .month:
            let next = lastDay.adding(days: 1)
            let year = next.month == 12 ? next.year + 1 : next.year
            let month = next.month == 12 ? 1 : next.month + 1
            // Day 1 of any month exists, so this never falls back.
            let followingFirst = CivilDate(year: year, month: month, day: 1) ?? next.adding(days: 31)
            return ReportingPeriod(kind: .month, firstDay: next, lastDay: followingFirst.adding(days: -1), clock: clock)
        case .day, .week, .custom:
            let length = lastDay.daysSinceEpoch - firstDay.daysSinceEpoch + 1
            return ReportingPeriod(kind: kind, firstDay: lastDay.adding(days: 1), lastDay: lastDay.adding(days: length), clock: clock)
        }
    }

    public var description: String { firstDay == lastDay ? "\(firstDay)" : "\(firstDay)..\(lastDay)" }
}
