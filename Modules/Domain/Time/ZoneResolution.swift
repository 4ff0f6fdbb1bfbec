import Foundation
import Synchronization

// Wall-clock time <-> UTC in one time zone, with explicit rules for the hours a clock change
// skips or repeats. `Calendar.date(from:)` picks an answer for those too, but which one differs
// between platforms and releases, and an SLA deadline must not move when the toolchain does.

/// A zone's UTC offsets from 1970 to 2100 as a table of transitions, read once per zone from
/// Foundation's time zone data. Lookups are binary searches: business-time arithmetic converts
/// wall times to instants many thousand times per digest, and asking ICU each time was most of
/// a digest's cost. Outside the table's years, Foundation is asked directly.
final class ZoneOffsets: Sendable {
    let zone: TimeZone
    /// UTC seconds at which the offset changes, ascending.
    let transitions: [Int64]
    /// `offsets[i]` holds before `transitions[i]` (and after `transitions[i - 1]`); one more than transitions.
    let offsets: [Int64]

    static let tableStart: Int64 = 0  // 1970-01-01T00:00Z
    static let tableEnd: Int64 = 4_102_444_800  // 2100-01-01T00:00Z

    private static let cache = Mutex<[String: ZoneOffsets]>([:])

    /// The table of `zone`, built on first use and shared afterwards.
    static func of(_ zone: TimeZone) -> ZoneOffsets {
        if let known = cache.withLock({ $0[zone.identifier] }) { return known }
        let built = ZoneOffsets(zone: zone)
        return cache.withLock { cache in
            if let known = cache[zone.identifier] { return known }
            cache[zone.identifier] = built
            return built
        }
    }

    private init(zone: TimeZone) {
        self.zone = zone
        var transitions: [Int64] = []
        var offsets: [Int64] = [Self.foundationOffset(zone, atUTC: Self.tableStart)]
        var cursor = Date(timeIntervalSince1970: Double(Self.tableStart))
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor) {
            let transition = Int64(next.timeIntervalSince1970.rounded())
            let previous = transitions.last ?? (Self.tableStart - 1)
            guard Self.tableEnd > transition, transition > previous else { break }
            let offset = Self.foundationOffset(zone, atUTC: transition)
            if offset != offsets.last {
                transitions.append(transition)
                offsets.append(offset)
            }
            cursor = next
        }
        self.transitions = transitions
        self.offsets = offsets
    }

    private static func foundationOffset(_ zone: TimeZone, atUTC utcSeconds: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcSeconds))))
    }

    /// How many transitions happen at or before `utcSeconds`.
    private func transitionCount(atOrBefore utcSeconds: Int64) -> Int {
        var low = 0, high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle] <= utcSeconds { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The zone's offset from UTC, in seconds, at the UTC second `utcSeconds`.
    func offset(atUTC utcSeconds: Int64) -> Int64 {
        guard utcSeconds >= Self.tableStart, utcSeconds < Self.tableEnd else { return Self.foundationOffset(zone, atUTC: utcSeconds) }
        return offsets[transitionCount(atOrBefore: utcSeconds)]
    }

    /// Seconds since 1970-01-01T00:00 on the local wall clock at the UTC second `utcSeconds`.
    func wallSeconds(atUTC utcSeconds: Int64) -> Int64 {
        utcSeconds + offset(atUTC: utcSeconds)
    }

    /// The UTC second at which the local wall clock shows `wall` (seconds since 1970-01-01T00:00
    /// local). A wall time the clock shows twice resolves to its first occurrence; one it skips
    /// resolves to the end of the skipped span (the instant the clock jumps).
    func utcSeconds(forWall wall: Int64) -> Int64 {
        // Real offsets stay within about ±14 h, so every instant that shows `wall` lies inside
        // this window. Split the window into spans of constant offset at the zone's transitions.
        let windowStart = wall - 36 * 3600
        let windowEnd = wall + 36 * 3600
        var spanStarts: [Int64] = [windowStart]
        var spanOffsets: [Int64] = [offset(atUTC: windowStart)]
        if windowStart >= Self.tableStart, windowEnd < Self.tableEnd {
            var index = transitionCount(atOrBefore: windowStart)
            while index < transitions.count, transitions[index] <= windowEnd {
                spanStarts.append(transitions[index])
                spanOffsets.append(offsets[index + 1])
                index += 1
            }
        } else {
            var cursor = Date(timeIntervalSince1970: Double(windowStart))
            var lastStart = windowStart
            while let next = zone.nextDaylightSavingTimeTransition(after: cursor) {
                let transition = Int64(next.timeIntervalSince1970.rounded())
                guard transition <= windowEnd, transition > lastStart else { break }
                spanStarts.append(transition)
                spanOffsets.append(offset(atUTC: transition))
                lastStart = transition
                cursor = next
            }
        }

        // Every span in which `wall - offset` falls is an occurrence; the earliest wins.
        var earliest: Int64?
        for index in spanStarts.indices {
            let candidate = wall - spanOffsets[index]
            let spanEnd = index + 1 < spanStarts.count ? spanStarts[index + 1] : Int64.max
            if spanStarts[index] <= candidate, candidate < spanEnd {
                earliest = min(earliest ?? candidate, candidate)
            }
        }
        if let earliest { return earliest }

        // No occurrence: `wall` lies in a gap, which ends at the transition that opened it.
        for index in spanStarts.indices.dropFirst() {
            let transition = spanStarts[index]
            if transition + spanOffsets[index - 1] <= wall, wall < transition + spanOffsets[index] {
                return transition
            }
        }
        // Unreachable with consistent zone data; a fixed-point guess beats trapping.
        return wall - offset(atUTC: wall - offset(atUTC: wall))
    }
}
