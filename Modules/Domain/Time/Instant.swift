import Foundation

/// A point in time in UTC with microsecond precision: what the database stores, exactly.
///
/// Instants are integers so that they round-trip through SQLite and PostgreSQL without the
/// rounding a `Double`-based `Date` would suffer, and so that equality after a round trip holds.
public struct Instant: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// The instant nearest to `date`, rounded to the microsecond.
    public init(_ date: Date) {
        self.microsecondsSinceEpoch = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    public init(secondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = secondsSinceEpoch * 1_000_000
    }

    public var date: Date { Date(timeIntervalSince1970: Double(microsecondsSinceEpoch) / 1_000_000) }

    /// Whole seconds since the epoch, rounded towards negative infinity.
    public var secondsSinceEpoch: Int64 {
        let (q, r) = microsecondsSinceEpoch.quotientAndRemainder(dividingBy: 1_000_000)
        return r < 0 ? q - 1 : q
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    public static func + (lhs: Instant, rhs: Duration) -> Instant {
        Instant(microsecondsSinceEpoch: lhs.microsecondsSinceEpoch + rhs.microseconds)
    }

    public static func - (lhs: Instant, rhs: Duration) -> Instant {
        Instant(microsecondsSinceEpoch: lhs.microsecondsSinceEpoch - rhs.microseconds)
    }

    /// The wall-clock distance from `rhs` to `lhs`.
    public static func - (lhs: Instant, rhs: Instant) -> Duration {
        .microseconds(lhs.microsecondsSinceEpoch - rhs.microsecondsSinceEpoch)
    }

    /// ISO 8601 in UTC with microseconds, e.g. `2026-03-29T01:30:00.000000Z`.
    public var description: String { iso8601 }

    public var iso8601: String {
        let seconds = secondsSinceEpoch
        let micros = microsecondsSinceEpoch - seconds * 1_000_000
        let (day, second) = LocalClock.dayAndSecond(seconds)
        let secondOfDay = Int(second)
        let civil = CivilDate(daysSinceEpoch: Int(day))
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            civil.year, civil.month, civil.day,
            secondOfDay / 3600, (secondOfDay % 3600) / 60, secondOfDay % 60, Int(micros)
        )
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.ffffff]]Z` or with a `±HH:MM` offset.
    public init?(iso8601 text: String) {
        guard let parsed = ISO8601Instant.parse(text) else { return nil }
        self = parsed
    }
}

extension Duration {
    public static func minutes(_ value: Int64) -> Duration { .seconds(value * 60) }
    public static func hours(_ value: Int64) -> Duration { .seconds(value * 3600) }
    public static func days(_ value: Int64) -> Duration { .seconds(value * 86_400) }

    /// The duration in whole microseconds (truncated).
    public var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// The duration in seconds as a floating-point number, for ratios and display.
    public var secondsValue: Double { Double(microseconds) / 1_000_000 }
}
