import Foundation

/// When a list's digest goes out: a preset (`daily 07:30`, `weekly MON 08:00`, `monthly 1 08:00`)
/// or a five-field cron expression (`minute hour day-of-month month day-of-week`), read on the wall
/// clock of the list's time zone.
///
/// Clock changes: a time the clock skips (02:30 on a spring-forward night) runs once, when the
/// clock jumps (03:00); a time it shows twice (02:30 on a fall-back night) runs once, at its first
/// occurrence. Several times falling into one skipped hour run once together.
public struct DigestSchedule: Hashable, Sendable, CustomStringConvertible {
    /// The reporting period each run covers: the day, week or month before the run.
    public let period: PeriodKind
    /// The text as given (trimmed).
    public let text: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    /// ISO weekdays, 1 = Monday ... 7 = Sunday.
    let weekdays: Set<Int>
    /// Vixie cron: when both day fields are restricted, a day matching either runs.
    let eitherDay: Bool
    /// `monthly 31`: in shorter months, run on the last day instead of skipping the month.
    let clampToMonthEnd: Bool

    public enum PeriodKind: String, Sendable, Hashable, Codable {
        case day, week, month
    }

    public var description: String { text }

    /// Parses a schedule; a rejection names the field `schedule` and says what is wrong.
    public init(parsing raw: String) throws(DomainError) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        func reject(_ reason: String) -> DomainError { .invalidField(field: "schedule", value: raw, expected: reason) }
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = words.first else {
            throw reject("a preset such as 'weekly MON 08:00' or a cron expression such as '0 8 * * 1'")
        }
        let normalized = words.joined(separator: " ")
        switch first.lowercased() {
        case "daily":
            guard words.count <= 2 else { throw reject("'daily HH:MM', e.g. 'daily 07:30'") }
            let (hour, minute) = try Self.time(words.count == 2 ? words[1] : "08:00", raw: raw)
            self.init(text: normalized, period: .day, minutes: [minute], hours: [hour])
        case "weekly":
            guard words.count == 1 || words.count == 3 else { throw reject("'weekly DAY HH:MM', e.g. 'weekly MON 08:00'") }
            let day = words.count == 3 ? words[1] : "MON"
            let fullNames = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
            guard let weekday = Weekday(name: day), day.count == 3 || fullNames.contains(day.lowercased()) else {
                throw reject("a weekday (MON, TUE, WED, THU, FRI, SAT or SUN) after 'weekly', got '\(day)'")
            }
            let (hour, minute) = try Self.time(words.count == 3 ? words[2] : "08:00", raw: raw)
            self.init(text: normalized, period: .week, minutes: [minute], hours: [hour], weekdays: [weekday.rawValue])
        case "monthly":
            guard words.count == 1 || words.count == 3 else { throw reject("'monthly DAY HH:MM', e.g. 'monthly 1 08:00'") }
            let dayText = words.count == 3 ? words[1] : "1"
            guard let day = Int(dayText), (1...31).contains(day) else {
                throw reject("a day of the month from 1 to 31 after 'monthly', got '\(dayText)'")
            }
            let (hour, minute) = try Self.time(words.count == 3 ? words[2] : "08:00", raw: raw)
            self.init(text: normalized, period: .month, minutes: [minute], hours: [hour], daysOfMonth: [day], clamp: true)
        default:
            guard words.count == 5 else {
                throw reject("a preset (daily, weekly, monthly) or five cron fields 'minute hour day month weekday', got \(words.count) field\(words.count == 1 ? "" : "s")")
            }
            let minutes = try CronField.parse(words[0], name: "minute", range: 0...59, raw: raw)
            let hours = try CronField.parse(words[1], name: "hour", range: 0...23, raw: raw)
            let days = try CronField.parse(words[2], name: "day of month", range: 1...31, raw: raw)
            let months = try CronField.parse(words[3], name: "month", range: 1...12, names: CronField.monthNames, raw: raw)
            // Cron's weekdays are 0-7 with 0 and 7 both Sunday; kept here as ISO 1-7.
            let weekdays = try CronField.parse(words[4], name: "day of week", range: 0...7, names: CronField.weekdayNames, raw: raw)
            let isoWeekdays = Set(weekdays.values.map { $0 == 0 ? 7 : $0 })
            let period: PeriodKind = if !days.isWildcard, weekdays.isWildcard {
                .month
            } else if days.isWildcard, !weekdays.isWildcard, isoWeekdays.count == 1 {
                .week
            } else {
                .day
            }
            self.init(
                text: normalized, period: period, minutes: minutes.values, hours: hours.values, daysOfMonth: days.values,
                months: months.values, weekdays: isoWeekdays, eitherDay: !days.isWildcard && !weekdays.isWildcard)
            // A date that never exists (30 February) would never run: refuse it now rather than stay silent.
            guard months.values.contains(where: { month in days.values.contains { $0 <= Self.longestMonth[month - 1] } }) || eitherDay else {
                throw reject("a day of month that exists in the chosen months")
            }
        }
    }

    private init(
        text: String, period: PeriodKind, minutes: Set<Int>, hours: Set<Int>, daysOfMonth: Set<Int> = Set(1...31),
        months: Set<Int> = Set(1...12), weekdays: Set<Int> = Set(1...7), eitherDay: Bool = false, clamp: Bool = false
    ) {
        self.text = text
        self.period = period
        self.minutes = minutes
        self.hours = hours
        self.daysOfMonth = daysOfMonth
        self.months = months
        self.weekdays = weekdays
        self.eitherDay = eitherDay
        self.clampToMonthEnd = clamp
    }

    static let longestMonth = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    private static func time(_ text: String, raw: String) throws(DomainError) -> (Int, Int) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else {
            throw .invalidField(field: "schedule", value: raw, expected: "a time of day HH:MM from 00:00 to 23:59, got '\(text)'")
        }
        return (hour, minute)
    }

    // MARK: Evaluation

    /// Whether the schedule runs on `date`.
    func runs(on date: CivilDate) -> Bool {
        guard months.contains(date.month) else { return false }
        var dayMatches = daysOfMonth.contains(date.day)
        if clampToMonthEnd, !dayMatches, let wanted = daysOfMonth.first {
            let lastDay = date.adding(days: 1).month != date.month
            dayMatches = lastDay && wanted > date.day
        }
        let weekdayMatches = weekdays.contains(date.weekday.rawValue)
        return eitherDay ? (dayMatches || weekdayMatches) : (dayMatches && weekdayMatches)
    }

    /// The first run strictly after `instant`, on `clock`; nil if none within eight years (a cron
    /// expression for 29 February runs every four).
    public func next(after instant: Instant, clock: LocalClock) -> Instant? {
        let times = sortedTimes
        // Start a day early: a skipped time on the previous local date can resolve to after `instant`.
        var date = clock.localDate(of: instant).adding(days: -1)
        let lastDate = date.adding(days: 366 * 8 + 2)
        while date <= lastDate {
            if runs(on: date) {
                for minuteOfDay in times {
                    let candidate = clock.instant(on: date, minuteOfDay: minuteOfDay)
                    if candidate > instant { return candidate }
                }
            }
            date = date.adding(days: 1)
        }
        return nil
    }

    /// The latest run at or before `instant`; nil if none within the eight years before it.
    public func latest(atOrBefore instant: Instant, clock: LocalClock) -> Instant? {
        let times = sortedTimes.reversed()
        var date = clock.localDate(of: instant).adding(days: 1)
        let firstDate = date.adding(days: -(366 * 8 + 2))
        while date >= firstDate {
            if runs(on: date) {
                for minuteOfDay in times {
                    let candidate = clock.instant(on: date, minuteOfDay: minuteOfDay)
                    if candidate <= instant { return candidate }
                }
            }
            date = date.adding(days: -1)
        }
        return nil
    }

    /// Every run in `range` (start in, end out), in order, without duplicates.
    public func runs(in range: Range<Instant>, clock: LocalClock, limit: Int = 10_000) -> [Instant] {
        var result: [Instant] = []
        var cursor = range.lowerBound - .microseconds(1)
        while result.count < limit, let next = next(after: cursor, clock: clock), next < range.upperBound {
            result.append(next)
            cursor = next
        }
        return result
    }

    private var sortedTimes: [Int] {
        hours.sorted().flatMap { hour in minutes.sorted().map { hour * 60 + $0 } }
    }
}

