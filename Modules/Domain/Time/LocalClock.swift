import Foundation

/// The wall clock of one IANA time zone: local dates of instants, and instants of local times.
///
/// Wall times the clock skips or repeats resolve as `BusinessCalendar.instant(on:minuteOfDay:)`
/// documents: a skipped time to the end of the gap, a repeated one to its first occurrence.
public struct LocalClock: Hashable, Sendable {
    public let timeZoneIdentifier: String
    /// The zone's offsets as a table, shared by every clock of the zone.
    private let timeZone: ZoneOffsets

    public init(timeZoneIdentifier: String) throws(DomainError) {
        guard let zone = TimeZone(identifier: timeZoneIdentifier) else {
            throw .invalidField(field: "timeZone", value: timeZoneIdentifier, expected: "an IANA time zone such as Europe/Berlin")
        }
        self.timeZoneIdentifier = timeZoneIdentifier
        self.timeZone = ZoneOffsets.of(zone)
    }

    /// Two clocks are the same when they read the same zone.
    public static func == (lhs: LocalClock, rhs: LocalClock) -> Bool { lhs.timeZoneIdentifier == rhs.timeZoneIdentifier }
    public func hash(into hasher: inout Hasher) { hasher.combine(timeZoneIdentifier) }

    /// The local date at `instant`.
    public func localDate(of instant: Instant) -> CivilDate {
        CivilDate(daysSinceEpoch: Int(Self.dayAndSecond(timeZone.wallSeconds(atUTC: instant.secondsSinceEpoch)).day))
    }

    /// The local minute of day (0..<1440) at `instant`.
    public func minuteOfDay(of instant: Instant) -> Int {
        Int(Self.dayAndSecond(timeZone.wallSeconds(atUTC: instant.secondsSinceEpoch)).second / 60)
    }

    /// Splits seconds since the epoch into whole days (floored) and the second of that day.
    static func dayAndSecond(_ seconds: Int64) -> (day: Int64, second: Int64) {
        let second = ((seconds % 86_400) + 86_400) % 86_400
        return ((seconds - second) / 86_400, second)
    }

    /// The instant the local clock shows `minuteOfDay` on `date` (1440 is the next midnight).
    public func instant(on date: CivilDate, minuteOfDay: Int = 0) -> Instant {
        let wall = Int64(date.daysSinceEpoch) * 86_400 + Int64(minuteOfDay) * 60
        return Instant(secondsSinceEpoch: timeZone.utcSeconds(forWall: wall))
    }

    /// The local day `date` as instants, from its midnight to the next (23 or 25 h across DST).
    public func day(_ date: CivilDate) -> Range<Instant> {
        instant(on: date)..<instant(on: date.adding(days: 1))
    }
}
