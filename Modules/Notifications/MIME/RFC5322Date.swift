import Domain

/// The RFC 5322 `date-time` of an instant in UTC, e.g. `Tue, 02 Jun 2026 07:00:00 +0000`.
enum RFC5322Date {
    private static let dayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ instant: Instant) -> String {
        let seconds = instant.secondsSinceEpoch
        let secondOfDay = Int(((seconds % 86_400) + 86_400) % 86_400)
        let civil = CivilDate(daysSinceEpoch: Int((seconds - Int64(secondOfDay)) / 86_400))
        let time = [secondOfDay / 3600, (secondOfDay % 3600) / 60, secondOfDay % 60].map { pad($0, 2) }
        return "\(dayNames[civil.weekday.rawValue - 1]), \(pad(civil.day, 2)) \(monthNames[civil.month - 1]) "
            + "\(pad(civil.year, 4)) \(time.joined(separator: ":")) +0000"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
