import Domain
import Foundation
import ITSMTestSupport
import Logging
import Reporting
import Storage
import Testing

let fixtureLogger: Logger = {
    var logger = Logger(label: "itsm.tests.reporting.fixture")
    logger.logLevel = .critical
    return logger
}()

private func cet(_ month: Int, _ day: Int64, _ hour: Int64, _ minute: Int64 = 0) -> Instant { LifecycleWeek.cet(month, day, hour, minute) }
private func cest(_ month: Int, _ day: Int64, _ hour: Int64, _ minute: Int64 = 0) -> Instant { LifecycleWeek.cest(month, day, hour, minute) }
private let hour = 3_600.0

/// Builds the digest of `list` over the fixture week on a fresh store of `engine`.
func fixtureDigest(_ engine: StoreEngine, _ list: MailingList) async throws -> Digest {
    try await withTestStore(engine, openedAt: LifecycleWeek.cet(2, 1, 8), logger: fixtureLogger) { store in
        try await LifecycleWeek.seed(store)
        return try await DigestBuilder(store: store, now: { LifecycleWeek.buildTime }).build(list: list, period: try LifecycleWeek.period())
    }
}

/// Every figure of every section over a week with a weekend, a holiday and the spring DST switch,
/// computed by hand (see LifecycleWeekFixture.swift for the records and their instants).
@Suite("Digest over a hand-built week: every figure as computed by hand")
struct DigestFixtureTests {
    @Test("the period is the Berlin week of 23 March with its 167 hours, compared with the week before", arguments: StoreEngine.available)
    func period(engine: StoreEngine) async throws {
        let digest = try await fixtureDigest(engine, try LifecycleWeek.list())
        // Mon 23 Mar 00:00 CET = Sun 22 Mar 23:00Z; Mon 30 Mar 00:00 CEST = Sun 29 Mar 22:00Z.
        #expect(digest.period.start == Timestamp(LifecycleWeek.utc(3, 22, 23)))
        #expect(digest.period.end == Timestamp(LifecycleWeek.utc(3, 29, 22)))
        #expect(digest.period.end.instant - digest.period.start.instant == .hours(167))
        #expect(digest.period.firstDay == CivilDate(year: 2026, month: 3, day: 23))
        #expect(digest.period.previousFirstDay == CivilDate(year: 2026, month: 3, day: 16))
        #expect(digest.period.previousLastDay == CivilDate(year: 2026, month: 3, day: 22))
        #expect(digest.generatedAt == Timestamp(cest(3, 30, 8)))
        #expect(digest.stages == LifecycleStage.allCases)
        #expect(digest.isEmpty == false)
    }

