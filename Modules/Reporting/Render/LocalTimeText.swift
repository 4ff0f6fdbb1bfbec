import Domain

/// Instants and days as a reader in the list's time zone writes them: "Mon 23 Nov 09:00", "16 Nov 2026".
struct LocalTimeText: Sendable {
    let clock: LocalClock

    private static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]

    /// "Mon 23 Nov 09:00", on the list's wall clock.
    func dateTime(_ timestamp: Timestamp) -> String {
        let minute = clock.minuteOfDay(of: timestamp.instant)
        let time = "\(minute / 60 < 10 ? "0" : "")\(minute / 60):\(minute % 60 < 10 ? "0" : "")\(minute % 60)"
        return "\(weekdayDayMonth(clock.localDate(of: timestamp.instant))) \(time)"
    }

    /// "Mon 23 Nov".
    func weekdayDayMonth(_ date: CivilDate) -> String {
        "\(Self.weekdays[date.weekday.rawValue - 1]) \(date.day) \(Self.months[date.month - 1])"
    }

    /// "Mon 23 Nov 2026".
    func weekdayDate(_ date: CivilDate) -> String { "\(weekdayDayMonth(date)) \(date.year)" }

    /// "23 Nov 2026".
    func date(_ date: CivilDate) -> String { "\(date.day) \(Self.months[date.month - 1]) \(date.year)" }

    /// "November 2026".
    func month(_ date: CivilDate) -> String { "\(Self.monthNames[date.month - 1]) \(date.year)" }

    /// "Mon 16 Nov – Sun 22 Nov 2026" (the year once when both days share it).
    func range(_ first: CivilDate, _ last: CivilDate) -> String {
        if first == last { return weekdayDate(first) }
        let start = first.year == last.year ? weekdayDayMonth(first) : weekdayDate(first)
        return "\(start) \u{2013} \(weekdayDate(last))"
    }
}
