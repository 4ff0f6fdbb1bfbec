import Foundation

/// A day without working hours whatever its weekday, e.g. `2026-12-25 Christmas Day`.
public struct Holiday: Hashable, Sendable, Codable {
    public var date: CivilDate
    public var name: String

    public init(date: CivilDate, name: String) {
        self.date = date
        self.name = name
    }
}

/// When a service desk works: weekly hours on the wall clock of one IANA time zone, minus
/// holidays. SLA clocks count only the time this calendar calls working time.
///
/// Wall-clock times become instants through `instant(on:minuteOfDay:)`, so a working day keeps
/// its local hours across daylight saving changes: 09:00-17:00 is 8 h on every day, while
/// 00:00-24:00 is 23 h on a spring-forward day and 25 h on a fall-back day.
public struct BusinessCalendar: Hashable, Sendable, Codable {
    public var id: Int64?
    public let name: String
    public let timeZoneIdentifier: String
    /// Sorted, non-overlapping intervals per weekday; days without work are absent.
    public let weeklyHours: [Weekday: [WorkingInterval]]
    /// Sorted by date.
    public let holidays: [Holiday]
    /// The calendar's wall clock: local dates and the instants of local times.
    public let clock: LocalClock

    /// How far `deadline(from:adding:pauses:)` looks before deciding the target is unreachable.
    static let searchHorizonDays = 3660

    /// Validates and normalises a calendar; intervals come back sorted per day.
    public init(
        id: Int64? = nil,
        name: String,
        timeZoneIdentifier: String,
        weeklyHours: [Weekday: [WorkingInterval]],
        holidays: [Holiday] = []
    ) throws(DomainError) {
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedName.isEmpty else {
            throw .invalidField(field: "name", value: name, expected: "a non-empty calendar name")
        }
        let clock = try LocalClock(timeZoneIdentifier: timeZoneIdentifier)
        var normalised: [Weekday: [WorkingInterval]] = [:]
        for day in Weekday.allCases {
            let intervals = (weeklyHours[day] ?? []).sorted()
            guard !intervals.isEmpty else { continue }
            for (earlier, later) in zip(intervals, intervals.dropFirst()) where earlier.overlaps(later) {
                throw .invalidField(
                    field: "weeklyHours.\(day.shortName)",
                    value: "\(earlier), \(later)",
                    expected: "working intervals on one day that do not overlap"
                )
            }
            normalised[day] = intervals
        }
        guard !normalised.isEmpty else {
            throw .invalidField(
                field: "weeklyHours", value: "no intervals", expected: "at least one working interval in the week"
            )
        }
        self.id = id
        self.name = trimmedName
        self.timeZoneIdentifier = timeZoneIdentifier
        self.weeklyHours = normalised
        self.holidays = holidays.sorted { $0.date < $1.date }
        self.clock = clock
    }