/// One cron field: `*`, numbers, names, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`.
struct CronField {
    let values: Set<Int>
    let isWildcard: Bool

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        .enumerated().reduce(into: [String: Int]()) { $0[$1.element] = $1.offset + 1 }
    static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
        .enumerated().reduce(into: [String: Int]()) { $0[$1.element] = $1.offset }

    static func parse(
        _ text: String, name: String, range: ClosedRange<Int>, names: [String: Int] = [:], raw: String
    ) throws(DomainError) -> CronField {
        func reject(_ reason: String) -> DomainError {
            .invalidField(field: "schedule", value: raw, expected: "\(reason) in the \(name) field '\(text)'")
        }
        func number(_ part: Substring) throws(DomainError) -> Int {
            if let value = Int(part), range.contains(value) { return value }
            if let value = names[part.uppercased()] { return value }
            throw reject("a number from \(range.lowerBound) to \(range.upperBound)\(names.isEmpty ? "" : " or a name")")
        }
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2, !stepParts[0].isEmpty else { throw reject("a value, range or */step") }
            var step = 1
            if stepParts.count == 2 {
                guard let value = Int(stepParts[1]), value >= 1, value <= range.upperBound else {
                    throw reject("a step from 1 to \(range.upperBound) after '/'")
                }
                step = value
            }
            let bounds: ClosedRange<Int>
            if stepParts[0] == "*" {
                bounds = range
            } else {
                let ends = stepParts[0].split(separator: "-", omittingEmptySubsequences: false)
                guard ends.count <= 2 else { throw reject("a range 'a-b'") }
                let low = try number(ends[0])
                let high = ends.count == 2 ? try number(ends[1]) : (stepParts.count == 2 ? range.upperBound : low)
                guard low <= high else { throw reject("a range whose start is not after its end") }
                bounds = low...high
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return CronField(values: values, isWildcard: text == "*")
    }
}
