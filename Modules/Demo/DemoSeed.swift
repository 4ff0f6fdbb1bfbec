import Domain
import Foundation
import Notifications
import Storage

/// A small, realistic organisation for a first run: a dozen services across portfolio states,
/// SLAs on a business-hours calendar with a holiday, eight weeks of incidents, problems, changes
/// (with a collision and a freeze conflict ahead), requests and improvements, a few breaches and
/// items at risk, and two lists (an operations weekly and a CAB daily) with confirmed and pending
/// subscribers. Everything goes through the domain and the repositories, as the CLI would.
///
/// Deterministic: the same seed and `now` give the same records.
public struct DemoSeed: Sendable {
    public struct Summary: Sendable, Hashable, Codable {
        public var services = 0, incidents = 0, problems = 0, changes = 0, requests = 0, improvements = 0
        public var lists: [String] = []
        public var confirmedSubscribers = 0, pendingSubscribers = 0
    }

    public let store: Store
    public let subscriptions: SubscriptionService
    public let seed: UInt64
    public let now: Instant

    public init(store: Store, subscriptions: SubscriptionService, seed: UInt64 = 1, now: Instant) {
        self.store = store
        self.subscriptions = subscriptions
        self.seed = seed
        self.now = now
    }

    /// The two lists' schedules (in Europe/Berlin): the story is placed so that the digests of their
    /// latest runs, the ones the daemon catches up on at its first start, tell it.
    static let opsWeeklySchedule = "weekly MON 08:00"
    static let cabDailySchedule = "daily 07:30"

    /// Every table the demo writes or `reset()` empties, children before parents.
    static let tables = [
        "outbox_payloads", "outbox_messages", "mail_bounces", "digest_runs", "consent_records", "subscriptions", "subscribers",
        "suppressions", "mailing_lists", "imported_records", "change_incidents", "change_votes", "record_events", "incidents", "changes", "problems",
        "requests", "improvements", "freeze_windows", "services", "sla_targets", "slas", "calendars",
    ]

    /// True when no table the demo uses holds a row (records, lists, subscribers, suppressions, mail,
    /// digest runs): the demo may go in without mixing with anybody's data.
    public func databaseIsEmpty() async throws -> Bool {
        try await store.database.withSession { db in
            for table in Self.tables {
                let row = try await db.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
                if try row?.decode(column: "n", as: Int64.self) ?? 0 > 0 { return false }
            }
            return true
        }
    }

    /// Deletes every record, list, subscriber, digest run and message, leaving the schema: what
    /// `itsm demo seed --force` does before seeding again. One transaction: all or nothing.
    public func reset() async throws {
        try await store.database.transaction { db in
            for table in Self.tables { try await db.raw("DELETE FROM \(ident: table)").run() }
        }
    }

