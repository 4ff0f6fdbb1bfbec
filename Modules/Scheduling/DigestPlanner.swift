import Domain
import Reporting
import Storage

/// Which digest runs are due for a list: the schedule's instants since the planner last looked,
/// each with the period it reports on.
public struct DigestPlanner: Sendable {
    /// What to do about runs missed while no scheduler was running.
    public enum CatchUp: String, Sendable, Hashable, CaseIterable {
        /// Send every missed period, oldest first, each with its own period.
        case all
        /// Send only the latest missed period.
        case latest
    }

    public var catchUp: CatchUp
    /// With `.all`, at most this many missed runs per list are recorded in one pass (a daily list
    /// down for years catches up in steps, not in one burst). `.latest` records one run whatever the gap.
    public var maximumRunsPerPass: Int

    public init(catchUp: CatchUp = .all, maximumRunsPerPass: Int = 100) {
        self.catchUp = catchUp
        self.maximumRunsPerPass = maximumRunsPerPass
    }

    /// The runs of `list` due after `since` and at or before `now`, as the repository records them.
    /// With `.all`, the latest is triggered by the schedule and the earlier ones are catch-ups. With
    /// `.latest`, only the latest is due, a catch-up when it stands in for earlier missed runs.
    public func due(list: MailingList, since: Instant, now: Instant) throws(DomainError) -> [NewDigestRun] {
        guard let listID = list.id, since < now else { return [] }
        let schedule = try DigestSchedule(parsing: list.schedule)
        let clock = try LocalClock(timeZoneIdentifier: list.timeZoneIdentifier)
        let instants: [(instant: Instant, trigger: DigestRun.Trigger)]
        switch catchUp {
        case .all:
            let all = schedule.runs(in: (since + .microseconds(1))..<(now + .microseconds(1)), clock: clock, limit: maximumRunsPerPass)
            instants = all.enumerated().map { index, instant in (instant, index == all.count - 1 ? DigestRun.Trigger.schedule : .catchUp) }
        case .latest:
            // Searched back from `now`, not forward from `since`: a forward scan stops after
            // `maximumRunsPerPass` runs and would record an older period first.
            guard let latest = schedule.latest(atOrBefore: now, clock: clock), latest > since else { return [] }
            let missedBefore = schedule.next(after: since, clock: clock).map { $0 < latest } ?? false
            instants = [(latest, missedBefore ? .catchUp : .schedule)]
        }
        return try instants.map { (instant, trigger) throws(DomainError) in
            let period = try ReportingPeriod.previous(schedule.period.reportingKind, before: instant, clock: clock)
            return NewDigestRun(
                listID: listID, periodKind: period.kind.rawValue, firstDay: period.firstDay, lastDay: period.lastDay,
                period: period.range, scheduledFor: instant, trigger: trigger)
        }
    }

    /// The run `itsm digest send` starts at `now`: the list's latest complete period, as the schedule
    /// would have sent it (and the same run record, so the two never both go out).
    public func manual(list: MailingList, now: Instant) throws(DomainError) -> NewDigestRun? {
        guard let listID = list.id else { return nil }
        let schedule = try DigestSchedule(parsing: list.schedule)
        let clock = try LocalClock(timeZoneIdentifier: list.timeZoneIdentifier)
        let period = try ReportingPeriod.previous(schedule.period.reportingKind, before: now, clock: clock)
        return NewDigestRun(
            listID: listID, periodKind: period.kind.rawValue, firstDay: period.firstDay, lastDay: period.lastDay, period: period.range,
            scheduledFor: now, trigger: .manual)
    }
}

extension DigestSchedule.PeriodKind {
    /// The reporting period a schedule of this kind sends: the previous day, week or month.
    public var reportingKind: ReportingPeriod.Kind {
        switch self {
        case .day: .day
        case .week: .week
        case .month: .month
        }
    }
}
