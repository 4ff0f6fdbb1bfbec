import Domain
import Reporting
import Storage
import Testing

/// A hand-built week for the digest: Mon 23 .. Sun 29 March 2026 in Europe/Berlin, with the
/// company holiday on Friday 27 March and the spring-forward switch on Sunday 29 March (02:00 CET
/// becomes 03:00 CEST, so the week is 167 hours long). The previous week is Mon 16 .. Sun 22 March
/// (168 hours), the change calendar looks at Mon 30 March .. Sun 5 April.
///
/// Records are created in the order below on a fresh database, so their ids are the numbers used
/// here (`INC-16` is the sixteenth incident); `seed` checks that. Every figure the tests expect is
/// computed by hand from the instants written next to each record.
///
/// Calendars: "Berlin office" Mon-Fri 09:00-17:00, holiday Fri 27 Mar; "Around the clock" 24x7,
/// both in Europe/Berlin. SLAs: "Office hours" on the office calendar, P1 1 h / 4 h, P2 2 h / 8 h,
/// P3 4 h / 16 h, no P4 target; "Payroll 24x7" on the 24x7 calendar, P1 30 min / 4 h,
/// P2 1 h / 8 h, P3 2 h / 24 h (response / resolution).
///
/// Services: 1 Mail (Ada, Office hours), 2 Payroll (Ben, Payroll 24x7), 3 Wiki (no owner, no SLA,
/// details updated Tue 24 Mar 11:00), 4 Chat (Cy, no SLA, pipeline -> catalog Wed 25 Mar 10:00),
/// 5 Fax (Dee, retired Tue 17 Mar 10:00), 6 Portal (Eve, no SLA, added to the pipeline Thu 26 Mar 11:00).
enum LifecycleWeek {
    // MARK: Berlin wall time, converted by hand

    /// 2026-02-01, 2026-03-01 and 2026-04-01 at 00:00 UTC.
    private static let monthStarts: [Int: Int64] = [2: 1_769_904_000, 3: 1_772_323_200, 4: 1_775_001_600]

    /// Berlin wall time before the switch (CET, UTC+1): `cet(3, 24, 16)` is Tue 24 Mar 16:00 CET = 15:00Z.
    static func cet(_ month: Int, _ day: Int64, _ hour: Int64, _ minute: Int64 = 0) -> Instant {
        utc(month, day, hour, minute) - .hours(1)
    }

    /// Berlin wall time after the switch (CEST, UTC+2): `cest(3, 29, 4)` is Sun 29 Mar 04:00 CEST = 02:00Z.
    static func cest(_ month: Int, _ day: Int64, _ hour: Int64, _ minute: Int64 = 0) -> Instant {
        utc(month, day, hour, minute) - .hours(2)
    }

    static func utc(_ month: Int, _ day: Int64, _ hour: Int64, _ minute: Int64 = 0) -> Instant {
        Instant(secondsSinceEpoch: monthStarts[month]!) + .days(day - 1) + .hours(hour) + .minutes(minute)
    }

    /// When the digests are built: Mon 30 Mar 08:00 CEST.
    static let buildTime = cest(3, 30, 8)

    static func list(slug: String = "ops-weekly", services: [Int64] = [], minimumPriority: Priority = .p4, skipsEmptyDigest: Bool = false) throws -> MailingList {
        try MailingList(
            slug: slug, title: "Ops weekly", sender: try ListSender(address: try EmailAddress(parsing: "itsm@example.org")),
            digest: try DigestSelection(stages: Set(LifecycleStage.allCases), serviceIDs: services, minimumPriority: minimumPriority),
            schedule: "weekly MON 08:00", timeZoneIdentifier: "Europe/Berlin", skipsEmptyDigest: skipsEmptyDigest)
    }

    /// The week of Mon 23 Mar 2026 in Berlin, as the scheduler would pick it on Mon 30 Mar.
    static func period() throws -> ReportingPeriod {
        try ReportingPeriod.previous(.week, before: buildTime, clock: try LocalClock(timeZoneIdentifier: "Europe/Berlin"))
    }

    // MARK: The records

