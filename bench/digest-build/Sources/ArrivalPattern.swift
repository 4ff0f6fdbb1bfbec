import Domain
import Foundation

/// When records arrive: more on weekdays than at weekends, fewer on holidays and at Christmas,
/// a winter peak and a summer dip, a slow growth over the two years, and office hours in the
/// local time of the service's calendar.
struct ArrivalPattern: Sendable {
    let plan: DatasetPlan
    /// Local days from the start, oldest first.
    let days: [CivilDate]
    /// Local midnight (UTC microseconds) of each day from the start to 45 days after the end,
    /// per calendar: DST-correct per day.
    private let midnights: [[Int64]]
    private let firstDay: Int
    private let holidays: Set<CivilDate>

    init(plan: DatasetPlan, calendars: [BusinessCalendar]) {
        self.plan = plan
        let first = plan.startDay.daysSinceEpoch
        let days = (first..<plan.endDay.daysSinceEpoch).map(CivilDate.init(daysSinceEpoch:))
        self.days = days
        self.firstDay = first
        let extended = (first..<(plan.endDay.daysSinceEpoch + 45)).map(CivilDate.init(daysSinceEpoch:))
        self.midnights = calendars.map { calendar in extended.map { calendar.instant(on: $0, minuteOfDay: 0).microsecondsSinceEpoch } }
        self.holidays = Set(calendars.flatMap { $0.holidays.map(\.date) })
    }

    /// How busy a day is, relative to an ordinary Wednesday.
    func weight(ofDay index: Int, weekendShare: Double) -> Double {
        let date = days[index]
        var weight: Double
        switch date.weekday {
        case .monday: weight = 1.15
        case .tuesday: weight = 1.05
        case .wednesday, .thursday: weight = 1.0
        case .friday: weight = 0.9
        case .saturday: weight = weekendShare * 1.3
        case .sunday: weight = weekendShare
        }
        if holidays.contains(date) { weight *= 0.45 }
        let dayOfYear = Double(date.daysSinceEpoch - CivilDate(year: date.year, month: 1, day: 1)!.daysSinceEpoch)
        weight *= 1 + 0.1 * cos(2 * Double.pi * (dayOfYear - 20) / 365)  // a winter peak
        if date.month == 7 || date.month == 8 { weight *= 0.88 }
        if date.month == 12, date.day >= 20 { weight *= 0.6 }
        weight *= 0.9 + 0.2 * Double(index) / Double(max(1, days.count - 1))  // growth
        return weight
    }

    /// `total` arrivals spread over the days by weight, summing exactly to `total`.
    func counts(total: Int, weekendShare: Double) -> [Int] {
        let weights = days.indices.map { weight(ofDay: $0, weekendShare: weekendShare) }
        let sum = weights.reduce(0, +)
        var counts: [Int] = []
        var carried = 0.0
        var assigned = 0
        for weight in weights {
            carried += Double(total) * weight / sum
            let upTo = Int(carried.rounded())
            counts.append(upTo - assigned)
            assigned = upTo
        }
        counts[counts.count - 1] += total - assigned
        return counts
    }

    private static let weekdayHours: [Double] = [
        0.15, 0.1, 0.1, 0.1, 0.12, 0.2, 0.35, 0.7, 1.3, 1.7, 1.6, 1.4, 1.0, 1.3, 1.5, 1.4, 1.1, 0.7, 0.45, 0.35, 0.3, 0.25, 0.2, 0.18,
    ]
    private static let weekendHours: [Double] = [
        0.3, 0.25, 0.2, 0.2, 0.2, 0.25, 0.3, 0.45, 0.7, 0.9, 1.0, 1.0, 0.9, 0.9, 0.9, 0.9, 0.85, 0.8, 0.7, 0.6, 0.55, 0.5, 0.4, 0.35,
    ]
    private static let weekdayChoice = WeightedChoice(weekdayHours)
    private static let weekendChoice = WeightedChoice(weekendHours)

    /// An instant on day `index` in the local time of `calendar` (an index into the calendars
    /// given at init), office hours weighted; never at or after `plan.end`.
    func instant(day index: Int, calendar: Int, random: inout SeededRandom) -> Int64 {
        let weekend = days[index].weekday == .saturday || days[index].weekday == .sunday
        let hour = (weekend ? Self.weekendChoice : Self.weekdayChoice).draw(&random)
        let offset = Int64(hour) * .hour + Int64(random.int(0...3_599_999_999))
        let instant = midnights[calendar][index] + offset
        let end = plan.end.microsecondsSinceEpoch
        return instant < end ? instant : end - Int64(random.int(1...7200)) * .second
    }

    /// The local day (in `calendar`'s zone) of an instant near the generated span, as an index
    /// from the start, and that day's local midnight.
    func localDay(of instant: Int64, calendar: Int) -> (index: Int, midnight: Int64) {
        let table = midnights[calendar]
        var index = Int((instant / .day) - Int64(firstDay))
        index = min(max(index, 0), table.count - 1)
        while index + 1 < table.count, table[index + 1] <= instant { index += 1 }
        while index > 0, table[index] > instant { index -= 1 }
        return (index, table[index])
    }

    /// Local midnight of day `index` (from the start) in `calendar`'s zone, and its weekday.
    func midnight(day index: Int, calendar: Int) -> (instant: Int64, weekday: Weekday)? {
        guard index >= 0, index < midnights[calendar].count else { return nil }
        return (midnights[calendar][index], CivilDate(daysSinceEpoch: firstDay + index).weekday)
    }

    /// The `count` arrivals of day `index`, oldest first, each with a service live at that
    /// instant (drawn by weight) or, for a share `withoutService` and after misses, none.
    func arrivals(
        day index: Int, count: Int, sampler: ServiceSampler, withoutService: Double = 0, random: inout SeededRandom
    ) -> [(at: Int64, service: Int?)] {
        var result: [(at: Int64, service: Int?)] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            if !random.chance(withoutService), let (service, at) = sampler.draw(&random, instantOn: { service, random in
                instant(day: index, calendar: service.calendarIndex, random: &random)
            }) {
                result.append((at, service))
            } else {
                result.append((instant(day: index, calendar: 0, random: &random), nil))
            }
        }
        return result.sorted { $0.at < $1.at }
    }
}
