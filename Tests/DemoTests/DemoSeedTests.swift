import Demo
import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Reporting
import Storage
import Testing

private let quiet: Logger = {
    var logger = Logger(label: "itsm.tests.demo")
    logger.logLevel = .critical
    return logger
}()

/// Wed 25 Nov 2026 12:00Z (13:00 in Berlin).
private let now = Instant(secondsSinceEpoch: 1_795_608_000)

/// Instants a newcomer may start the demo at (Berlin): Wednesday afternoon; Monday before the
/// weekly's 08:00 run, once before and once after the daily's 07:30; Thursday before the daily's
/// run; Sunday night.
private let startInstants: [Instant] = [
    now, Instant(secondsSinceEpoch: 1_795_413_600), Instant(secondsSinceEpoch: 1_795_416_300),
    Instant(secondsSinceEpoch: 1_795_669_200), Instant(secondsSinceEpoch: 1_795_986_000),
]

/// The period of the list's latest scheduled run at or before `now`: the digest the daemon sends
/// first when it catches up on the schedule (`ITSM_SCHEDULER_CATCH_UP=latest`, as scripts/run sets).
private func latestRunPeriod(_ list: MailingList, now: Instant) throws -> ReportingPeriod {
    let clock = try LocalClock(timeZoneIdentifier: list.timeZoneIdentifier)
    let schedule = try DigestSchedule(parsing: list.schedule)
    let run = try #require(schedule.latest(atOrBefore: now, clock: clock))
    let kind: ReportingPeriod.Kind = switch schedule.period {
    case .day: .day
    case .week: .week
    case .month: .month
    }
    return try ReportingPeriod.previous(kind, before: run, clock: clock)
}

private func withDemo<R>(
    _ engine: StoreEngine, seed: UInt64 = 1, at now: Instant = now, _ body: (Store, DemoSeed, DemoSeed.Summary) async throws -> R
) async throws -> R {
    try await withTestStore(engine, openedAt: now, logger: quiet) { store in
        let service = try SubscriptionService(
            store: store, signer: try LinkTokenSigner(secretKey: String(repeating: "d", count: 32)),
            publicBaseURL: try #require(URL(string: "http://127.0.0.1:8080")), now: { now }, logger: quiet)
        let demo = DemoSeed(store: store, subscriptions: service, seed: seed, now: now)
        let summary = try await demo.run()
        return try await body(store, demo, summary)
    }
}

@Suite("Demo seed")
struct DemoSeedTests {
    @Test("an empty database gets the organisation, two lists and two confirmation mails; a second seed is refused", arguments: StoreEngine.available)
    func seeds(engine: StoreEngine) async throws {
        try await withDemo(engine) { store, demo, summary in
            #expect(summary.services == 12)
            #expect(summary.incidents > 200 && summary.incidents < 400)
            #expect(summary.lists == ["ops-weekly", "cab-daily"])
            #expect(summary.confirmedSubscribers == 4 && summary.pendingSubscribers == 2)
            let confirmations = try await store.outbox.list().filter { $0.kind == "confirmation" }
            #expect(Set(confirmations.flatMap(\.recipients)) == ["new.colleague@demo.example.org", "observer@demo.example.org"])
            await #expect(throws: DemoSeedError.notEmpty) { _ = try await demo.run() }
            try await demo.reset()
            #expect(try await demo.databaseIsEmpty())
            #expect(try await store.outbox.list().isEmpty)
            // Not only records and lists: a lone suppression is somebody's data too.
            _ = try await store.suppressions.suppress(
                try EmailAddress(parsing: "gone@example.org"), source: .admin, reason: "test", by: .cli(operator: "test", reason: "test"), at: now)
            #expect(try await !demo.databaseIsEmpty())
            await #expect(throws: DemoSeedError.notEmpty) { _ = try await demo.run() }
        }
    }

    @Test("the same seed and instant give the same records")
    func deterministic() async throws {
        let first = try await withDemo(.sqlite) { store, _, _ in try await store.incidents.list().map(\.title) }
        let second = try await withDemo(.sqlite) { store, _, _ in try await store.incidents.list().map(\.title) }
        let other = try await withDemo(.sqlite, seed: 2) { store, _, _ in try await store.incidents.list().map(\.title) }
        #expect(first == second)
        #expect(first != other)
    }

    @Test("the operations weekly's latest run has news in every section: breaches, the Email outage, items at risk, services moved", arguments: startInstants)
    func opsWeekly(now: Instant) async throws {
        try await withDemo(.sqlite, at: now) { store, _, _ in
            let list = try #require(try await store.mailingLists.get(slug: "ops-weekly"))
            let period = try latestRunPeriod(list, now: now)
            let digest = try await DigestBuilder(store: store, now: { now }).build(list: list, period: period)
            #expect(!digest.isEmpty)
            let operation = try #require(digest.operation)
            #expect((operation.opened.current ?? 0) >= 20)
            #expect(operation.majorIncidents.map(\.title) == ["Email down for all users"])
            // The two placed at the end of the reported week; a generated one may be at risk beside them.
            #expect(Set(operation.atRisk.map(\.record.title)).isSuperset(of: ["CRM contacts missing after import", "ERP invoices stuck in approval"]))
            let design = try #require(digest.design)
            #expect(!design.breaches.isEmpty)
            #expect(design.availability.map(\.name).contains("Email"))
            #expect(try #require(digest.strategy).moved.map(\.service) == ["Legacy Fax", "Data Warehouse"])
            #expect(try #require(digest.improvement).initiatives.map(\.standing).contains(.late))
        }
    }

    @Test("the CAB daily's latest run shows the ERP collision and the payroll freeze conflict in its change calendar", arguments: startInstants)
    func cabDaily(now: Instant) async throws {
        try await withDemo(.sqlite, at: now) { store, _, _ in
            let list = try #require(try await store.mailingLists.get(slug: "cab-daily"))
            let period = try latestRunPeriod(list, now: now)
            let transition = try #require(try await DigestBuilder(store: store, now: { now }).build(list: list, period: period).transition)
            let collisions = transition.upcoming.filter { !$0.collidesWith.isEmpty }.map(\.change.title)
            #expect(collisions == ["ERP: database index rebuild", "ERP: batch scheduler upgrade"])
            #expect(transition.upcoming.filter { !$0.freezeConflicts.isEmpty }.map(\.change.title) == ["Payroll: tax table update"])
            #expect(transition.awaitingApproval.count == 3)
        }
    }
}
