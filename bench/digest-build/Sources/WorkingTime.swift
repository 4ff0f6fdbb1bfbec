import Domain

/// One business calendar's working intervals over the generated span, flattened, with running
/// totals: business time and deadlines in O(log n) instead of a day-by-day walk per record.
///
/// The intervals come from `BusinessCalendar.workingIntervals(on:)`, so the instants this
/// table yields are the ones the domain's SLA clock computes (the `verify` command checks it).
struct WorkingTime: Sendable {
    let calendar: BusinessCalendar
    private let starts: [Int64]
    private let ends: [Int64]
    /// Working microseconds before interval i.
    private let before: [Int64]
    /// The table's last instant: anything later is reported as "beyond".
    let horizon: Int64

    init(calendar: BusinessCalendar, from first: CivilDate, through last: CivilDate) {
        self.calendar = calendar
        var starts: [Int64] = []
        var ends: [Int64] = []
        var before: [Int64] = []
        var total: Int64 = 0
        for day in first.daysSinceEpoch...last.daysSinceEpoch {
            for interval in calendar.workingIntervals(on: CivilDate(daysSinceEpoch: day)) {
                let lower = interval.lowerBound.microsecondsSinceEpoch
                let upper = interval.upperBound.microsecondsSinceEpoch
                starts.append(lower)
                ends.append(upper)
                before.append(total)
                total += upper - lower
            }
        }
        self.starts = starts
        self.ends = ends
        self.before = before
        self.horizon = ends.last ?? 0
    }

    /// Working microseconds from the table's start up to `instant`.
    func worked(until instant: Int64) -> Int64 {
        // The last interval starting at or before the instant.
        var low = 0
        var high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] <= instant { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return 0 }
        let index = low - 1
        return before[index] + min(instant, ends[index]) - starts[index]
    }

    /// The earliest instant at which `amount` microseconds of working time have passed since
    /// `start` (exactly an interval's end when it runs out there), or nil beyond the horizon.
    func adding(_ amount: Int64, to start: Int64) -> Int64? {
        guard amount > 0 else { return start }
        let target = worked(until: start) + amount
        // The first interval whose end reaches the target.
        var low = 0
        var high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if before[mid] + (ends[mid] - starts[mid]) >= target { high = mid } else { low = mid + 1 }
        }
        guard low < starts.count else { return nil }
        return starts[low] + (target - before[low])
    }

    /// Working microseconds in [start, end).
    func between(_ start: Int64, _ end: Int64) -> Int64 {
        end <= start ? 0 : worked(until: end) - worked(until: start)
    }
}