    /// Fills the database. Refuses one that is not empty (see `databaseIsEmpty`).
    public func run() async throws -> Summary {
        guard try await databaseIsEmpty() else { throw DemoSeedError.notEmpty }
        var random = SplitMix64(seed: seed)
        var summary = Summary()
        let zone = "Europe/Berlin"
        let clock = try LocalClock(timeZoneIdentifier: zone)
        let today = clock.localDate(of: now)
        let start = clock.instant(on: today.adding(days: -56))
        func local(_ daysAgo: Int, _ hour: Int, _ minute: Int = 0) -> Instant {
            clock.instant(on: today.adding(days: -daysAgo), minuteOfDay: hour * 60 + minute)
        }
        // The days of the lists' latest runs at or before now (today, or earlier when this morning's
        // run is still ahead): the weekly's reports on the week before its Monday, the daily's change
        // calendar is its own day. Started at 07:00 on a Monday, the weekly's latest run is a week old,
        // and the story has to be in the week it reports on.
        func latestRunDate(_ schedule: String) throws -> CivilDate {
            guard let run = try DigestSchedule(parsing: schedule).latest(atOrBefore: now, clock: clock) else { return today }
            return clock.localDate(of: run)
        }
        let weeklyRunDate = try latestRunDate(Self.opsWeeklySchedule)
        let dailyRunDate = try latestRunDate(Self.cabDailySchedule)
        func daysAgo(_ date: CivilDate) -> Int { today.daysSinceEpoch - date.daysSinceEpoch }

        // Calendars and SLAs: office hours with a company holiday three weeks ago, and round the clock.
        var holidayDate = today.adding(days: -20)
        while holidayDate.weekday.rawValue > 5 { holidayDate = holidayDate.adding(days: -1) }
        let workday = [try WorkingInterval(parsing: "08:00-18:00")]
        let office = try await store.calendars.create(try BusinessCalendar(
            name: "Office hours (Berlin)", timeZoneIdentifier: zone,
            weeklyHours: [.monday: workday, .tuesday: workday, .wednesday: workday, .thursday: workday, .friday: workday],
            holidays: [Holiday(date: holidayDate, name: "Company day")]))
        let roundTheClock = try await store.calendars.create(try BusinessCalendar.twentyFourSeven(name: "24x7", timeZoneIdentifier: zone))
        let gold = try await store.slas.create(try ServiceLevelAgreement(
            name: "Gold (24x7)", calendarID: try roundTheClock.id.orThrow(),
            targets: [
                .p1: try SLATarget(response: .minutes(15), resolution: .hours(4)),
                .p2: try SLATarget(response: .minutes(30), resolution: .hours(8)),
                .p3: try SLATarget(response: .hours(2), resolution: .hours(24)),
                .p4: try SLATarget(response: .hours(8), resolution: .hours(72)),
            ]))
        let standard = try await store.slas.create(try ServiceLevelAgreement(
            name: "Standard (office hours)", calendarID: try office.id.orThrow(),
            targets: [
                .p1: try SLATarget(response: .minutes(30), resolution: .hours(8)),
                .p2: try SLATarget(response: .hours(1), resolution: .hours(16)),
                .p3: try SLATarget(response: .hours(4), resolution: .hours(40)),
                .p4: try SLATarget(response: .hours(8), resolution: .hours(80)),
            ]))

        // Services across the portfolio.
        struct Plan { var name: String; var owner: String?; var sla: Int64?; var status: PortfolioStatus; var weight: Int; var categories: [String] }
        let plans: [Plan] = [
            Plan(name: "Email", owner: "Priya Shah", sla: gold.id, status: .catalog, weight: 9, categories: ["delivery delay", "mailbox full", "login"]),
            Plan(name: "VPN", owner: "Tom Becker", sla: gold.id, status: .catalog, weight: 7, categories: ["connection drops", "login", "slow"]),
            Plan(name: "Service Desk Portal", owner: "Mia Wong", sla: standard.id, status: .catalog, weight: 4, categories: ["page error", "login"]),
            Plan(name: "Payroll", owner: "Lars Nilsson", sla: standard.id, status: .catalog, weight: 3, categories: ["payslip wrong", "export failed"]),
            Plan(name: "HR Portal", owner: "Sara Costa", sla: standard.id, status: .catalog, weight: 3, categories: ["page error", "slow"]),
            Plan(name: "Wiki", owner: nil, sla: nil, status: .catalog, weight: 2, categories: ["search broken", "page error"]),
            Plan(name: "CRM", owner: "Jonas Weber", sla: gold.id, status: .catalog, weight: 6, categories: ["sync failed", "slow", "login"]),
            Plan(name: "ERP", owner: "Amara Okafor", sla: gold.id, status: .catalog, weight: 6, categories: ["batch job failed", "slow", "report wrong"]),
            Plan(name: "Data Warehouse", owner: "Mia Wong", sla: standard.id, status: .pipeline, weight: 1, categories: ["load failed"]),
            Plan(name: "Mobile App", owner: "Jonas Weber", sla: nil, status: .pipeline, weight: 0, categories: []),
            Plan(name: "Legacy Fax", owner: "Lars Nilsson", sla: standard.id, status: .catalog, weight: 1, categories: ["line busy"]),
            Plan(name: "Print Service", owner: nil, sla: standard.id, status: .catalog, weight: 4, categories: ["printer offline", "queue stuck"]),
        ]
        var serviceIDs: [String: Int64] = [:]
        for plan in plans {
            var service = try Service(
                name: plan.name, description: "\(plan.name) for every office", owner: plan.owner, criticality: plan.sla == gold.id ? .high : .medium,
                status: .pipeline, slaID: plan.sla, at: start, by: "demo")
            if plan.status == .catalog { try service.move(to: .catalog, at: start + .hours(1), by: "demo") }
            service = try await store.services.create(service)
            serviceIDs[plan.name] = try service.id.orThrow()
        }
        // The weekly's portfolio news (Tuesday and Friday of the week it reports on): the fax line is
        // retired, the Data Warehouse goes live.
        let reportedMonday = daysAgo(weeklyRunDate) + 7
        var fax = try await store.services.get(try serviceIDs["Legacy Fax"].orThrow())
        try fax.move(to: .retired, at: local(reportedMonday - 1, 16), by: "Lars Nilsson")
        _ = try await store.services.save(fax)
        var warehouse = try await store.services.get(try serviceIDs["Data Warehouse"].orThrow())
        try warehouse.move(to: .catalog, at: local(reportedMonday - 4, 10), by: "Mia Wong")
        _ = try await store.services.save(warehouse)
        summary.services = plans.count

        // Problems first, so recurring incidents can be linked to them.
        let problemPlans: [(String, String, Int, Bool)] = [
            ("Mail relay queue backs up under load", "Email", 50, true),
            ("VPN concentrator drops sessions after firmware 9.2", "VPN", 40, true),
            ("CRM sync job times out on large accounts", "CRM", 35, false),
            ("ERP nightly batch collides with backups", "ERP", 30, true),
            ("Print queue stalls after driver update", "Print Service", 20, false),
            ("Payroll export rejects umlauts", "Payroll", 12, true),
            ("Portal session expires too early", "Service Desk Portal", 6, false),
        ]
        var problemIDs: [String: Int64] = [:]
        for (title, serviceName, daysAgo, knownError) in problemPlans {
            var problem = try Problem(title: title, serviceID: serviceIDs[serviceName], at: local(daysAgo, 11), by: "Problem manager")
            try problem.move(to: .investigating, at: local(daysAgo, 14), by: "Problem manager")
            if knownError {
                try problem.document(rootCause: "Found in the \(serviceName) logs", workaround: "Restart the affected component", at: local(daysAgo - 2, 10), by: "Problem manager")
                try problem.markKnownError(at: local(daysAgo - 2, 10, 5), by: "Problem manager")
            }
            if daysAgo > 30 { try problem.move(to: .resolved, at: local(daysAgo - 10, 15), by: "Problem manager") }
            problem = try await store.problems.create(problem)
            problemIDs[serviceName] = try problem.id.orThrow()
        }
        summary.problems = problemPlans.count

        // Incidents: about six a working day, fewer at weekends, weighted by service.
        let weighted = plans.flatMap { plan in Array(repeating: plan, count: plan.weight) }
        let staff = ["Ana Lopez", "Ben Carter", "Chen Li", "Dara Walsh", "Emil Novak"]
        var incidentIDs: [Int64] = []
        var emailOutage: Int64?
        // The Wednesday of the week the weekly reports on: its digest shows the Email outage.
        let outageDaysAgo = reportedMonday - 2
        for daysAgo in stride(from: 55, through: 0, by: -1) {
            let date = today.adding(days: -daysAgo)
            let weekend = date.weekday.rawValue > 5
            let count = weekend ? random.int(in: 0...2) : random.int(in: 4...8)
            for _ in 0..<count {
                let plan = weighted[random.int(in: 0...(weighted.count - 1))]
                let hour = weekend ? random.int(in: 9...20) : random.int(in: 7...17)
                let opened = local(daysAgo, hour, random.int(in: 0...59))
                guard opened < now - .minutes(30) else { continue }
                let impact: Impact = [.low, .low, .medium, .medium, .medium, .high][random.int(in: 0...5)]
                let urgency: Urgency = [.low, .medium, .medium, .high][random.int(in: 0...3)]
                let category = plan.categories.isEmpty ? nil : plan.categories[random.int(in: 0...(plan.categories.count - 1))]
                var incident = try Incident(
                    title: "\(plan.name): \(category ?? "problem reported")", category: category, impact: impact, urgency: urgency,
                    serviceID: serviceIDs[plan.name], at: opened, by: "Service desk")
                let agent = staff[random.int(in: 0...(staff.count - 1))]
                let responseMinutes = Int64([5, 12, 20, 45, 90][random.int(in: 0...4)])
                var at = opened + .minutes(responseMinutes)
                guard at < now else { incidentIDs.append(try await store.incidents.create(incident).id.orThrow()); continue }
                let firstContact = random.int(in: 0...9) < 3
                if !firstContact {
                    try incident.assign(to: agent, at: at, by: "Service desk")
                    at = at + .minutes(2)
                }
                try incident.respond(at: at, by: agent)
                if !firstContact, random.int(in: 0...11) == 0, at + .hours(2) < now {
                    try incident.hold(at: at + .minutes(30), by: agent, reason: "waiting for the user")
                    try incident.resume(at: at + .hours(2), by: agent)
                    at = at + .hours(2)
                }
                // Most are fixed within their targets; one in twelve drags on for days (a breach).
                let hours = random.int(in: 0...11) == 0 ? Int64(random.int(in: 30...90)) : Int64(random.int(in: 1...6))
                let resolved = at + .hours(hours)
                if resolved < now - .hours(1) {
                    try incident.resolve(at: resolved, by: firstContact ? "Service desk" : agent)
                    if random.int(in: 0...24) == 0, resolved + .hours(20) < now {
                        try incident.reopen(at: resolved + .hours(18), by: "Service desk", reason: "the problem came back")
                        try incident.resolve(at: resolved + .hours(19), by: agent)
                    }
                    if daysAgo > 7 { try incident.close(at: (incident.resolvedAt ?? resolved) + .hours(48), by: "Service desk") }
                }
                if let problemID = problemIDs[plan.name], random.int(in: 0...3) == 0 {
                    try incident.link(problem: problemID, at: opened + .hours(1), by: "Problem manager")
                }
                incidentIDs.append(try await store.incidents.create(incident).id.orThrow())
            }
            // Two major incidents: an Email outage last week and a VPN outage last month.
            if daysAgo == outageDaysAgo || daysAgo == 25 {
                let isEmail = daysAgo == outageDaysAgo
                var major = try Incident(
                    title: isEmail ? "Email down for all users" : "VPN unavailable company-wide", category: "outage",
                    impact: .high, urgency: .high, serviceID: serviceIDs[isEmail ? "Email" : "VPN"], isMajor: true,
                    at: local(daysAgo, 9, 12), by: "Monitoring")
                try major.assign(to: "Major incident team", at: local(daysAgo, 9, 15), by: "Service desk")
                try major.respond(at: local(daysAgo, 9, 20), by: "Major incident team")
                try major.resolve(at: local(daysAgo, isEmail ? 12 : 10, 45), by: "Major incident team", note: "failover completed")
                let id = try await store.incidents.create(major).id.orThrow()
                incidentIDs.append(id)
                if isEmail { emailOutage = id }
            }
        }
        // Open at the end of the reported week with a few hours of their target left: at risk in its
        // digest (P2 on Gold: resolve within 8 hours round the clock; opened Sunday evening).
        let thisMonday = clock.instant(on: weeklyRunDate)
        for (title, serviceName, hoursBefore) in [("ERP invoices stuck in approval", "ERP", 4), ("CRM contacts missing after import", "CRM", 5)] {
            let opened = thisMonday - .hours(Int64(hoursBefore))
            var incident = try Incident(
                title: title, category: "report wrong", impact: .medium, urgency: .high, serviceID: serviceIDs[serviceName],
                at: opened, by: "Service desk")
            try incident.assign(to: "Ana Lopez", at: opened + .minutes(5), by: "Service desk")
            try incident.respond(at: opened + .minutes(10), by: "Ana Lopez")
            if thisMonday + .hours(9) < now { try incident.resolve(at: thisMonday + .hours(9), by: "Ana Lopez") }
            incidentIDs.append(try await store.incidents.create(incident).id.orThrow())
        }
        summary.incidents = incidentIDs.count

        // Changes: implemented ones over the weeks, a CAB queue, and a calendar ahead with a
        // collision (two ERP changes on the evening of the daily's latest run) and a freeze conflict
        // (Payroll during the payroll run that day).
        let cab = ["Change manager", "Security officer", "Service owner"]
        for index in 0..<36 {
            let daysAgo = 54 - index * 3 / 2
            let plan = plans[[0, 1, 2, 3, 4, 6, 7, 11][index % 8]]
            let type: ChangeType = index % 9 == 4 ? .emergency : (index % 2 == 0 ? .standard : .normal)
            var change = try Change(
                title: "\(plan.name): \(["patch", "upgrade", "configuration change", "certificate renewal"][index % 4])", type: type,
                risk: [.low, .medium, .high][index % 3], serviceID: serviceIDs[plan.name], approvers: type == .standard ? [] : cab,
                at: local(daysAgo + 5, 10), by: plan.owner ?? "Change manager")
            try change.submit(at: local(daysAgo + 4, 9), by: plan.owner ?? "Change manager")
            if type != .standard { for approver in cab { try change.vote(approver: approver, approve: true, at: local(daysAgo + 3, 15)) } }
            let window = try ChangeWindow(start: local(daysAgo, 20), end: local(daysAgo, 22))
            try change.schedule(window, at: local(daysAgo + 2, 9), by: "Change manager")
            let outcome: ChangeOutcome = index % 11 == 7 ? .failed : (index % 17 == 9 ? .backedOut : .successful)
            try change.implement(outcome: outcome, at: local(daysAgo, 22), by: "Implementer")
            if outcome != .successful, let emailOutage, index > 25 { change.incidentIDs = [emailOutage] }
            if daysAgo > 7 {
                try change.review(at: local(daysAgo - 2, 10), by: "Change manager")
                try change.close(at: local(daysAgo - 2, 11), by: "Change manager")
            }
            _ = try await store.changes.create(change)
            summary.changes += 1
        }
        for (title, serviceName) in [("Email: move to the new relay cluster", "Email"), ("VPN: enforce MFA", "VPN"), ("HR Portal: new login page", "HR Portal")] {
            var change = try Change(
                title: title, type: .normal, risk: .medium, serviceID: serviceIDs[serviceName], approvers: cab, at: local(3, 10), by: "Change manager")
            try change.submit(at: local(2, 9), by: "Change manager")
            try change.vote(approver: "Change manager", approve: true, at: local(1, 16))
            _ = try await store.changes.create(change)
            summary.changes += 1
        }
        let planned: [(String, String, Int, Int, Int, Int)] = [
            // title, service, start hour, start minute, length in minutes, days after the daily's latest run
            ("ERP: database index rebuild", "ERP", 20, 0, 180, 0),
            ("ERP: batch scheduler upgrade", "ERP", 21, 0, 90, 0),
            ("Payroll: tax table update", "Payroll", 10, 0, 60, 0),
            ("Email: spam filter rules", "Email", 19, 0, 60, 1),
            ("CRM: field mapping change", "CRM", 18, 30, 90, 2),
            ("Print Service: driver rollout", "Print Service", 7, 0, 120, 3),
            ("VPN: certificate renewal", "VPN", 22, 0, 60, 5),
        ]
        for (title, serviceName, hour, minute, length, daysAhead) in planned {
            let begin = clock.instant(on: dailyRunDate.adding(days: daysAhead), minuteOfDay: hour * 60 + minute)
            var change = try Change(
                title: title, type: .standard, risk: .low, serviceID: serviceIDs[serviceName], at: local(6, 10), by: "Change manager")
            try change.submit(at: local(6, 10), by: "Change manager")
            try change.schedule(try ChangeWindow(start: begin, end: begin + .minutes(Int64(length))), at: local(5, 9), by: "Change manager")
            _ = try await store.changes.create(change)
            summary.changes += 1
        }
        _ = try await store.freezes.create(try FreezeWindow(
            name: "Payroll run", start: clock.instant(on: dailyRunDate), end: clock.instant(on: dailyRunDate.adding(days: 1)),
            serviceIDs: [try serviceIDs["Payroll"].orThrow()]))

        // Requests: a steady flow, most fulfilled, a few still open.
        let requestKinds = ["New laptop", "Access to the finance share", "Software licence", "Mobile phone", "Guest Wi-Fi account"]
        for index in 0..<90 {
            let daysAgo = 55 - (index * 55) / 90
            let opened = local(daysAgo, 9 + index % 8, (index * 7) % 60)
            var request = try ServiceRequest(
                title: requestKinds[index % requestKinds.count], requester: "Employee \(100 + index)",
                serviceID: serviceIDs[index % 3 == 0 ? "Service Desk Portal" : "HR Portal"], priority: index % 10 == 0 ? .p3 : .p4,
                at: opened, by: "Service desk")
            if opened + .hours(30) < now {
                try request.move(to: .inFulfilment, at: opened + .hours(2), by: "Service desk")
                try request.move(to: .fulfilled, at: opened + .hours(Int64(index % 7 == 0 ? 96 : 20)), by: "Service desk")
            }
            _ = try await store.requests.create(request)
        }
        summary.requests = 90

        // Continual improvement register (due dates from the weekly's latest run: one is late in its digest).
        let improvements: [(String, String, String, Double, Double, [Double], Int, ImprovementState)] = [
            ("Cut P2 resolution time", "Email", "mean hours to resolve P2", 10, 6, [9.5, 8.7, 8.1, 7.4], 28, .inProgress),
            ("Raise first-contact resolution", "Service Desk Portal", "% resolved at first contact", 45, 60, [47, 50, 52], -7, .inProgress),
            ("Patch compliance on servers", "ERP", "% servers patched within 14 days", 80, 95, [86, 91, 96], -3, .completed),
            ("Self-service password resets", "Service Desk Portal", "resets per month", 200, 500, [240, 310], 60, .inProgress),
            ("Change success rate", "ERP", "% changes successful", 88, 97, [], 90, .proposed),
        ]
        for (title, serviceName, metric, baseline, target, measurements, dueInDays, state) in improvements {
            var improvement = try Improvement(
                title: title, owner: "CSI manager", serviceID: serviceIDs[serviceName], metric: metric, baseline: baseline, target: target,
                dueDate: weeklyRunDate.adding(days: dueInDays), at: local(50, 10), by: "CSI manager")
            if state != .proposed {
                try improvement.move(to: .approved, at: local(48, 10), by: "CSI manager")
                try improvement.move(to: .inProgress, at: local(46, 10), by: "CSI manager")
            }
            for (index, value) in measurements.enumerated() {
                try improvement.measure(value, at: local(40 - index * 12, 9), by: "CSI manager")
            }
            if state == .completed { try improvement.move(to: .completed, at: local(4, 9), by: "CSI manager") }
            _ = try await store.improvements.create(improvement)
        }
        summary.improvements = improvements.count

        // Lists and subscribers: confirmed by an operator, and pending ones who got a confirmation mail.
        let sender = try ListSender(address: try EmailAddress(parsing: "itsm@demo.example.org"), name: "IT Service Management")
        let lists: [(String, String, String, Set<LifecycleStage>, String, [String], [String])] = [
            ("ops-weekly", "Operations weekly", "Incidents, SLAs, availability and improvement: the week in service.",
             [.strategy, .design, .operation, .improvement], Self.opsWeeklySchedule,
             ["priya.shah@demo.example.org", "tom.becker@demo.example.org"], ["new.colleague@demo.example.org"]),
            ("cab-daily", "CAB daily", "Yesterday's changes, today's change calendar and the approval queue.",
             [.transition], Self.cabDailySchedule, ["cab.chair@demo.example.org", "amara.okafor@demo.example.org"], ["observer@demo.example.org"]),
        ]
        for (slug, title, description, stages, schedule, confirmed, pending) in lists {
            let list = try await store.mailingLists.create(try MailingList(
                slug: slug, title: title, description: description, sender: sender, digest: try DigestSelection(stages: stages),
                schedule: schedule, timeZoneIdentifier: zone), at: start)
            let listID = try list.id.orThrow()
            for address in confirmed {
                let evidence = ConsentEvidence(method: .cli(operator: "demo", reason: "demo subscriber"))
                let receipt = try await store.subscriptions.subscribe(
                    address: try EmailAddress(parsing: address), name: nil, listID: listID, consent: evidence, at: start)
                _ = try await store.subscriptions.confirm(subscriptionID: try receipt.subscription.id.orThrow(), consent: evidence, at: start)
                summary.confirmedSubscribers += 1
            }
            for address in pending {
                _ = try await subscriptions.subscribe(
                    listSlug: slug, address: address, method: .cli(operator: "demo", reason: "demo subscriber"),
                    confirmationText: "Added by the demo seed")
                summary.pendingSubscribers += 1
            }
            summary.lists.append(slug)
        }
        return summary
    }
}

public enum DemoSeedError: Error, Hashable, Sendable, CustomStringConvertible {
    case notEmpty
    case missing(String)

    public var description: String {
        switch self {
        case .notEmpty: "the database already holds services, records or lists; the demo only goes into an empty database"
        case let .missing(what): "the demo could not find \(what) it had just created"
        }
    }
}

extension Optional {
    /// The value, or an error saying it was missing (for ids of records just stored).
    func orThrow(_ what: String = "a stored id") throws -> Wrapped {
        guard let self else { throw DemoSeedError.missing(what) }
        return self
    }
}

/// A small deterministic generator (SplitMix64): the same seed gives the same demo.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
