import Domain
import Foundation
import ITSMTestSupport
import Logging
import Reporting
import Storage
import Testing

private let quiet: Logger = {
    var logger = Logger(label: "itsm.tests.reporting")
    logger.logLevel = .critical
    return logger
}()

/// 2026-11-16T00:00:00Z, the Monday the digest's week begins (UTC, so local and wall time agree).
private let monday = Instant(secondsSinceEpoch: 1_794_787_200)
private func at(day: Int64, _ hour: Int64, _ minute: Int64 = 0) -> Instant { monday + .days(day) + .hours(hour) + .minutes(minute) }

/// Every query of a full digest runs on both engines and the simplest figures come out as counted by hand.
@Suite("Digest builder: every query runs on both engines")
struct DigestBuilderSmokeTests {
    @Test("a week with two incidents, one change, one problem and one request", arguments: StoreEngine.available)
    func oneWeek(engine: StoreEngine) async throws {
        try await withTestStore(engine, openedAt: at(day: -30, 0), logger: quiet) { store in
            let calendar = try await store.calendars.create(try BusinessCalendar.twentyFourSeven(name: "24x7", timeZoneIdentifier: "UTC"))
            let sla = try await store.slas.create(try ServiceLevelAgreement(
                name: "Gold", calendarID: try #require(calendar.id),
                targets: [.p2: try SLATarget(response: .hours(1), resolution: .hours(8))]))
            let mail = try #require(try await store.services.create(try Service(
                name: "Mail", owner: "Ada", status: .catalog, slaID: sla.id, at: at(day: -30, 0), by: "ada")).id)
            _ = try await store.services.create(try Service(name: "Wiki", status: .catalog, at: at(day: -30, 0), by: "ada"))

            // Previous week: opened Tue 10 Nov 08:00, answered 08:15, resolved 09:00.
            var earlier = try Incident(title: "Mail slow", impact: .high, urgency: .medium, serviceID: mail, at: at(day: -6, 8), by: "ada")
            try #require(earlier.priority == .p2)
            try earlier.respond(at: at(day: -6, 8, 15), by: "bob")
            try earlier.resolve(at: at(day: -6, 9), by: "bob")
            _ = try await store.incidents.create(earlier)
            // Tuesday: answered after 30 min, resolved after 3 h.
            var quick = try Incident(title: "Mail down", impact: .high, urgency: .medium, serviceID: mail, at: at(day: 1, 9), by: "ada")
            try quick.respond(at: at(day: 1, 9, 30), by: "bob")
            try quick.resolve(at: at(day: 1, 12), by: "bob")
            _ = try await store.incidents.create(quick)
            // Wednesday 10:00: answered at 12:00 (response target ran out at 11:00), never resolved.
            var slow = try Incident(title: "Mail <b>bounces</b>", impact: .high, urgency: .medium, serviceID: mail, at: at(day: 2, 10), by: "ada")
            try slow.respond(at: at(day: 2, 12), by: "bob")
            _ = try await store.incidents.create(slow)

            var change = try Change(title: "Patch MTA", type: .standard, risk: .low, serviceID: mail, at: at(day: -4, 9), by: "ada")
            try change.submit(at: at(day: -4, 9), by: "ada")
            try change.schedule(try ChangeWindow(start: at(day: 3, 20), end: at(day: 3, 21)), at: at(day: -3, 9), by: "ada")
            try change.implement(outcome: .successful, at: at(day: 3, 21), by: "ada")
            _ = try await store.changes.create(change)
            _ = try await store.problems.create(try Problem(title: "MTA queue", serviceID: mail, at: at(day: 2, 15), by: "ada"))

            let list = try MailingList(
                slug: "ops", title: "Ops weekly", sender: try ListSender(address: try EmailAddress(parsing: "itsm@example.org")),
                digest: try DigestSelection(stages: Set(LifecycleStage.allCases)), schedule: "weekly MON 08:00", timeZoneIdentifier: "UTC")
            let period = try ReportingPeriod.previous(.week, before: at(day: 7, 8), clock: try LocalClock(timeZoneIdentifier: "UTC"))
            let digest = try await DigestBuilder(store: store, now: { at(day: 7, 8) }).build(list: list, period: period)

            let operation = try #require(digest.operation)
            #expect(operation.opened == .count(2, previous: 1))
            #expect(operation.resolved == .count(1, previous: 1))
            #expect(operation.backlog == .count(1, previous: 0))
            // First responses after 30 min and 2 h; the week before, 15 min.
            #expect(operation.mttaMean == Metric(.seconds, current: 4_500, previous: 900))
            #expect(operation.mttrMedian == Metric(.seconds, current: 10_800, previous: 3_600))
            #expect(operation.problemsOpened == .count(1, previous: 0))
            #expect(operation.byPriority.first { $0.priority == 2 }?.opened == .count(2, previous: 1))

            let design = try #require(digest.design)
            #expect(design.responseCompliance == Metric(.percent, current: 50, previous: 100))
            #expect(design.resolutionCompliance == Metric(.percent, current: 100, previous: 100))
            // Response ran out Wed 11:00 (answered 12:00: 1 h over); resolution Wed 18:00, still open at
            // Mon 00:00: 110 h elapsed, 102 h over.
            #expect(design.breaches.map(\.target) == [.resolution, .response])
            #expect(design.breaches.map(\.overrunSeconds) == [367_200, 3_600])
            #expect(design.breaches.first?.record.title == "Mail <b>bounces</b>")

            let transition = try #require(digest.transition)
            #expect(transition.implemented == .count(1, previous: 0))
            #expect(transition.successRate == Metric(.percent, current: 100, previous: nil))
            #expect(transition.leadTimeMean.current == Double(7 * 86_400 + 12 * 3_600))

            let strategy = try #require(digest.strategy)
            #expect(strategy.withoutOwner == ["Wiki"])
            #expect(strategy.withoutSLA == ["Wiki"])
            #expect(strategy.mostIncidents == [NamedMetric("Mail", .count(2, previous: 1))])
            #expect(digest.isEmpty == false)
        }
    }
}