    /// A calendar that works every minute of every day (no holidays), for 24x7 services.
    public static func twentyFourSeven(name: String, timeZoneIdentifier: String) throws(DomainError) -> BusinessCalendar {
        let everyDay = Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, [WorkingInterval.wholeDay]) })
        return try BusinessCalendar(name: name, timeZoneIdentifier: timeZoneIdentifier, weeklyHours: everyDay)
    }

    // MARK: Local time

    /// The date on the calendar's wall clock at `instant`.
    public func localDate(of instant: Instant) -> CivilDate { clock.localDate(of: instant) }

    /// The minute of day (0..<1440) on the calendar's wall clock at `instant`.
    public func localMinuteOfDay(of instant: Instant) -> Int { clock.minuteOfDay(of: instant) }

    /// The instant at which the calendar's wall clock shows `minuteOfDay` on `date`.
    ///
    /// - A wall time the clock skips (spring forward) resolves to the instant the gap ends, the
    ///   first valid time after it: Berlin 2026-03-29 02:30 -> 03:00 CEST = 01:00Z.
    /// - A wall time the clock shows twice (fall back) resolves to its first occurrence:
    ///   New York 2026-11-01 01:30 -> 01:30 EDT = 05:30Z.
    /// - `minuteOfDay` 1440 is midnight at the start of the next day; other values outside
    ///   0...1440 roll over into neighbouring days the same way.
    ///
    /// Wall time to instant is therefore non-decreasing, so an interval never maps to a
    /// negative span; one lying wholly inside a gap maps to an empty one.
    public func instant(on date: CivilDate, minuteOfDay: Int) -> Instant { clock.instant(on: date, minuteOfDay: minuteOfDay) }

    public func isHoliday(_ date: CivilDate) -> Bool {
        holidays.contains { $0.date == date }
    }

    /// The working intervals of `date` as instants, in order; empty on holidays and days off.
    public func workingIntervals(on date: CivilDate) -> [Range<Instant>] {
        guard !isHoliday(date) else { return [] }
        return (weeklyHours[date.weekday] ?? []).compactMap { interval in
            let lower = instant(on: date, minuteOfDay: interval.start)
            let upper = instant(on: date, minuteOfDay: interval.end)
            return lower < upper ? lower..<upper : nil
        }
    }

    // MARK: Business time

    /// Working time in `[start, end)` not covered by any pause; zero when `end <= start`.
    /// Pauses may overlap each other and reach outside `[start, end)`.
    public func businessTime(from start: Instant, to end: Instant, pauses: [Range<Instant>] = []) -> Duration {
        guard start < end else { return .zero }
        var total: Int64 = 0
        // One day beyond `end`'s: after a fall-back across midnight, `end` can read the previous
        // day on the wall clock while the next day's first interval has already begun.
        let lastDay = localDate(of: end).adding(days: 1)
        _ = forEachUnpausedSpan(from: start, through: lastDay, pauses: Self.merged(pauses)) { span in
            guard span.lowerBound < end else { return false }
            total += min(span.upperBound, end).microsecondsSinceEpoch - span.lowerBound.microsecondsSinceEpoch
            return true
        }
        return .microseconds(total)
    }

    /// The earliest instant at which `businessTime(from: start, to: it, pauses:)` reaches
    /// `target`: exactly an interval's end when the target runs out there, never the start of
    /// the next one. A zero or negative target returns `start`. Pauses are taken as given, so
    /// an ongoing pause should end at "now" (the deadline moves on as the pause continues).
    public func deadline(
        from start: Instant, adding target: Duration, pauses: [Range<Instant>] = []
    ) throws(DomainError) -> Instant {
        var remaining = target.microseconds
        guard remaining > 0 else { return start }
        var found: Instant?
        let lastDay = localDate(of: start).adding(days: Self.searchHorizonDays)
        _ = forEachUnpausedSpan(from: start, through: lastDay, pauses: Self.merged(pauses)) { span in
            let length = span.upperBound.microsecondsSinceEpoch - span.lowerBound.microsecondsSinceEpoch
            if length >= remaining {
                found = span.lowerBound + .microseconds(remaining)
                return false
            }
            remaining -= length
            return true
        }
        guard let found else {
            throw .ruleViolated(record: "calendar \(name)", rule: "no working time within 10 years of \(start)")
        }
        return found
    }

    /// Calls `body` with each span of unpaused working time at or after `start`, in order, for
    /// local days up to `lastDay`, until `body` returns false. Returns whether it stopped early.
    /// `pauses` must be sorted and disjoint (see `merged`).
    private func forEachUnpausedSpan(
        from start: Instant, through lastDay: CivilDate, pauses: [Range<Instant>],
        _ body: (Range<Instant>) -> Bool
    ) -> Bool {
        var pauseIndex = 0
        // No earlier day can matter: a day's intervals end by `instant(on: next day, minuteOfDay: 0)`,
        // the first instant whose wall time reaches the next day, which is never after `start`.
        let firstDay = localDate(of: start).daysSinceEpoch
        guard firstDay <= lastDay.daysSinceEpoch else { return false }
        for dayNumber in firstDay...lastDay.daysSinceEpoch {
            for working in workingIntervals(on: CivilDate(daysSinceEpoch: dayNumber)) where working.upperBound > start {
                let lower = max(working.lowerBound, start)
                let upper = working.upperBound
                while pauseIndex < pauses.count, pauses[pauseIndex].upperBound <= lower { pauseIndex += 1 }
                var cursor = lower
                while pauseIndex < pauses.count, pauses[pauseIndex].lowerBound < upper {
                    let pause = pauses[pauseIndex]
                    if pause.lowerBound > cursor, !body(cursor..<pause.lowerBound) { return true }
                    cursor = max(cursor, pause.upperBound)
                    // A pause running past this interval may cover the next one too: keep it.
                    if pause.upperBound >= upper { break }
                    pauseIndex += 1
                }
                if cursor < upper, !body(cursor..<upper) { return true }
            }
        }
        return false
    }

    /// Pauses sorted by start with overlapping or touching ones joined; empty ones dropped.
    static func merged(_ pauses: [Range<Instant>]) -> [Range<Instant>] {
        var result: [Range<Instant>] = []
        for pause in pauses.sorted(by: { $0.lowerBound < $1.lowerBound }) where !pause.isEmpty {
            if let last = result.last, pause.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, pause.upperBound)
            } else {
                result.append(pause)
            }
        }
        return result
    }

    // MARK: Codable
    // {"id":1,"name":"Office","timeZone":"Europe/Berlin","weeklyHours":{"mon":["09:00-17:00"]},
    //  "holidays":[{"date":"2026-12-25","name":"Christmas Day"}]}; decoding validates like init.

    private enum CodingKeys: String, CodingKey {
        case id, name, timeZone, weeklyHours, holidays
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var hours: [Weekday: [WorkingInterval]] = [:]
        for (key, intervals) in try container.decode([String: [WorkingInterval]].self, forKey: .weeklyHours) {
            guard let day = Weekday(name: key) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .weeklyHours, in: container,
                    debugDescription: "unknown weekday '\(key)'; expected mon, tue, wed, thu, fri, sat or sun"
                )
            }
            hours[day, default: []] += intervals
        }
        let id = try container.decodeIfPresent(Int64.self, forKey: .id)
        let name = try container.decode(String.self, forKey: .name)
        let zone = try container.decode(String.self, forKey: .timeZone)
        let holidays = try container.decodeIfPresent([Holiday].self, forKey: .holidays) ?? []
        do throws(DomainError) {
            self = try BusinessCalendar(
                id: id, name: name, timeZoneIdentifier: zone, weeklyHours: hours, holidays: holidays
            )
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error)
            )
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(timeZoneIdentifier, forKey: .timeZone)
        let hours = Dictionary(uniqueKeysWithValues: weeklyHours.map { ($0.key.shortName, $0.value) })
        try container.encode(hours, forKey: .weeklyHours)
        try container.encode(holidays, forKey: .holidays)
    }
}
