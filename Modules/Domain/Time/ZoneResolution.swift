import Foundation

// Wall-clock time <-> UTC in one time zone, with explicit rules for the hours a clock change
// skips or repeats. `Calendar.date(from:)` picks an answer for those too, but which one differs
// between platforms and releases, and an SLA deadline must not move when the toolchain does.
extension TimeZone {
    /// The zone's offset from UTC, in seconds, at the UTC second `utcSeconds`.
    func offset(atUTC utcSeconds: Int64) -> Int64 {
        Int64(secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcSeconds))))
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
        var cursor = Date(timeIntervalSince1970: Double(windowStart))
        var lastStart = windowStart
        while let next = nextDaylightSavingTimeTransition(after: cursor) {
            let transition = Int64(next.timeIntervalSince1970.rounded())
            guard transition <= windowEnd, transition > lastStart else { break }
            spanStarts.append(transition)
            spanOffsets.append(offset(atUTC: transition))
            lastStart = transition
            cursor = next
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
