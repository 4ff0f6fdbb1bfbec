/// Where an SLA clock stands against its target.
public enum SLAStatus: String, Sendable, Codable, CaseIterable {
    /// Less than the warning threshold of the target has elapsed.
    case withinTarget = "within-target"
    /// At least the warning threshold has elapsed, but not more than the target.
    case warning
    /// More than the target has elapsed; meeting it exactly is not a breach.
    case breached
}

/// Measures business time against an SLA target (e.g. "resolve within 8 business hours")
/// on a business calendar, excluding the spans a record spent paused (on hold).
///
/// The clock holds no state: callers pass the start, the pauses so far and "now" (or the
/// instant the clock stopped), so the same answer comes back for the same facts.
public struct SLAClock: Hashable, Sendable {
    public let calendar: BusinessCalendar
    public let target: Duration
    /// The fraction of the target after which the status is `.warning`, in (0, 1].
    public let warningThreshold: Double

    /// Validates that the target is positive and the threshold a fraction in (0, 1].
    public init(calendar: BusinessCalendar, target: Duration, warningThreshold: Double = 0.75) throws(DomainError) {
        guard target > .zero else {
            throw .invalidField(field: "target", value: "\(target)", expected: "a duration above zero")
        }
        guard warningThreshold > 0, warningThreshold <= 1 else {
            throw .invalidField(
                field: "warningThreshold", value: "\(warningThreshold)", expected: "a fraction above 0 and at most 1"
            )
        }
        self.calendar = calendar
        self.target = target
        self.warningThreshold = warningThreshold
    }

    /// Business time counted between `start` and `end`, without the pauses.
    public func elapsed(from start: Instant, to end: Instant, pauses: [Range<Instant>] = []) -> Duration {
        calendar.businessTime(from: start, to: end, pauses: pauses)
    }

    /// The instant the target is used up if no further pauses happen.
    public func deadline(from start: Instant, pauses: [Range<Instant>] = []) throws(DomainError) -> Instant {
        try calendar.deadline(from: start, adding: target, pauses: pauses)
    }

    /// The instant the status turns `.warning` if no further pauses happen.
    public func warningInstant(from start: Instant, pauses: [Range<Instant>] = []) throws(DomainError) -> Instant {
        try calendar.deadline(from: start, adding: .microseconds(warningMicroseconds), pauses: pauses)
    }

    /// The status at `now` for a running clock, or at the instant a stopped clock stopped.
    public func status(start: Instant, at now: Instant, pauses: [Range<Instant>] = []) -> SLAStatus {
        status(forElapsed: elapsed(from: start, to: now, pauses: pauses))
    }

    /// The status for an already measured elapsed business time.
    public func status(forElapsed elapsed: Duration) -> SLAStatus {
        if elapsed > target { return .breached }
        if elapsed.microseconds >= warningMicroseconds { return .warning }
        return .withinTarget
    }

    /// How far past the target the clock is at `now`; zero when not breached.
    public func overrun(start: Instant, at now: Instant, pauses: [Range<Instant>] = []) -> Duration {
        let elapsed = elapsed(from: start, to: now, pauses: pauses)
        return elapsed > target ? elapsed - target : .zero
    }

    /// Business time left before the target is used up at `now`; zero once it is.
    public func remaining(start: Instant, at now: Instant, pauses: [Range<Instant>] = []) -> Duration {
        let elapsed = elapsed(from: start, to: now, pauses: pauses)
        return elapsed < target ? target - elapsed : .zero
    }

    /// The threshold in whole microseconds, rounded up so that `elapsed >= threshold x target`
    /// holds exactly when `elapsed` reaches this value.
    private var warningMicroseconds: Int64 {
        Int64((Double(target.microseconds) * warningThreshold).rounded(.up))
    }
}