    static func seed(_ store: Store) async throws {
        let weekdays = try [WorkingInterval(parsing: "09:00-17:00")]
        let office = try await store.calendars.create(try BusinessCalendar(
            name: "Berlin office", timeZoneIdentifier: "Europe/Berlin",
            weeklyHours: [.monday: weekdays, .tuesday: weekdays, .wednesday: weekdays, .thursday: weekdays, .friday: weekdays],
            holidays: [Holiday(date: CivilDate(year: 2026, month: 3, day: 27)!, name: "Company day")]))
        let allHours = try await store.calendars.create(try BusinessCalendar.twentyFourSeven(name: "Around the clock", timeZoneIdentifier: "Europe/Berlin"))
        let officeSLA = try await store.slas.create(try ServiceLevelAgreement(name: "Office hours", calendarID: try #require(office.id), targets: [
            .p1: try SLATarget(response: .hours(1), resolution: .hours(4)),
            .p2: try SLATarget(response: .hours(2), resolution: .hours(8)),
            .p3: try SLATarget(response: .hours(4), resolution: .hours(16)),
        ]))
        let payrollSLA = try await store.slas.create(try ServiceLevelAgreement(name: "Payroll 24x7", calendarID: try #require(allHours.id), targets: [
            .p1: try SLATarget(response: .minutes(30), resolution: .hours(4)),
            .p2: try SLATarget(response: .hours(1), resolution: .hours(8)),
            .p3: try SLATarget(response: .hours(2), resolution: .hours(24)),
        ]))
        try await seedServices(store, officeSLA: try #require(officeSLA.id), payrollSLA: try #require(payrollSLA.id))
        try await seedProblems(store)
        try await seedIncidents(store)
        try await seedChanges(store)
        try await seedRequests(store)
        try await seedImprovements(store)
    }

    private static let mail: Int64 = 1, payroll: Int64 = 2, wiki: Int64 = 3, chat: Int64 = 4, fax: Int64 = 5

    private static func seedServices(_ store: Store, officeSLA: Int64, payrollSLA: Int64) async throws {
        let created = cet(2, 1, 9)
        try await expectID(1, store.services.create(try Service(name: "Mail", owner: "Ada", status: .catalog, slaID: officeSLA, at: created, by: "ada")).id)
        try await expectID(2, store.services.create(try Service(name: "Payroll", owner: "Ben", status: .catalog, slaID: payrollSLA, at: created, by: "ada")).id)
        var wiki = try await store.services.create(try Service(name: "Wiki", status: .catalog, at: created, by: "ada"))
        try expectID(3, wiki.id)
        wiki.description = "Team pages"
        wiki.events.append(RecordEvent(at: cet(3, 24, 11), actor: "ada", action: .updated, detail: "description"))
        _ = try await store.services.save(wiki)
        var chat = try await store.services.create(try Service(name: "Chat", owner: "Cy", status: .pipeline, at: created, by: "ada"))
        try expectID(4, chat.id)
        try chat.move(to: .catalog, at: cet(3, 25, 10), by: "ada")
        _ = try await store.services.save(chat)
        var fax = try await store.services.create(try Service(name: "Fax", owner: "Dee", status: .catalog, at: created, by: "ada"))
        try expectID(5, fax.id)
        try fax.move(to: .retired, at: cet(3, 17, 10), by: "ada")
        _ = try await store.services.save(fax)
        try await expectID(6, store.services.create(try Service(name: "Portal", owner: "Eve", status: .pipeline, at: cet(3, 26, 11), by: "eve")).id)
    }

    private static func seedProblems(_ store: Store) async throws {
        // PRB-1 Mail, opened Wed 18 Mar (previous), known error Tue 24 Mar (this week), still open.
        var directory = try Problem(title: "Directory sync drops tokens", serviceID: mail, at: cet(3, 18, 10), by: "ada")
        try directory.move(to: .investigating, at: cet(3, 19, 9), by: "ada")
        try directory.document(rootCause: "token cache evicted on sync", workaround: nil, at: cet(3, 24, 9), by: "ada")
        try directory.markKnownError(at: cet(3, 24, 10), by: "ada")
        try await expectID(1, store.problems.create(directory).id)
        // PRB-2 Chat, opened, known error and resolved in the previous week.
        var history = try Problem(title: "Chat history gaps", serviceID: chat, at: cet(3, 19, 10), by: "cy")
        try history.move(to: .investigating, at: cet(3, 19, 11), by: "cy")
        try history.document(rootCause: nil, workaround: "re-index nightly", at: cet(3, 20, 9), by: "cy")
        try history.markKnownError(at: cet(3, 20, 9), by: "cy")
        try history.move(to: .resolved, at: cet(3, 20, 15), by: "cy")
        try await expectID(2, store.problems.create(history).id)
        // PRB-3 Wiki, opened in the previous week, untouched since.
        try await expectID(3, store.problems.create(try Problem(title: "Wiki index corrupt", serviceID: wiki, at: cet(3, 17, 10), by: "ada")).id)
        // PRB-4 Payroll, opened Mon 23, known error Wed 25, resolved Fri 27 (the holiday).
        var batch = try Problem(title: "Payroll batch timing", serviceID: payroll, at: cet(3, 23, 10), by: "ben")
        try batch.move(to: .investigating, at: cet(3, 23, 11), by: "ben")
        try batch.document(rootCause: nil, workaround: "start the batch at 23:00", at: cet(3, 25, 10), by: "ben")
        try batch.markKnownError(at: cet(3, 25, 10), by: "ben")
        try batch.move(to: .resolved, at: cet(3, 27, 12), by: "ben")
        try await expectID(4, store.problems.create(batch).id)
        // PRB-5 no service, opened Thu 26.
        try await expectID(5, store.problems.create(try Problem(title: "Shared storage latency", at: cet(3, 26, 12), by: "ada")).id)
    }

    // swiftlint:disable:next function_body_length
    private static func seedIncidents(_ store: Store) async throws {
        // INC-1 Mail P2 "delivery", previous week: Mon 16 Mar 10:00, answered 11:00, resolved 15:00.
        var incident = try Incident(title: "Mail queue stuck", category: "delivery", impact: .high, urgency: .medium, serviceID: mail, at: cet(3, 16, 10), by: "ada")
        try incident.respond(at: cet(3, 16, 11), by: "bob")
        try incident.resolve(at: cet(3, 16, 15), by: "bob")
        try await expectID(1, store.incidents.create(incident).id)
        // INC-2 Payroll P1 major, previous week: Thu 19 Mar 22:00, assigned 22:10, answered 22:20, resolved Fri 20 02:00.
        incident = try Incident(title: "Payroll export failed", impact: .high, urgency: .high, serviceID: payroll, isMajor: true, at: cet(3, 19, 22), by: "ben")
        try incident.assign(to: "payroll team", at: cet(3, 19, 22, 10), by: "ben")
        try incident.respond(at: cet(3, 19, 22, 20), by: "ben")
        try incident.resolve(at: cet(3, 20, 2), by: "ben")
        try await expectID(2, store.incidents.create(incident).id)
        // INC-3 Wiki P3 (no SLA): Wed 18 Mar 09:00, answered 09:30, still open.
        incident = try Incident(title: "Wiki search slow", impact: .medium, urgency: .medium, serviceID: wiki, at: cet(3, 18, 9), by: "ada")
        try incident.respond(at: cet(3, 18, 9, 30), by: "bob")
        try await expectID(3, store.incidents.create(incident).id)
        // INC-4 Mail P3: Mon 2 Feb 10:00, answered and assigned 11:00, still open.
        incident = try Incident(title: "Mail archive gap", impact: .medium, urgency: .medium, serviceID: mail, at: cet(2, 2, 10), by: "ada")
        try incident.respond(at: cet(2, 2, 11), by: "bob")
        try incident.assign(to: "mail team", at: cet(2, 2, 11), by: "bob")
        try await expectID(4, store.incidents.create(incident).id)
        // INC-5 Mail P3 "delivery": Fri 20 Mar 16:00 (previous week), answered Mon 23 13:00, resolved Tue 24 10:00.
        incident = try Incident(title: "Mail attachments blocked", category: "delivery", impact: .medium, urgency: .medium, serviceID: mail, at: cet(3, 20, 16), by: "ada")
        try incident.respond(at: cet(3, 23, 13), by: "bob")
        try incident.resolve(at: cet(3, 24, 10), by: "bob")
        try await expectID(5, store.incidents.create(incident).id)
        // INC-6 Mail P2: Tue 24 16:00, answered and assigned Wed 10:00, on hold Wed 12:00 - Thu 10:00, resolved Thu 14:00.
        incident = try Incident(title: "Mail delivery delayed", category: "delivery", impact: .high, urgency: .medium, serviceID: mail, at: cet(3, 24, 16), by: "ada")
        try incident.respond(at: cet(3, 25, 10), by: "bob")
        try incident.assign(to: "mail team", at: cet(3, 25, 10), by: "bob")
        try incident.hold(at: cet(3, 25, 12), by: "bob", reason: "waiting for the provider")
        try incident.resume(at: cet(3, 26, 10), by: "bob")
        try incident.resolve(at: cet(3, 26, 14), by: "bob")
        try await expectID(6, store.incidents.create(incident).id)
        // INC-7 Mail P1 major: Thu 26 15:00, answered and assigned 15:30, resolved Fri 27 09:00 (holiday).
        incident = try Incident(title: "Mail cluster down", category: "outage", impact: .high, urgency: .high, serviceID: mail, isMajor: true, at: cet(3, 26, 15), by: "ada")
        try incident.respond(at: cet(3, 26, 15, 30), by: "bob")
        try incident.assign(to: "mail team", at: cet(3, 26, 15, 30), by: "bob")
        try incident.resolve(at: cet(3, 27, 9), by: "bob")
        try await expectID(7, store.incidents.create(incident).id)
        // INC-8 Mail P1 major, linked to PRB-1: Fri 27 08:00 (holiday), answered 09:00, resolved Mon 30 07:00 CEST (after the week).
        incident = try Incident(title: "Mail login fails", category: "authentication", impact: .high, urgency: .high, serviceID: mail, isMajor: true, at: cet(3, 27, 8), by: "ada")
        try incident.respond(at: cet(3, 27, 9), by: "bob")
        try incident.link(problem: 1, at: cet(3, 27, 9), by: "bob")
        try incident.resolve(at: cest(3, 30, 7), by: "bob")
        try await expectID(8, store.incidents.create(incident).id)
        // INC-9 Payroll P2 (24x7): Sat 28 12:00 CET, answered 12:30, resolved Sun 29 12:00 CEST (23 h later).
        incident = try Incident(title: "Payroll batch late", impact: .high, urgency: .medium, serviceID: payroll, at: cet(3, 28, 12), by: "ben")
        try incident.respond(at: cet(3, 28, 12, 30), by: "ben")
        try incident.resolve(at: cest(3, 29, 12), by: "ben")
        try await expectID(9, store.incidents.create(incident).id)
        // INC-10 Mail P3: Mon 23 09:00, in progress 09:30, resolved 11:00, reopened Tue 24 09:00, resolved Tue 12:00.
        incident = try Incident(title: "Mail sign-in rejected", category: "authentication", impact: .medium, urgency: .medium, serviceID: mail, at: cet(3, 23, 9), by: "ada")
        try incident.move(to: .inProgress, at: cet(3, 23, 9, 30), by: "bob")
        try incident.resolve(at: cet(3, 23, 11), by: "bob")
        try incident.reopen(at: cet(3, 24, 9), by: "ada", reason: "still rejected")
        try incident.resolve(at: cet(3, 24, 12), by: "bob")
        try await expectID(10, store.incidents.create(incident).id)
        // INC-11 Chat P2 (no SLA): Wed 25 11:00, in progress 11:15, resolved 13:00.
        incident = try Incident(title: "Chat messages lost", category: "messaging", impact: .high, urgency: .medium, serviceID: chat, at: cet(3, 25, 11), by: "cy")
        try incident.move(to: .inProgress, at: cet(3, 25, 11, 15), by: "cy")
        try incident.resolve(at: cet(3, 25, 13), by: "cy")
        try await expectID(11, store.incidents.create(incident).id)
        // INC-12 Chat P3: Thu 26 10:00, open. INC-13 Chat P4: Sun 29 10:00 CEST, open.
        try await expectID(12, store.incidents.create(try Incident(
            title: "Chat offline for sales", category: "messaging", impact: .medium, urgency: .medium, serviceID: chat, at: cet(3, 26, 10), by: "cy")).id)
        try await expectID(13, store.incidents.create(try Incident(
            title: "Chat notifications missing", category: "messaging", impact: .low, urgency: .low, serviceID: chat, at: cest(3, 29, 10), by: "cy")).id)
        // INC-14 Mail P2: Sun 29 20:00 CEST, not answered.
        try await expectID(14, store.incidents.create(try Incident(
            title: "Mail token expired", category: "authentication", impact: .high, urgency: .medium, serviceID: mail, at: cest(3, 29, 20), by: "ada")).id)
        // INC-15 no service, P3: Mon 23 14:00, resolved at once 15:00.
        incident = try Incident(title: "Printer jam on floor 3", impact: .medium, urgency: .medium, at: cet(3, 23, 14), by: "ada")
        try incident.resolve(at: cet(3, 23, 15), by: "bob")
        try await expectID(15, store.incidents.create(incident).id)
        // INC-16 Mail P2: Mon 23 13:00, in progress 13:30, on hold Mon 15:00 - Tue 11:00, still in progress.
        incident = try Incident(title: "Mail quota errors", impact: .high, urgency: .medium, serviceID: mail, at: cet(3, 23, 13), by: "ada")
        try incident.move(to: .inProgress, at: cet(3, 23, 13, 30), by: "bob")
        try incident.hold(at: cet(3, 23, 15), by: "bob", reason: "waiting for the user")
        try incident.resume(at: cet(3, 24, 11), by: "bob")
        try await expectID(16, store.incidents.create(incident).id)
        // INC-17 Payroll P3 (24x7): Sun 29 01:30 CET, in progress 04:00 CEST (1.5 h later), still open.
        incident = try Incident(title: "Payroll login slow", impact: .medium, urgency: .medium, serviceID: payroll, at: cet(3, 29, 1, 30), by: "ben")
        try incident.move(to: .inProgress, at: cest(3, 29, 4), by: "ben")
        try await expectID(17, store.incidents.create(incident).id)
        // INC-18 Mail P2 "delivery", previous week: Thu 19 Mar 14:00, answered 17:00 (3 business hours against a 2-hour
        // target: a breach at 16:00), resolved Fri 20 10:00. With INC-1 and INC-5, Mail "delivery" recurs in the previous week.
        incident = try Incident(title: "Mail bounces for partners", category: "delivery", impact: .high, urgency: .medium, serviceID: mail, at: cet(3, 19, 14), by: "ada")
        try incident.respond(at: cet(3, 19, 17), by: "bob")
        try incident.resolve(at: cet(3, 20, 10), by: "bob")
        try await expectID(18, store.incidents.create(incident).id)
        // INC-19 Wiki P4 (no SLA): Tue 24 10:00, resolved at once 11:00, reopened Mon 30 07:30 CEST (after the week,
        // before the build): open now, so not counted as resolved this week.
        incident = try Incident(title: "Wiki page history missing", impact: .low, urgency: .low, serviceID: wiki, at: cet(3, 24, 10), by: "ada")
        try incident.resolve(at: cet(3, 24, 11), by: "bob")
        try incident.reopen(at: cest(3, 30, 7, 30), by: "ada", reason: "history still missing")
        try await expectID(19, store.incidents.create(incident).id)
    }

    private static func seedChanges(_ store: Store) async throws {
        func window(_ start: Instant, _ end: Instant) throws -> ChangeWindow { try ChangeWindow(start: start, end: end) }
        // CHG-1 Mail standard: requested Mon 16 Mar 09:00, implemented successfully Tue 24 21:00.
        var change = try Change(title: "Mail TLS certificate renewal", type: .standard, risk: .low, serviceID: mail, at: cet(3, 16, 9), by: "ada")
        try change.submit(at: cet(3, 16, 9), by: "ada")
        try change.schedule(try window(cet(3, 24, 20), cet(3, 24, 21)), at: cet(3, 16, 9, 30), by: "ada")
        try change.implement(outcome: .successful, at: cet(3, 24, 21), by: "ada")
        try await expectID(1, store.changes.create(change).id)
        // CHG-2 Payroll normal: requested Wed 18 Mar 10:00, window Sat 28 22:00 CET - Sun 29 04:00 CEST, failed at 04:00 CEST.
        change = try Change(title: "Payroll tax table update", type: .normal, risk: .medium, serviceID: payroll, approvers: ["cleo"], at: cet(3, 18, 10), by: "ben")
        try change.submit(at: cet(3, 18, 10), by: "ben")
        try change.vote(approver: "cleo", approve: true, at: cet(3, 19, 10))
        try change.schedule(try window(cet(3, 28, 22), cest(3, 29, 4)), at: cet(3, 19, 10, 30), by: "ben")
        try change.implement(outcome: .failed, at: cest(3, 29, 4), by: "ben")
        try await expectID(2, store.changes.create(change).id)
        // CHG-3 Mail emergency, fixes INC-7: requested Thu 26 16:00, implemented successfully 18:00.
        change = try Change(title: "Mail cluster failover fix", type: .emergency, risk: .high, serviceID: mail, approvers: ["cleo"], at: cet(3, 26, 16), by: "ada")
        try change.submit(at: cet(3, 26, 16), by: "ada")
        try change.vote(approver: "cleo", approve: true, at: cet(3, 26, 16, 30))
        try change.schedule(try window(cet(3, 26, 17), cet(3, 26, 18)), at: cet(3, 26, 16, 30), by: "ada")
        try change.implement(outcome: .successful, at: cet(3, 26, 18), by: "ada")
        change.incidentIDs = [7]
        try await expectID(3, store.changes.create(change).id)
        // CHG-4 Chat normal: requested Mon 23 09:00, backed out Wed 25 20:00.
        change = try Change(title: "Chat server upgrade", type: .normal, risk: .medium, serviceID: chat, approvers: ["cleo"], at: cet(3, 23, 9), by: "cy")
        try change.submit(at: cet(3, 23, 9), by: "cy")
        try change.vote(approver: "cleo", approve: true, at: cet(3, 23, 14))
        try change.schedule(try window(cet(3, 25, 18), cet(3, 25, 20)), at: cet(3, 23, 14), by: "cy")
        try change.implement(outcome: .backedOut, at: cet(3, 25, 20), by: "cy")
        try await expectID(4, store.changes.create(change).id)
        // CHG-5 Wiki standard, previous week: requested Mon 9 Mar 10:00, implemented successfully Tue 17 20:00.
        change = try Change(title: "Wiki plugin update", type: .standard, risk: .low, serviceID: wiki, at: cet(3, 9, 10), by: "ada")
        try change.submit(at: cet(3, 9, 10), by: "ada")
        try change.schedule(try window(cet(3, 17, 19), cet(3, 17, 20)), at: cet(3, 9, 11), by: "ada")
        try change.implement(outcome: .successful, at: cet(3, 17, 20), by: "ada")
        try await expectID(5, store.changes.create(change).id)
        // CHG-6 Mail emergency, previous week, linked to INC-1: requested Thu 19 Mar 08:00, implemented 10:00.
        change = try Change(title: "Mail spam filter rules", type: .emergency, risk: .medium, serviceID: mail, approvers: ["cleo"], at: cet(3, 19, 8), by: "ada")
        try change.submit(at: cet(3, 19, 8), by: "ada")
        try change.vote(approver: "cleo", approve: true, at: cet(3, 19, 8, 30))
        try change.schedule(try window(cet(3, 19, 9), cet(3, 19, 10)), at: cet(3, 19, 8, 30), by: "ada")
        try change.implement(outcome: .successful, at: cet(3, 19, 10), by: "ada")
        change.incidentIDs = [1]
        try await expectID(6, store.changes.create(change).id)
        // CHG-7 Mail normal, awaiting approval since Wed 25 Mar 09:00; window Tue 31 Mar 20:00-23:00 CEST.
        change = try Change(
            title: "Mail server patching", type: .normal, risk: .medium, serviceID: mail,
            window: try window(cest(3, 31, 20), cest(3, 31, 23)), approvers: ["cleo"], at: cet(3, 25, 9), by: "ada")
        try change.submit(at: cet(3, 25, 9), by: "ada")
        try await expectID(7, store.changes.create(change).id)
        // CHG-8 Mail standard, scheduled Tue 31 Mar 22:00 - Wed 1 Apr 01:00 CEST: overlaps CHG-7.
        change = try Change(title: "Mail storage expansion", type: .standard, risk: .low, serviceID: mail, at: cet(3, 26, 10), by: "ada")
        try change.submit(at: cet(3, 26, 10), by: "ada")
        try change.schedule(try window(cest(3, 31, 22), cest(4, 1, 1)), at: cet(3, 26, 10), by: "ada")
        try await expectID(8, store.changes.create(change).id)
        // CHG-9 Mail standard, scheduled Tue 31 Mar 17:00-20:00 CEST: ends as CHG-7 starts, no collision.
        change = try Change(title: "Mail DNS cleanup", type: .standard, risk: .low, serviceID: mail, at: cet(3, 26, 11), by: "ada")
        try change.submit(at: cet(3, 26, 11), by: "ada")
        try change.schedule(try window(cest(3, 31, 17), cest(3, 31, 20)), at: cet(3, 26, 11), by: "ada")
        try await expectID(9, store.changes.create(change).id)
        // CHG-10 Payroll normal, authorised and scheduled Thu 2 Apr 18:00-20:00 CEST: inside the Payroll quarter-close freeze.
        change = try Change(title: "Payroll year-end config", type: .normal, risk: .high, serviceID: payroll, approvers: ["cleo"], at: cet(3, 20, 10), by: "ben")
        try change.submit(at: cet(3, 20, 10), by: "ben")
        try change.vote(approver: "cleo", approve: true, at: cet(3, 23, 10))
        try change.schedule(try window(cest(4, 2, 18), cest(4, 2, 20)), at: cet(3, 23, 10, 30), by: "ben")
        try await expectID(10, store.changes.create(change).id)
        // CHG-11 Chat standard, scheduled Sat 4 Apr 10:00-12:00 CEST: inside the Easter freeze (all services).
        change = try Change(title: "Chat client rollout", type: .standard, risk: .low, serviceID: chat, at: cet(3, 24, 10), by: "cy")
        try change.submit(at: cet(3, 24, 10), by: "cy")
        try change.schedule(try window(cest(4, 4, 10), cest(4, 4, 12)), at: cet(3, 24, 10), by: "cy")
        try await expectID(11, store.changes.create(change).id)
        // CHG-12 Payroll normal, awaiting approval since Fri 13 Mar 10:00, no window yet.
        change = try Change(title: "Payroll SSO", type: .normal, risk: .medium, serviceID: payroll, approvers: ["cleo"], at: cet(3, 13, 10), by: "ben")
        try change.submit(at: cet(3, 13, 10), by: "ben")
        try await expectID(12, store.changes.create(change).id)
        // CHG-13 Wiki standard, scheduled Mon 6 Apr 10:00-11:00 CEST: after the next week.
        change = try Change(title: "Wiki theme", type: .standard, risk: .low, serviceID: wiki, at: cet(3, 24, 9), by: "ada")
        try change.submit(at: cet(3, 24, 9), by: "ada")
        try change.schedule(try window(cest(4, 6, 10), cest(4, 6, 11)), at: cet(3, 24, 9), by: "ada")
        try await expectID(13, store.changes.create(change).id)
        // CHG-14 Chat standard, scheduled Sat 4 Apr 11:00-13:00 CEST over CHG-11, then cancelled Fri 27 Mar.
        change = try Change(title: "Chat retention policy", type: .standard, risk: .low, serviceID: chat, at: cet(3, 24, 11), by: "cy")
        try change.submit(at: cet(3, 24, 11), by: "cy")
        try change.schedule(try window(cest(4, 4, 11), cest(4, 4, 13)), at: cet(3, 24, 11), by: "cy")
        try change.cancel(at: cet(3, 27, 10), by: "cy", reason: "not needed")
        try await expectID(14, store.changes.create(change).id)
        // CHG-15 Mail standard, previous week: requested Wed 18 Mar 09:00, failed Thu 19 21:00 (36 h).
        change = try Change(title: "Mail relay config", type: .standard, risk: .low, serviceID: mail, at: cet(3, 18, 9), by: "ada")
        try change.submit(at: cet(3, 18, 9), by: "ada")
        try change.schedule(try window(cet(3, 19, 20), cet(3, 19, 21)), at: cet(3, 18, 9, 30), by: "ada")
        try change.implement(outcome: .failed, at: cet(3, 19, 21), by: "ada")
        try await expectID(15, store.changes.create(change).id)
        // CHG-16 Wiki standard, previous week: requested Fri 20 Mar 09:00, backed out Sat 21 12:00 (27 h).
        change = try Change(title: "Wiki search reindex", type: .standard, risk: .low, serviceID: wiki, at: cet(3, 20, 9), by: "ada")
        try change.submit(at: cet(3, 20, 9), by: "ada")
        try change.schedule(try window(cet(3, 21, 10), cet(3, 21, 12)), at: cet(3, 20, 9, 30), by: "ada")
        try change.implement(outcome: .backedOut, at: cet(3, 21, 12), by: "ada")
        try await expectID(16, store.changes.create(change).id)

        // Freezes: Payroll quarter close Wed 1 Apr 00:00 - Fri 3 Apr 00:00 CEST; Easter for everything Fri 3 - Tue 7 Apr.
        _ = try await store.freezes.create(try FreezeWindow(name: "Quarter close", start: cest(4, 1, 0), end: cest(4, 3, 0), serviceIDs: [payroll]))
        _ = try await store.freezes.create(try FreezeWindow(name: "Easter", start: cest(4, 3, 0), end: cest(4, 7, 0)))
    }

    private static func seedRequests(_ store: Store) async throws {
        func fulfilled(_ number: Int64, _ title: String, _ serviceID: Int64, _ priority: Priority, opened: Instant, working: Instant, done: Instant) async throws {
            var request = try ServiceRequest(title: title, requester: "staff", serviceID: serviceID, priority: priority, at: opened, by: "desk")
            try request.move(to: .inFulfilment, at: working, by: "desk")
            try request.move(to: .fulfilled, at: done, by: "desk")
            try await expectID(number, store.requests.create(request).id)
        }
        // REQ-1 Mail P3, previous week: Tue 17 Mar 09:00 -> 12:00.
        try await fulfilled(1, "Mail alias for support", mail, .p3, opened: cet(3, 17, 9), working: cet(3, 17, 10), done: cet(3, 17, 12))
        // REQ-2 Mail P3: Mon 23 10:00 -> Tue 24 15:00.
        try await fulfilled(2, "Shared mailbox for sales", mail, .p3, opened: cet(3, 23, 10), working: cet(3, 23, 11), done: cet(3, 24, 15))
        // REQ-3 Mail P3: Wed 25 14:00 -> Sat 28 10:00, across the holiday.
        try await fulfilled(3, "Mail distribution list", mail, .p3, opened: cet(3, 25, 14), working: cet(3, 26, 10), done: cet(3, 28, 10))
        // REQ-4 Payroll P2 (24x7): Fri 27 10:00 -> 20:00.
        try await fulfilled(4, "Payroll access for new hire", payroll, .p2, opened: cet(3, 27, 10), working: cet(3, 27, 11), done: cet(3, 27, 20))
        // REQ-5 Mail P4 (Office hours has no P4 target): Mon 23 09:00 -> Tue 24 11:00.
        try await fulfilled(5, "Mail signature template", mail, .p4, opened: cet(3, 23, 9), working: cet(3, 23, 10), done: cet(3, 24, 11))
        // REQ-6 Payroll P3 (24x7): Sun 29 12:00 CEST, approved 13:00, still open.
        var request = try ServiceRequest(title: "Payroll report export", requester: "staff", serviceID: payroll, priority: .p3, at: cest(3, 29, 12), by: "desk")
        try request.move(to: .approved, at: cest(3, 29, 13), by: "desk")
        try await expectID(6, store.requests.create(request).id)
    }

    private static func seedImprovements(_ store: Store) async throws {
        // CSI-1 Mail: baseline 10, target 6, due 30 Jun; measured 9 on Fri 13 Mar and 8 on Thu 26 Mar.
        var improvement = try Improvement(
            title: "Cut Mail MTTR", owner: "Ada", serviceID: mail, metric: "MTTR P2 (business hours)", baseline: 10, target: 6,
            dueDate: CivilDate(year: 2026, month: 6, day: 30), at: cet(2, 1, 10), by: "ada")
        try improvement.move(to: .approved, at: cet(2, 2, 10), by: "ada")
        try improvement.move(to: .inProgress, at: cet(2, 3, 10), by: "ada")
        try improvement.measure(9, at: cet(3, 13, 12), by: "ada")
        try improvement.measure(8, at: cet(3, 26, 12), by: "ada")
        try await expectID(1, store.improvements.create(improvement).id)
        // CSI-2 Payroll: baseline 40, target 60, due Fri 27 Mar; measured 45 on Mon 16 Mar and 50 on Wed 25 Mar.
        improvement = try Improvement(
            title: "Raise Payroll first-contact rate", owner: "Ben", serviceID: payroll, metric: "first-contact resolution %", baseline: 40,
            target: 60, dueDate: CivilDate(year: 2026, month: 3, day: 27), at: cet(2, 1, 10), by: "ben")
        try improvement.move(to: .approved, at: cet(2, 2, 10), by: "ben")
        try improvement.move(to: .inProgress, at: cet(2, 3, 10), by: "ben")
        try improvement.measure(45, at: cet(3, 16, 12), by: "ben")
        try improvement.measure(50, at: cet(3, 25, 12), by: "ben")
        try await expectID(2, store.improvements.create(improvement).id)
        // CSI-3 Wiki: baseline 5, target 2 (lower is better), due 30 Apr; measured 3 on Thu 19 Mar, 1.5 on Tue 24 Mar, completed Wed 25.
        improvement = try Improvement(
            title: "Wiki search under 2 s", serviceID: wiki, metric: "p95 search time (s)", baseline: 5, target: 2,
            dueDate: CivilDate(year: 2026, month: 4, day: 30), at: cet(3, 9, 10), by: "ada")
        try improvement.move(to: .approved, at: cet(3, 9, 11), by: "ada")
        try improvement.move(to: .inProgress, at: cet(3, 10, 10), by: "ada")
        try improvement.measure(3, at: cet(3, 19, 12), by: "ada")
        try improvement.measure(1.5, at: cet(3, 24, 12), by: "ada")
        try improvement.move(to: .completed, at: cet(3, 25, 9), by: "ada")
        try await expectID(3, store.improvements.create(improvement).id)
        // CSI-4 Chat: proposed Tue 24 Mar 10:00 with its baseline only.
        try await expectID(4, store.improvements.create(try Improvement(
            title: "Chat adoption", owner: "Cy", serviceID: chat, metric: "weekly active users", baseline: 100, target: 500,
            dueDate: CivilDate(year: 2026, month: 9, day: 30), at: cet(3, 24, 10), by: "cy")).id)
        // CSI-5 Fax: completed Thu 19 Mar, before the week: not shown.
        improvement = try Improvement(
            title: "Retire fax lines", owner: "Dee", serviceID: fax, metric: "fax lines", baseline: 40, target: 0,
            dueDate: CivilDate(year: 2026, month: 3, day: 31), at: cet(2, 1, 10), by: "dee")
        try improvement.move(to: .approved, at: cet(2, 2, 10), by: "dee")
        try improvement.move(to: .inProgress, at: cet(2, 3, 10), by: "dee")
        try improvement.measure(0, at: cet(3, 18, 12), by: "dee")
        try improvement.move(to: .completed, at: cet(3, 19, 10), by: "dee")
        try await expectID(5, store.improvements.create(improvement).id)
        // CSI-6 Payroll: created Mon 30 Mar 07:00 CEST, after the week: not shown.
        try await expectID(6, store.improvements.create(try Improvement(
            title: "Shorten payroll batch", owner: "Ben", serviceID: payroll, metric: "batch minutes", baseline: 90, target: 45,
            at: cest(3, 30, 7), by: "ben")).id)
    }

    /// The fixture names records by number; a fresh database hands out ids from 1 in creation order.
    private static func expectID(_ expected: Int64, _ id: Int64?) throws {
        try #require(id == expected, "records are created in fixture order on a fresh database")
    }
}
