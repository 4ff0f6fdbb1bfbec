import Domain

/// Public holidays for the generated calendars, computed for any year (Easter by the
/// anonymous Gregorian algorithm, US holidays by their weekday rules).
enum PublicHolidays {
    /// Germany's nationwide holidays.
    static func germany(_ year: Int) -> [Holiday] {
        let easter = easterSunday(year)
        let fixed: [(Int, Int, String)] = [
            (1, 1, "Neujahr"), (5, 1, "Tag der Arbeit"), (10, 3, "Tag der Deutschen Einheit"),
            (12, 25, "1. Weihnachtstag"), (12, 26, "2. Weihnachtstag"),
        ]
        let movable: [(Int, String)] = [(-2, "Karfreitag"), (1, "Ostermontag"), (39, "Christi Himmelfahrt"), (50, "Pfingstmontag")]
        return fixed.compactMap { month, day, name in CivilDate(year: year, month: month, day: day).map { Holiday(date: $0, name: name) } }
            + movable.map { offset, name in Holiday(date: easter.adding(days: offset), name: name) }
    }

    /// United States federal holidays (observed on the nearest weekday when on a weekend).
    static func unitedStates(_ year: Int) -> [Holiday] {
        func observed(_ month: Int, _ day: Int) -> CivilDate {
            let date = CivilDate(year: year, month: month, day: day)!
            switch date.weekday {
            case .saturday: return date.adding(days: -1)
            case .sunday: return date.adding(days: 1)
            default: return date
            }
        }
        return [
            Holiday(date: observed(1, 1), name: "New Year's Day"),
            Holiday(date: nth(3, .monday, month: 1, year: year), name: "Martin Luther King Jr. Day"),
            Holiday(date: nth(3, .monday, month: 2, year: year), name: "Washington's Birthday"),
            Holiday(date: last(.monday, month: 5, year: year), name: "Memorial Day"),
            Holiday(date: observed(6, 19), name: "Juneteenth"),
            Holiday(date: observed(7, 4), name: "Independence Day"),
            Holiday(date: nth(1, .monday, month: 9, year: year), name: "Labor Day"),
            Holiday(date: nth(2, .monday, month: 10, year: year), name: "Columbus Day"),
            Holiday(date: observed(11, 11), name: "Veterans Day"),
            Holiday(date: nth(4, .thursday, month: 11, year: year), name: "Thanksgiving Day"),
            Holiday(date: observed(12, 25), name: "Christmas Day"),
        ]
    }

    static func easterSunday(_ year: Int) -> CivilDate {
        let a = year % 19, b = year / 100, c = year % 100
        let d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return CivilDate(year: year, month: month, day: day)!
    }

    /// The n-th given weekday of a month (n from 1).
    static func nth(_ n: Int, _ weekday: Weekday, month: Int, year: Int) -> CivilDate {
        let first = CivilDate(year: year, month: month, day: 1)!
        let offset = (weekday.rawValue - first.weekday.rawValue + 7) % 7
        return first.adding(days: offset + 7 * (n - 1))
    }

    static func last(_ weekday: Weekday, month: Int, year: Int) -> CivilDate {
        let next = month == 12 ? CivilDate(year: year + 1, month: 1, day: 1)! : CivilDate(year: year, month: month + 1, day: 1)!
        let lastDay = next.adding(days: -1)
        return lastDay.adding(days: -((lastDay.weekday.rawValue - weekday.rawValue + 7) % 7))
    }
}
