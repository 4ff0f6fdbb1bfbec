import Domain
import ITSMTestSupport
import Reporting
import Storage
import Testing

private func cet(_ month: Int, _ day: Int64, _ hour: Int64, _ minute: Int64 = 0) -> Instant { LifecycleWeek.cet(month, day, hour, minute) }

/// docs/KPIS.md "An empty digest": a week with nothing new is empty in every section, whatever
/// happened the week before; one event makes it not empty; a list's choice to skip it is stored.
@Suite("The empty-digest rule")
struct EmptyDigestTests {
    @Test("a quiet week is empty in every section, even after a busy week before; one incident makes it not empty", arguments: StoreEngine.available)
    func quietWeek(engine: StoreEngine) async throws {
        try await withTestStore(engine, openedAt: cet(2, 1, 8), logger: fixtureLogger) { store in
            let calendar = try await store.calendars.create(try BusinessCalendar.twentyFourSeven(name: "Around the clock", timeZoneIdentifier: "Europe/Berlin"))
            let sla = try await store.slas.create(try ServiceLevelAgreement(
                name: "Payroll 24x7", calendarID: try #require(calendar.id), targets: [.p1: try SLATarget(response: .minutes(30), resolution: .hours(4))]))
            let payroll = try #require(try await store.services.create(try Service(
                name: "Payroll", owner: "Ben", status: .catalog, slaID: sla.id, at: cet(2, 1, 9), by: "ben")).id)
            // A standing fact is no news: a service without owner or SLA.
            _ = try await store.services.create(try Service(name: "Wiki", status: .catalog, at: cet(2, 1, 9), by: "ada"))

            // The week before (Mon 16 .. Sun 22 Mar): a major incident, a change, a problem and a request, all done by Friday.
            var incident = try Incident(title: "Payroll export failed", impact: .high, urgency: .high, serviceID: payroll, isMajor: true, at: cet(3, 19, 22), by: "ben")
            try incident.respond(at: cet(3, 19, 22, 20), by: "ben")
            try incident.resolve(at: cet(3, 20, 2), by: "ben")
            _ = try await store.incidents.create(incident)
            var change = try Change(title: "Payroll patch", type: .standard, risk: .low, serviceID: payroll, at: cet(3, 16, 9), by: "ben")
            try change.submit(at: cet(3, 16, 9), by: "ben")
            try change.schedule(try ChangeWindow(start: cet(3, 18, 20), end: cet(3, 18, 21)), at: cet(3, 16, 9), by: "ben")
            try change.implement(outcome: .successful, at: cet(3, 18, 21), by: "ben")
            _ = try await store.changes.create(change)
            var problem = try Problem(title: "Export timeout", serviceID: payroll, at: cet(3, 20, 9), by: "ben")
            try problem.move(to: .investigating, at: cet(3, 20, 10), by: "ben")
            try problem.move(to: .resolved, at: cet(3, 20, 15), by: "ben")
            _ = try await store.problems.create(problem)
            var request = try ServiceRequest(title: "Payroll access", requester: "staff", serviceID: payroll, priority: .p1, at: cet(3, 17, 9), by: "desk")
            try request.move(to: .inFulfilment, at: cet(3, 17, 10), by: "desk")
            try request.move(to: .fulfilled, at: cet(3, 17, 11), by: "desk")
            _ = try await store.requests.create(request)

            let builder = DigestBuilder(store: store, now: { LifecycleWeek.buildTime })
            let quiet = try await builder.build(list: try LifecycleWeek.list(), period: try LifecycleWeek.period())
            #expect(quiet.strategy?.isEmpty == true)
            #expect(quiet.design?.isEmpty == true)
            #expect(quiet.transition?.isEmpty == true)
            #expect(quiet.operation?.isEmpty == true)
            #expect(quiet.improvement?.isEmpty == true)
            #expect(quiet.isEmpty)
            // The previous week's figures are still there to compare with.
            #expect(quiet.strategy?.withoutSLA == ["Wiki"])
            #expect(quiet.operation?.opened == .count(0, previous: 1))
            #expect(quiet.operation?.problemsOpened == .count(0, previous: 1))
            #expect(quiet.operation?.requestsFulfilled == .count(0, previous: 1))
            #expect(quiet.transition?.implemented == .count(0, previous: 1))
            // INC-1 was down Thu 19 22:00 -> Fri 20 02:00, 4 h of the 168-hour week before; none this week.
            #expect(quiet.design?.availability == [NamedMetric("Payroll", Metric(.percent, current: 100, previous: 100 * (1 - 4.0 / 168)))])
            #expect(quiet.design?.resolutionCompliance == Metric(.percent, current: nil, previous: 100))

            // One incident on Wiki (no SLA) opened and resolved on Wednesday: Strategy and Operation have news, nothing else.
            var wednesday = try Incident(title: "Wiki page lost", impact: .low, urgency: .low, serviceID: 2, at: cet(3, 25, 10), by: "ada")
            try wednesday.resolve(at: cet(3, 25, 11), by: "ada")
            _ = try await store.incidents.create(wednesday)
            let busy = try await builder.build(list: try LifecycleWeek.list(), period: try LifecycleWeek.period())
            #expect(busy.strategy?.isEmpty == false)
            #expect(busy.design?.isEmpty == true)
            #expect(busy.transition?.isEmpty == true)
            #expect(busy.operation?.isEmpty == false)
            #expect(busy.improvement?.isEmpty == true)
            #expect(busy.isEmpty == false)

            // A list limited to Payroll still sees a quiet week.
            let payrollOnly = try await builder.build(list: try LifecycleWeek.list(services: [payroll]), period: try LifecycleWeek.period())
            #expect(payrollOnly.isEmpty)
        }
    }

    @Test("a digest is empty only when every selected section is", arguments: StoreEngine.available)
    func selectedSections(engine: StoreEngine) async throws {
        try await withTestStore(engine, openedAt: cet(2, 1, 8), logger: fixtureLogger) { store in
            let chat = try #require(try await store.services.create(try Service(name: "Chat", status: .catalog, at: cet(2, 1, 9), by: "ada")).id)
            var change = try Change(title: "Chat upgrade", type: .standard, risk: .low, serviceID: chat, at: cet(3, 23, 9), by: "cy")
            try change.submit(at: cet(3, 23, 9), by: "cy")
            try change.schedule(try ChangeWindow(start: cet(3, 25, 18), end: cet(3, 25, 19)), at: cet(3, 23, 9), by: "cy")
            try change.implement(outcome: .successful, at: cet(3, 25, 19), by: "cy")
            _ = try await store.changes.create(change)
            let builder = DigestBuilder(store: store, now: { LifecycleWeek.buildTime })
            func list(_ stages: Set<LifecycleStage>) throws -> MailingList {
                var list = try LifecycleWeek.list()
                list.digest = try DigestSelection(stages: stages)
                return list
            }
            // Only Transition has news (one change implemented Wed 25 Mar).
            let withTransition = try await builder.build(list: try list([.operation, .transition]), period: try LifecycleWeek.period())
            #expect(withTransition.stages == [.transition, .operation])
            #expect(withTransition.isEmpty == false)
            let withoutTransition = try await builder.build(list: try list([.strategy, .operation, .improvement]), period: try LifecycleWeek.period())
            #expect(withoutTransition.transition == nil)
            #expect(withoutTransition.isEmpty)
        }
    }

    @Test("a list's choice to skip empty digests is stored and read back", arguments: StoreEngine.available)
    func skipsEmptyDigestRoundTrip(engine: StoreEngine) async throws {
        try await withTestStore(engine, openedAt: cet(2, 1, 8), logger: fixtureLogger) { store in
            let skipping = try await store.mailingLists.create(try LifecycleWeek.list(slug: "quiet-ops", skipsEmptyDigest: true), at: cet(3, 1, 9))
            let sending = try await store.mailingLists.create(try LifecycleWeek.list(slug: "loud-ops"), at: cet(3, 1, 9))
            #expect(try await store.mailingLists.get(try #require(skipping.id)).skipsEmptyDigest == true)
            #expect(try await store.mailingLists.get(try #require(sending.id)).skipsEmptyDigest == false)
            #expect(try await store.mailingLists.get(slug: "quiet-ops")?.skipsEmptyDigest == true)

            var changed = try await store.mailingLists.get(try #require(sending.id))
            changed.skipsEmptyDigest = true
            _ = try await store.mailingLists.save(changed)
            #expect(try await store.mailingLists.get(try #require(sending.id)).skipsEmptyDigest == true)
        }
    }
}