    @Test("strategy: portfolio by status, moves, services without owner or SLA, busiest services", arguments: StoreEngine.available)
    func strategy(engine: StoreEngine) async throws {
        let strategy = try #require(try await fixtureDigest(engine, try LifecycleWeek.list()).strategy)
        // End of the week: Portal pipeline; Mail, Payroll, Wiki, Chat (moved Wed) catalog; Fax retired.
        // Start of the week: Chat pipeline (Portal not yet created); Mail, Payroll, Wiki catalog; Fax retired (Tue 17 Mar).
        #expect(strategy.servicesByStatus == [
            NamedMetric("pipeline", .count(1, previous: 1)),
            NamedMetric("catalog", .count(4, previous: 3)),
            NamedMetric("retired", .count(1, previous: 1)),
        ])
        // Chat pipeline -> catalog Wed 25 Mar 10:00 CET = 09:00Z; Fax retired in the previous week is not a move of this one,
        // but it is the previous week's one move.
        #expect(strategy.moved == [StatusMove(service: "Chat", from: "pipeline", to: "catalog", at: Timestamp(cet(3, 25, 10)))])
        #expect(strategy.movedCount == .count(1, previous: 1))
        // Not retired, by name: only Wiki has no owner; Chat, Portal and Wiki have no SLA (Fax is retired).
        #expect(strategy.withoutOwner == ["Wiki"])
        #expect(strategy.withoutSLA == ["Chat", "Portal", "Wiki"])
        // Opened this week: Mail INC-6, 7, 8, 10, 14, 16 = 6 (before: INC-1, 5, 18 = 3); Chat INC-11, 12, 13 = 3
        // (before 0); Payroll INC-9, 17 = 2 (before: INC-2 = 1); Wiki INC-19 = 1 (before: INC-3 = 1). Ties by service id.
        // INC-15 has no service.
        #expect(strategy.mostIncidents == [
            NamedMetric("Mail", .count(6, previous: 3)),
            NamedMetric("Chat", .count(3, previous: 0)),
            NamedMetric("Payroll", .count(2, previous: 1)),
            NamedMetric("Wiki", .count(1, previous: 1)),
        ])
        #expect(strategy.isEmpty == false)
    }

    @Test("design: SLA compliance in business time, breaches with overrun and pauses, availability, catalog changes", arguments: StoreEngine.available)
    func design(engine: StoreEngine) async throws {
        let design = try #require(try await fixtureDigest(engine, try LifecycleWeek.list()).design)
        // First responses this week under an SLA target (business time, office Mon-Fri 09-17, Fri 27 holiday):
        //   INC-5  Fri 20 16:00 -> Mon 23 13:00: Fri 1 h + Mon 4 h = 5 h > 4 h          missed
        //   INC-6  Tue 24 16:00 -> Wed 25 10:00: Tue 1 h + Wed 1 h = 2 h = 2 h          met (exactly)
        //   INC-7  Thu 26 15:00 -> 15:30: 0.5 h <= 1 h                                  met
        //   INC-8  Fri 27 08:00 (holiday) -> 09:00: 0 h <= 1 h                           met
        //   INC-9  24x7, Sat 28 12:00 -> 12:30: 0.5 h <= 1 h                             met
        //   INC-10 Mon 23 09:00 -> 09:30: 0.5 h <= 4 h                                   met
        //   INC-16 Mon 23 13:00 -> 13:30: 0.5 h <= 2 h                                   met
        //   INC-17 24x7, Sun 29 01:30 CET -> 04:00 CEST = 1.5 h (not 2.5) <= 2 h          met
        //   7 of 8.
        //   (INC-11 Chat, INC-19 Wiki and INC-15 without service have no SLA.)
        // Previous week: INC-1 1 h <= 2 h, INC-2 20 min <= 30 min, INC-18 Thu 14:00 -> 17:00 3 h > 2 h: 2 of 3
        // (INC-3 Wiki has no SLA).
        #expect(design.responseCompliance == Metric(.percent, current: 87.5, previous: 100.0 * 2 / 3))
        // Resolved this week under an SLA target:
        //   INC-5  Fri 1 h + Mon 8 h + Tue 1 h = 10 h <= 16 h                             met
        //   INC-6  Tue 1 h + Wed 09-12 3 h + (hold Wed 12:00 - Thu 10:00) + Thu 10-14 4 h = 8 h = 8 h  met
        //   INC-7  Thu 15-17 2 h + Fri holiday 0 = 2 h <= 4 h                               met
        //   INC-9  24x7 Sat 28 12:00 CET -> Sun 29 12:00 CEST = 23 h > 8 h                   missed
        //   INC-10 Mon 09-17 8 h + Tue 09-12 3 h = 11 h <= 16 h (the resolved gap counts)     met
        // 4 of 5 (INC-19 was resolved this week but reopened since: not resolved, and Wiki has no SLA anyway).
        // Previous: INC-1 Mon 10-15 = 5 h <= 8 h, INC-2 4 h = 4 h, INC-18 Thu 14-17 3 h + Fri 09-10 1 h = 4 h <= 8 h: 3 of 3.
        #expect(design.resolutionCompliance == Metric(.percent, current: 80, previous: 100))

        // Targets that ran out this week:
        //   INC-16 resolution: Mon 13-15 2 h, hold Mon 15:00 - Tue 11:00, Tue 11-17 6 h -> 8 h at Tue 24 17:00 CET;
        //     still open at the end: Mon 2 h + Tue 6 h + Wed 8 h + Thu 8 h + Fri holiday = 24 h, 16 h over;
        //     paused Mon 15:00 -> Tue 11:00 = 20 h wall-clock.
        //   INC-9 resolution (24x7): Sat 28 12:00 CET + 8 h = 20:00 CET; resolved after 23 h: 15 h over.
        //   INC-5 response: Fri 16-17 1 h + Mon 09-12 3 h -> Mon 23 12:00 CET; answered 13:00: 1 h over.
        #expect(design.breaches == [
            Breach(
                record: RecordLine(reference: "INC-16", title: "Mail quota errors", service: "Mail", priority: 2), target: .resolution,
                targetSeconds: 8 * hour, overrunSeconds: 16 * hour, breachedAt: Timestamp(cet(3, 24, 17)), calendar: "Berlin office",
                pausedSeconds: 20 * hour),
            Breach(
                record: RecordLine(reference: "INC-9", title: "Payroll batch late", service: "Payroll", priority: 2), target: .resolution,
                targetSeconds: 8 * hour, overrunSeconds: 15 * hour, breachedAt: Timestamp(cet(3, 28, 20)), calendar: "Around the clock",
                pausedSeconds: 0),
            Breach(
                record: RecordLine(reference: "INC-5", title: "Mail attachments blocked", service: "Mail", priority: 3), target: .response,
                targetSeconds: 4 * hour, overrunSeconds: 1 * hour, breachedAt: Timestamp(cet(3, 23, 12)), calendar: "Berlin office",
                pausedSeconds: 0),
        ])
        // Previous week: INC-18 response, Thu 19 Mar 14:00 + 2 business hours = 16:00, answered 17:00. INC-1, INC-2 met
        // theirs; INC-5's response deadline (Mon 23 12:00) is this week's; INC-3 has no SLA.
        #expect(design.breachCount == .count(3, previous: 1))

        // Mail: INC-7 Thu 26 15:00 CET -> Fri 27 09:00 CET overlaps INC-8 Fri 27 08:00 CET -> (resolved after the week);
        // their union is Thu 26 14:00Z .. Sun 29 22:00Z = 80 h of a 167-hour week. Previous week: none.
        // Payroll: nothing this week; previous week INC-2 Thu 19 22:00 -> Fri 20 02:00 = 4 h of 168.
        #expect(design.availability == [
            NamedMetric("Mail", Metric(.percent, current: 100 * (1 - 80 * hour / (167 * hour)), previous: 100)),
            NamedMetric("Payroll", Metric(.percent, current: 100, previous: 100 * (1 - 4 * hour / (168 * hour)))),
        ])
        #expect(design.catalogChanges == [
            CatalogChange(service: "Wiki", change: "details updated", at: Timestamp(cet(3, 24, 11))),
            CatalogChange(service: "Chat", change: "moved from pipeline to catalog", at: Timestamp(cet(3, 25, 10))),
            CatalogChange(service: "Portal", change: "added to the pipeline portfolio", at: Timestamp(cet(3, 26, 11))),
        ])
        // Previous week: Fax retired Tue 17 Mar 10:00 (every service was created on 1 Feb).
        #expect(design.catalogChangeCount == .count(3, previous: 1))
        #expect(design.isEmpty == false)
    }

    @Test("transition: implemented, success, emergency, failed and backed out, lead time, calendar with collisions and freezes, CAB queue", arguments: StoreEngine.available)
    func transition(engine: StoreEngine) async throws {
        let transition = try #require(try await fixtureDigest(engine, try LifecycleWeek.list()).transition)
        // This week: CHG-3 (Thu 18:00, emergency, successful, linked to INC-7), CHG-1 (Tue 21:00, successful),
        // CHG-4 (Wed 20:00, backed out), CHG-2 (Sun 04:00 CEST, failed). Previous: CHG-5 (Tue 17, successful), CHG-6
        // (Thu 19, emergency, successful, linked), CHG-15 (Thu 19, failed), CHG-16 (Sat 21, backed out).
        #expect(transition.implemented == .count(4, previous: 4))
        #expect(transition.successRate == Metric(.percent, current: 50, previous: 50))
        #expect(transition.emergencyShare == Metric(.percent, current: 25, previous: 25))
        #expect(transition.linkedToIncidents == .count(1, previous: 1))
        #expect(transition.failedCount == .count(1, previous: 1))
        #expect(transition.backedOutCount == .count(1, previous: 1))
        #expect(transition.failed == [RecordLine(reference: "CHG-2", title: "Payroll tax table update", service: "Payroll", note: "failed")])
        #expect(transition.backedOut == [RecordLine(reference: "CHG-4", title: "Chat server upgrade", service: "Chat", note: "backed-out")])
        // Lead times: CHG-1 Mon 16 09:00 -> Tue 24 21:00 = 204 h; CHG-4 Mon 23 09:00 -> Wed 25 20:00 = 59 h;
        // CHG-3 2 h; CHG-2 Wed 18 10:00 CET -> Sun 29 04:00 CEST = 257 h (258 on the wall clock, less the lost hour).
        // Mean (204 + 59 + 2 + 257) / 4 = 130.5 h; median (59 + 204) / 2 = 131.5 h.
        // Previous: CHG-5 Mon 9 10:00 -> Tue 17 20:00 = 202 h, CHG-6 2 h, CHG-15 Wed 18 09:00 -> Thu 19 21:00 = 36 h,
        // CHG-16 Fri 20 09:00 -> Sat 21 12:00 = 27 h: mean 267 / 4 = 66.75 h; median (27 + 36) / 2 = 31.5 h.
        #expect(transition.leadTimeMean == Metric(.seconds, current: 130.5 * hour, previous: 66.75 * hour))
        #expect(transition.leadTimeMedian == Metric(.seconds, current: 131.5 * hour, previous: 31.5 * hour))

        // Next week (Mon 30 Mar .. Sun 5 Apr, CEST), by window start: CHG-9 Tue 17-20, CHG-7 Tue 20-23 (awaiting
        // approval), CHG-8 Tue 22 - Wed 01, CHG-10 Thu 2 Apr 18-20, CHG-11 Sat 4 Apr 10-12. CHG-13 (Mon 6 Apr) is
        // after it; CHG-14 was cancelled. CHG-7 and CHG-8 overlap 22-23; CHG-9 ends at 20:00 as CHG-7 starts (no
        // collision). CHG-10 lies in the Payroll quarter close, CHG-11 in Easter; CHG-8 reaches into the quarter
        // close, which freezes Payroll only.
        func upcoming(_ id: Int, _ title: String, _ service: String, _ start: Instant, _ end: Instant, _ collisions: [String], _ freezes: [String]) -> UpcomingChange {
            UpcomingChange(
                change: RecordLine(reference: "CHG-\(id)", title: title, service: service), start: Timestamp(start), end: Timestamp(end),
                collidesWith: collisions, freezeConflicts: freezes)
        }
        #expect(transition.upcoming == [
            upcoming(9, "Mail DNS cleanup", "Mail", cest(3, 31, 17), cest(3, 31, 20), [], []),
            upcoming(7, "Mail server patching", "Mail", cest(3, 31, 20), cest(3, 31, 23), ["CHG-8"], []),
            upcoming(8, "Mail storage expansion", "Mail", cest(3, 31, 22), cest(4, 1, 1), ["CHG-7"], []),
            upcoming(10, "Payroll year-end config", "Payroll", cest(4, 2, 18), cest(4, 2, 20), [], ["Quarter close"]),
            upcoming(11, "Chat client rollout", "Chat", cest(4, 4, 10), cest(4, 4, 12), [], ["Easter"]),
        ])
        // Oldest request first: CHG-12 Fri 13 Mar 10:00 CET (16 days 13 h before Mon 30 00:00 CEST), CHG-7 Wed 25 Mar
        // 09:00 CET (4 days 14 h before).
        #expect(transition.awaitingApproval == [
            RecordLine(reference: "CHG-12", title: "Payroll SSO", service: "Payroll", note: "requested 16 days before the period's end"),
            RecordLine(reference: "CHG-7", title: "Mail server patching", service: "Mail", note: "requested 4 days before the period's end"),
        ])
        #expect(transition.isEmpty == false)
    }

    @Test("operation: flow, backlog and its age, MTTA and MTTR, first contact, reopen, majors, at risk, problems, requests", arguments: StoreEngine.available)
    func operation(engine: StoreEngine) async throws {
        let operation = try #require(try await fixtureDigest(engine, try LifecycleWeek.list()).operation)
        // Opened this week: P1 INC-7, 8; P2 INC-6, 9, 11, 14, 16; P3 INC-10, 12, 15, 17; P4 INC-13, 19 = 13.
        //   Previous: P1 INC-2; P2 INC-1, 18; P3 INC-3, 5 = 5.
        // Resolved this week (latest resolution, resolved now): P1 INC-7; P2 INC-6, 9, 11; P3 INC-5, 10, 15 = 7
        //   (INC-8 was resolved Mon 30 07:00 CEST, after the week; INC-19 was resolved Tue 24 and reopened Mon 30, so it is
        //   open now and not counted, docs/KPIS.md). Previous: P1 INC-2; P2 INC-1, 18 = 3.
        // Open at the end: P1 INC-8; P2 INC-14, 16; P3 INC-3, 4, 12, 17; P4 INC-13, 19 (by its current resolution: none) = 9.
        //   At the start: P3 INC-3, 4, 5 = 3.
        #expect(operation.opened == .count(13, previous: 5))
        #expect(operation.resolved == .count(7, previous: 3))
        #expect(operation.backlog == .count(9, previous: 3))
        #expect(operation.byPriority == [
            PriorityRow(priority: 1, opened: .count(2, previous: 1), resolved: .count(1, previous: 1), backlog: .count(1, previous: 0)),
            PriorityRow(priority: 2, opened: .count(5, previous: 2), resolved: .count(3, previous: 2), backlog: .count(2, previous: 0)),
            PriorityRow(priority: 3, opened: .count(4, previous: 2), resolved: .count(3, previous: 0), backlog: .count(4, previous: 3)),
            PriorityRow(priority: 4, opened: .count(2, previous: 0), resolved: .count(0, previous: 0), backlog: .count(2, previous: 0)),
        ])
        // Age at Sun 29 22:00Z in whole 24-hour days: INC-8 (Fri 27 07:00Z) 2, INC-13 0, INC-14 0, INC-17 0 -> 0-2: 4;
        // INC-12 (Thu 26 09:00Z) 3, INC-19 (Tue 24 09:00Z) 5, INC-16 (Mon 23 12:00Z) 6 -> 3-7: 3; INC-3 (Wed 18 08:00Z) 11 -> 8-30: 1;
        // INC-4 (2 Feb) -> over 30: 1. At Sun 22 23:00Z: INC-5 (Fri 20 15:00Z) 2; INC-3 4; INC-4 48.
        #expect(operation.backlogAge == [
            NamedMetric("0-2 days", .count(4, previous: 1)),
            NamedMetric("3-7 days", .count(3, previous: 1)),
            NamedMetric("8-30 days", .count(1, previous: 0)),
            NamedMetric("over 30 days", .count(1, previous: 1)),
        ])

        // First responses this week, wall-clock: INC-5 Fri 16:00 -> Mon 13:00 = 69 h; INC-6 Tue 16:00 -> Wed 10:00 = 18 h;
        // INC-7 0.5 h; INC-8 1 h; INC-9 0.5 h; INC-10 0.5 h; INC-11 0.25 h; INC-15 1 h (resolved at once); INC-16 0.5 h;
        // INC-17 1.5 h; INC-19 1 h (resolved at once). Sum 93.75 h over 11; sorted, the sixth is 1 h.
        // Previous: INC-1 1 h, INC-2 20 min, INC-3 30 min, INC-18 3 h: 17 400 s / 4 = 4350 s; middle pair 30 min, 1 h.
        #expect(operation.mttaMean == Metric(.seconds, current: 93.75 * hour / 11, previous: 4_350))
        #expect(operation.mttaMedian == Metric(.seconds, current: hour, previous: 2_700))
        // Business time, only items under an SLA target: INC-5 5 h, INC-6 2 h, INC-7 0.5 h, INC-8 0 (holiday), INC-9 0.5 h,
        // INC-10 0.5 h, INC-16 0.5 h, INC-17 1.5 h. Sum 10.5 h over 8 = 1.3125 h; middle pair 0.5 h, 0.5 h.
        // Previous: INC-1 1 h, INC-2 20 min, INC-18 3 h (INC-3 has no SLA): 15 600 s / 3 = 5200 s; median 1 h.
        #expect(operation.mttaBusinessMean == Metric(.seconds, current: 4_725, previous: 5_200))
        #expect(operation.mttaBusinessMedian == Metric(.seconds, current: 1_800, previous: hour))
        // Resolutions this week, wall-clock: INC-5 Fri 20 16:00 -> Tue 24 10:00 = 90 h; INC-6 Tue 16:00 -> Thu 14:00 = 46 h
        // (hold included); INC-7 18 h; INC-9 Sat 12:00 CET -> Sun 12:00 CEST = 23 h; INC-10 Mon 09:00 -> Tue 12:00 = 27 h
        // (the resolved gap included); INC-11 2 h; INC-15 1 h. Sum 207 h over 7; median 23 h.
        // (INC-19's resolution is not counted: it was reopened.)
        // Previous: INC-1 5 h, INC-2 4 h, INC-18 Thu 14:00 -> Fri 10:00 20 h: 29 h / 3 = 34 800 s; median 5 h.
        #expect(operation.mttrMean == Metric(.seconds, current: 207 * hour / 7, previous: 34_800))
        #expect(operation.mttrMedian == Metric(.seconds, current: 23 * hour, previous: 5 * hour))
        // Business: INC-5 10 h, INC-6 8 h (hold excluded), INC-7 2 h, INC-9 23 h (24x7), INC-10 11 h: 54 h over 5 = 10.8 h;
        // median 10 h. Previous: INC-1 5 h, INC-2 4 h, INC-18 4 h: 13 h / 3 = 15 600 s; median 4 h.
        #expect(operation.mttrBusinessMean == Metric(.seconds, current: 38_880, previous: 15_600))
        #expect(operation.mttrBusinessMedian == Metric(.seconds, current: 10 * hour, previous: 4 * hour))
        // Of the 7 resolved: INC-5, 9, 11, 15 never assigned, held or reopened (INC-6 assigned and held, INC-7 assigned,
        // INC-10 reopened): 4 of 7. Previous: INC-1 and INC-18 yes, INC-2 assigned: 2 of 3.
        #expect(operation.firstContactResolution == Metric(.percent, current: 100.0 * 4 / 7, previous: 100.0 * 2 / 3))
        // INC-10 reopened before its last resolution: 1 of 7 (INC-19, reopened after it, is not resolved); previous 0 of 3.
        #expect(operation.reopenRate == Metric(.percent, current: 100.0 * 1 / 7, previous: 0))
        // Majors open during the week: INC-7 (resolved Fri), INC-8 (resolved Mon 30, after the end). INC-2 ended the week before,
        // and is the previous week's one.
        #expect(operation.majorIncidents == [
            RecordLine(reference: "INC-7", title: "Mail cluster down", service: "Mail", priority: 1, note: "resolved"),
            RecordLine(reference: "INC-8", title: "Mail login fails", service: "Mail", priority: 1, note: "open at the period's end"),
        ])
        #expect(operation.majorIncidentCount == .count(2, previous: 1))
        // Open at Mon 30 00:00 CEST with at most 24 business hours left on the running target:
        //   INC-17 resolution (24x7 24 h from Sun 29 00:30Z): deadline Mon 30 00:30Z, 2.5 h left.
        //   INC-14 response (office 2 h, opened Sun 20:00 CEST): nothing used yet, deadline Mon 30 11:00 CEST, 2 h left.
        //   REQ-6 resolution (24x7 24 h from Sun 29 12:00 CEST): 12 h used, deadline Mon 30 12:00 CEST, 12 h left.
        //   INC-8 resolution (office 4 h, opened on the holiday): deadline Mon 30 13:00 CEST, 4 h left.
        // Not: INC-16 and INC-4 already breached; INC-3, 12, 13, 19 have no SLA.
        #expect(operation.atRisk == [
            AtRisk(record: RecordLine(reference: "INC-17", title: "Payroll login slow", service: "Payroll", priority: 3), target: .resolution,
                   deadline: Timestamp(cest(3, 30, 2, 30)), remainingSeconds: 2.5 * hour),
            AtRisk(record: RecordLine(reference: "INC-14", title: "Mail token expired", service: "Mail", priority: 2), target: .response,
                   deadline: Timestamp(cest(3, 30, 11)), remainingSeconds: 2 * hour),
            AtRisk(record: RecordLine(reference: "REQ-6", title: "Payroll report export", service: "Payroll", priority: 3), target: .resolution,
                   deadline: Timestamp(cest(3, 30, 12)), remainingSeconds: 12 * hour),
            AtRisk(record: RecordLine(reference: "INC-8", title: "Mail login fails", service: "Mail", priority: 1), target: .resolution,
                   deadline: Timestamp(cest(3, 30, 13)), remainingSeconds: 4 * hour),
        ])

        // Problems opened: PRB-4, PRB-5 (previous: PRB-1, 2, 3); known errors: PRB-1, PRB-4 (previous: PRB-2);
        // resolved: PRB-4 (previous: PRB-2). Queue growth 2 - 1 = 1 (previous 3 - 1 = 2).
        #expect(operation.problemsOpened == .count(2, previous: 3))
        #expect(operation.knownErrorsAdded == .count(2, previous: 1))
        #expect(operation.problemQueueGrowth == Metric(.count, current: 1, previous: 2))
        // Fulfilled: REQ-2, 3, 4, 5 (previous REQ-1). Within target: REQ-2 Mon 10-17 7 h + Tue 09-15 6 h = 13 h <= 16 h;
        // REQ-3 Wed 14-17 3 h + Thu 8 h + Fri holiday + Sat = 11 h <= 16 h; REQ-4 24x7 10 h > 8 h; REQ-5 P4 has no target.
        // 2 of 3. Previous: REQ-1 3 h <= 16 h.
        #expect(operation.requestsFulfilled == .count(4, previous: 1))
        #expect(operation.requestsWithinTarget == Metric(.percent, current: 100.0 * 2 / 3, previous: 100))
        #expect(operation.isEmpty == false)
    }

    @Test("improvement: the CSI register with current and previous values and standing; recurring categories without a problem", arguments: StoreEngine.available)
    func improvement(engine: StoreEngine) async throws {
        let improvement = try #require(try await fixtureDigest(engine, try LifecycleWeek.list()).improvement)
        // CSI-1: 8 (Thu 26) now, 9 (Fri 13) before; (8 - 10) / (6 - 10) = 50 % of the way, due 30 Jun: on schedule.
        // CSI-2: 50 now, 45 before; 50 % of the way, due Fri 27 Mar <= Sun 29 Mar: late.
        // CSI-3: 1.5 now, 3 before; (1.5 - 5) / (2 - 5) > 1: achieved (completed during the week, so still shown).
        // CSI-4: created Tue 24 with its baseline 100; nothing measured before the week: on schedule.
        // CSI-5 was completed before the week; CSI-6 was created after it.
        #expect(improvement.initiatives == [
            Initiative(
                reference: "CSI-1", title: "Cut Mail MTTR", owner: "Ada", service: "Mail", metric: "MTTR P2 (business hours)", baseline: 10,
                target: 6, value: Metric(.number, current: 8, previous: 9), dueDate: CivilDate(year: 2026, month: 6, day: 30),
                state: "in-progress", standing: .onSchedule),
            Initiative(
                reference: "CSI-2", title: "Raise Payroll first-contact rate", owner: "Ben", service: "Payroll",
                metric: "first-contact resolution %", baseline: 40, target: 60, value: Metric(.number, current: 50, previous: 45),
                dueDate: CivilDate(year: 2026, month: 3, day: 27), state: "in-progress", standing: .late),
            Initiative(
                reference: "CSI-3", title: "Wiki search under 2 s", owner: nil, service: "Wiki", metric: "p95 search time (s)", baseline: 5,
                target: 2, value: Metric(.number, current: 1.5, previous: 3), dueDate: CivilDate(year: 2026, month: 4, day: 30),
                state: "completed", standing: .achieved),
            Initiative(
                reference: "CSI-4", title: "Chat adoption", owner: "Cy", service: "Chat", metric: "weekly active users", baseline: 100,
                target: 500, value: Metric(.number, current: 100, previous: nil), dueDate: CivilDate(year: 2026, month: 9, day: 30),
                state: "proposed", standing: .onSchedule),
        ])
        // Chat "messaging": INC-11, 12, 13, none linked to a problem. Mail "authentication": INC-8, 10, 14, but INC-8
        // is linked to PRB-1, so it has a problem record.
        #expect(improvement.recurringWithoutProblem == [RecurringCategory(category: "messaging", service: "Chat", incidents: 3)])
        // Previous week: Mail "delivery" INC-1, 5, 18, none linked to a problem (this week it has INC-6 alone).
        #expect(improvement.recurringCount == .count(1, previous: 1))
        #expect(improvement.isEmpty == false)
    }
}
