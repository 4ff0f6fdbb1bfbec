import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Reporting
import Scheduling
import Storage
import Synchronization
import Testing

private let quiet: Logger = {
    var logger = Logger(label: "itsm.tests.scheduling")
    logger.logLevel = .critical
    return logger
}()

/// Sun 1 Nov 2026 00:00Z: when the list is created.
private let created = Instant(secondsSinceEpoch: 1_793_491_200)
/// Mon 23 Nov 2026 08:00 in Berlin (CET, 07:00Z): a weekly MON 08:00 run.
private let mondayRun = Instant(secondsSinceEpoch: 1_795_417_200)


struct RunnerFixture {
    let store: Store
    let clock: ManualClock
    let service: SubscriptionService
    let list: MailingList

    func runner(worker: String = "worker-a", batchSize: Int = 500, catchUp: DigestPlanner.CatchUp = .all) -> DigestRunner {
        var options = DigestRunner.Options()
        options.batchSize = batchSize
        let clock = clock
        return DigestRunner(
            store: store, subscriptions: service, planner: DigestPlanner(catchUp: catchUp), options: options, worker: worker,
            now: { clock.now }, logger: quiet)
    }

    /// Confirmed subscribers `name0@example.org` ... as the CLI would add them.
    func confirm(_ count: Int) async throws {
        let listID = try #require(list.id)
        for index in 0..<count {
            let evidence = ConsentEvidence(method: .cli(operator: "test", reason: "fixture"))
            let receipt = try await store.subscriptions.subscribe(
                address: try EmailAddress(parsing: "person\(index)@example.org"), name: "Person \(index)", listID: listID,
                consent: evidence, at: created)
            _ = try await store.subscriptions.confirm(subscriptionID: try #require(receipt.subscription.id), consent: evidence, at: created)
        }
    }

    /// A pass by `worker` (batches of two, catch-up latest) that stops after its second batch,
    /// its run still claimed: the claim loop's check, then two batches.
    func tickStoppingAfterTwoBatches(worker: String) async throws -> [DigestRun] {
        let checks = Mutex(0)
        return try await runner(worker: worker, batchSize: 2, catchUp: .latest).tick(shouldStop: {
            checks.withLock { count in
                count += 1
                return count > 3
            }
        })
    }

    var digestMessages: [OutboxMessage] {
        get async throws { try await store.outbox.list(limit: 10_000).filter { $0.kind == "digest" } }
    }
}

func withRunnerFixture(
    _ engine: StoreEngine, schedule: String = "weekly MON 08:00", skipsEmpty: Bool = false, _ body: (RunnerFixture) async throws -> Void
) async throws {
    try await withTestStore(engine, openedAt: created, logger: quiet) { store in
        let list = try await store.mailingLists.create(try MailingList(
            slug: "ops-weekly", title: "Ops weekly", sender: try ListSender(address: try EmailAddress(parsing: "digest@itsm.example.org")),
            digest: try DigestSelection(stages: [.operation]), schedule: schedule, timeZoneIdentifier: "Europe/Berlin",
            skipsEmptyDigest: skipsEmpty), at: created)
        let clock = ManualClock(created)
        let service = try SubscriptionService(
            store: store, signer: try LinkTokenSigner(secretKey: String(repeating: "k", count: 32)),
            publicBaseURL: try #require(URL(string: "https://itsm.example.org")), now: { clock.now }, logger: quiet)
        try await body(RunnerFixture(store: store, clock: clock, service: service, list: list))
    }
}

@Suite("Digest runs: recorded once, fanned out once, resumed after a crash")
struct DigestRunnerTests {
    @Test("before the first Monday nothing is due; at 08:00 one run for the week before goes to every confirmed subscriber", arguments: StoreEngine.available)
    func firstRun(engine: StoreEngine) async throws {
        try await withRunnerFixture(engine) { fixture in
            try await fixture.confirm(3)
            fixture.clock.set(mondayRun - .minutes(1))
            // Mondays since 1 Nov (2, 9, 16 Nov) were all after the list was created: three runs, the
            // first two catch-ups, each for its own week.
            let runs = try await fixture.runner().tick()
            #expect(runs.map(\.firstDay.description) == ["2026-10-26", "2026-11-02", "2026-11-09"])
            #expect(runs.map(\.trigger) == [.catchUp, .catchUp, .schedule])
            #expect(runs.allSatisfy { $0.state == .sent && $0.enqueued == 3 })
            #expect(try await fixture.digestMessages.count == 9)

            fixture.clock.set(mondayRun)
            let monday = try await fixture.runner().tick()
            #expect(monday.map { "\($0.firstDay)..\($0.lastDay)" } == ["2026-11-16..2026-11-22"])
            // Another pass at the same time finds nothing to do.
            #expect(try await fixture.runner().tick().isEmpty)
            let messages = try await fixture.digestMessages
            #expect(messages.count == 12)
            #expect(Set(messages.map(\.idempotencyKey)).count == 12)
            #expect(messages.allSatisfy { $0.priority == 10 && $0.sender == "digest@itsm.example.org" })
        }
    }

    @Test("a fan-out cut short resumes after its cursor on the next claim: every subscriber gets one mail", arguments: StoreEngine.available)
    func resumeAfterCrash(engine: StoreEngine) async throws {
        try await withRunnerFixture(engine) { fixture in
            try await fixture.confirm(5)
            fixture.clock.set(mondayRun)
            // Worker A stops after its second batch of two, as a killed process would between transactions.
            let stopped = try await fixture.tickStoppingAfterTwoBatches(worker: "a")
            #expect(stopped.isEmpty)
            let partial = try #require(try await fixture.store.digestRuns.list().first)
            #expect(partial.state == .sending && partial.enqueued == 4 && partial.claimedBy == "a")
            // Worker B cannot take it while A's claim lasts, and can after it expires.
            #expect(try await fixture.runner(worker: "b", batchSize: 2).tick().isEmpty)
            fixture.clock.set(mondayRun + .seconds(121))
            let resumed = try await fixture.runner(worker: "b", batchSize: 2).tick()
            #expect(resumed.map(\.state) == [.sent])
            #expect(resumed.first?.enqueued == 5)
            let messages = try await fixture.digestMessages
            #expect(messages.count == 5)
            #expect(Set(messages.flatMap(\.recipients)).count == 5)
        }
    }

    @Test("a pass that ended mid fan-out with its claim held is resumed by the same worker's next pass at once, not after its lease",
          arguments: StoreEngine.available)
    func sameWorkerResumesAtOnce(engine: StoreEngine) async throws {
        try await withRunnerFixture(engine) { fixture in
            try await fixture.confirm(5)
            fixture.clock.set(mondayRun)
            // Worker A's pass ends after two batches of two with the run still claimed (as when the
            // database goes away and the run cannot be postponed).
            let stopped = try await fixture.tickStoppingAfterTwoBatches(worker: "a")
            #expect(stopped.isEmpty)
            let partial = try #require(try await fixture.store.digestRuns.list().first)
            #expect(partial.claimedBy == "a" && partial.enqueued == 4)
            // One second later, well inside A's two-minute claim: B still cannot take it, A can.
            fixture.clock.set(mondayRun + .seconds(1))
            #expect(try await fixture.runner(worker: "b", batchSize: 2).tick().isEmpty)
            let resumed = try await fixture.runner(worker: "a", batchSize: 2).tick()
            #expect(resumed.map(\.state) == [.sent])
            #expect(resumed.first?.enqueued == 5)
            #expect(Set(try await fixture.digestMessages.flatMap(\.recipients)).count == 5)
            #expect(try await fixture.digestMessages.count == 5)
        }
    }

    @Test("two workers ticking at once record one run and enqueue each subscriber once", arguments: StoreEngine.available)
    func twoWorkers(engine: StoreEngine) async throws {
        try await withRunnerFixture(engine) { fixture in
            try await fixture.confirm(20)
            fixture.clock.set(mondayRun)
            let (a, b) = (fixture.runner(worker: "a", batchSize: 3, catchUp: .latest), fixture.runner(worker: "b", batchSize: 3, catchUp: .latest))
            async let first = a.tick()
            async let second = b.tick()
            let finished = try await first + second
            #expect(finished.count == 1)
            #expect(try await fixture.store.digestRuns.list().count == 1)
            #expect(try await fixture.digestMessages.count == 20)
        }
    }

    @Test("a manual send and the schedule share the run record: the week goes out once")
    func manualThenSchedule() async throws {
        try await withRunnerFixture(.sqlite) { fixture in
            try await fixture.confirm(2)
            fixture.clock.set(mondayRun + .hours(1))
            let manual = try await fixture.runner(catchUp: .latest).sendNow(listSlug: "ops-weekly")
            #expect(manual.trigger == .manual && manual.state == .sent && "\(manual.firstDay)" == "2026-11-16")
            // The schedule's own run for 16-22 Nov finds the record and sends nothing more.
            _ = try await fixture.runner(catchUp: .latest).tick()
            #expect(try await fixture.digestMessages.count == 2)
            // Sending again reports the finished run.
            #expect(try await fixture.runner().sendNow(listSlug: "ops-weekly").id == manual.id)
            #expect(try await fixture.digestMessages.count == 2)
            await #expect(throws: DigestRunError.unknownList("nope")) { try await fixture.runner().sendNow(listSlug: "nope") }
        }
    }

    @Test("catch-up latest sends only the newest missed week, as a catch-up; on time the next week, as scheduled")
    func catchUpLatest() async throws {
        try await withRunnerFixture(.sqlite) { fixture in
            try await fixture.confirm(1)
            fixture.clock.set(mondayRun)
            // Mondays 2, 9, 16 and 23 Nov since the list was made on 1 Nov: the 23rd's run stands in for all four.
            let runs = try await fixture.runner(catchUp: .latest).tick()
            #expect(runs.map(\.firstDay.description) == ["2026-11-16"])
            #expect(runs.map(\.trigger) == [.catchUp])
            fixture.clock.set(mondayRun + .days(7))
            let next = try await fixture.runner(catchUp: .latest).tick()
            #expect(next.map(\.firstDay.description) == ["2026-11-23"])
            #expect(next.map(\.trigger) == [.schedule])
        }
    }

    /// A daily 08:00 Berlin list that last ran Mon 23 Nov 08:00 CET (07:00Z), then no scheduler ran
    /// until Thu 26 Nov 13:00 CET (12:00Z): three days and five hours down, three 08:00 runs missed
    /// (Tue 24, Wed 25, Thu 26 Nov), reporting on 23, 24 and 25 Nov.
    static let backAfterThreeDays = mondayRun + .days(3) + .hours(5)

    /// Runs the Monday pass (latest mode, so the weeks before the list's first Monday stay out of
    /// it) and returns the runs of the pass after three days down.
    static func threeDaysDown(_ fixture: RunnerFixture, catchUp: DigestPlanner.CatchUp) async throws -> [DigestRun] {
        fixture.clock.set(mondayRun)
        let monday = try await fixture.runner(catchUp: .latest).tick()
        try #require(monday.map(\.firstDay.description) == ["2026-11-22"], "\(monday)")
        fixture.clock.set(backAfterThreeDays)
        return try await fixture.runner(catchUp: catchUp).tick()
    }

    @Test("three days down, catch-up all: each missed day goes out once with its own period, oldest first", arguments: StoreEngine.available)
    func threeDaysDownAll(engine: StoreEngine) async throws {
        try await withRunnerFixture(engine, schedule: "daily 08:00") { fixture in
            try await fixture.confirm(2)
            let runs = try await Self.threeDaysDown(fixture, catchUp: .all)
            #expect(runs.map { "\($0.firstDay)..\($0.lastDay)" } == ["2026-11-23..2026-11-23", "2026-11-24..2026-11-24", "2026-11-25..2026-11-25"])
            #expect(runs.map(\.periodKind) == ["day", "day", "day"])
            #expect(runs.map(\.scheduledFor) == [mondayRun + .days(1), mondayRun + .days(2), mondayRun + .days(3)])
            #expect(runs.map(\.trigger) == [.catchUp, .catchUp, .schedule])
            #expect(runs.allSatisfy { $0.state == .sent && $0.enqueued == 2 }, "\(runs)")
            // The Monday run's 2 mails and 2 for each missed day, each run's own.
            let messages = try await fixture.digestMessages
            #expect(messages.count == 8)
            for run in runs {
                #expect(messages.count(where: { $0.idempotencyKey.hasPrefix("digest:\(run.id):") }) == 2, "run \(run.id)")
            }
            // Nothing is left to catch up.
            #expect(try await fixture.runner(catchUp: .all).tick().isEmpty)
            #expect(try await fixture.store.digestRuns.list().count == 4)
        }
    }

    @Test("three days down, catch-up latest: only Thursday's run, for Wednesday, labelled a catch-up", arguments: StoreEngine.available)
    func threeDaysDownLatest(engine: StoreEngine) async throws {
        try await withRunnerFixture(engine, schedule: "daily 08:00") { fixture in
            try await fixture.confirm(2)
            let runs = try await Self.threeDaysDown(fixture, catchUp: .latest)
            #expect(runs.map { "\($0.firstDay)..\($0.lastDay)" } == ["2026-11-25..2026-11-25"])
            #expect(runs.map(\.scheduledFor) == [mondayRun + .days(3)])
            #expect(runs.map(\.trigger) == [.catchUp])
            #expect(runs.map(\.enqueued) == [2])
            #expect(try await fixture.digestMessages.count == 4)
            #expect(try await fixture.runner(catchUp: .latest).tick().isEmpty)
            #expect(try await fixture.store.digestRuns.list().count == 2)
        }
    }

    @Test("catch-up latest after more than 100 missed runs records exactly the latest period, once", arguments: StoreEngine.available)
    func latestAfterManyMissedRuns(engine: StoreEngine) async throws {
        try await withRunnerFixture(engine, schedule: "*/15 * * * *") { fixture in
            try await fixture.confirm(1)
            // From the list's creation (Sun 1 Nov 00:00Z) to Mon 2 Nov 23:30Z: 190 quarter hours
            // (00:15Z on the 1st is the first, 47 h 15 min later the last). The 100th, 2 Nov 01:00Z
            // (02:00 in Berlin), reports on 1 Nov; the latest, 23:30Z (Tue 3 Nov 00:30 in Berlin), on 2 Nov.
            let back = created + .hours(47) + .minutes(30)
            fixture.clock.set(back)
            let runs = try await fixture.runner(catchUp: .latest).tick()
            #expect(runs.map { "\($0.firstDay)..\($0.lastDay)" } == ["2026-11-02..2026-11-02"])
            #expect(runs.map(\.scheduledFor) == [back])
            #expect(runs.map(\.trigger) == [.catchUp])
            // Later passes at the same time find nothing older to record.
            #expect(try await fixture.runner(catchUp: .latest).tick().isEmpty)
            #expect(try await fixture.runner(catchUp: .latest).tick().isEmpty)
            let recorded = try await fixture.store.digestRuns.list()
            #expect(recorded.map(\.firstDay.description) == ["2026-11-02"])
            #expect(try await fixture.digestMessages.count == 1)
        }
    }

    @Test("an empty digest is skipped when the list says so, and sent when it does not")
    func emptyDigest() async throws {
        try await withRunnerFixture(.sqlite, skipsEmpty: true) { fixture in
            try await fixture.confirm(2)
            fixture.clock.set(mondayRun)
            let runs = try await fixture.runner(catchUp: .latest).tick()
            #expect(runs.map(\.state) == [.skipped])
            #expect(try await fixture.digestMessages.isEmpty)
        }
        try await withRunnerFixture(.sqlite, skipsEmpty: false) { fixture in
            try await fixture.confirm(2)
            fixture.clock.set(mondayRun)
            #expect(try await fixture.runner(catchUp: .latest).tick().map(\.state) == [.sent])
            #expect(try await fixture.digestMessages.count == 2)
        }
    }

    @Test("a digest mail parses, carries list headers with a working unsubscribe link, and is personal")
    func digestMail() async throws {
        try await withRunnerFixture(.sqlite) { fixture in
            try await fixture.confirm(1)
            fixture.clock.set(mondayRun)
            _ = try await fixture.runner(catchUp: .latest).tick()
            let message = try #require(try await fixture.digestMessages.first)
            let parsed = try PythonMailParser.parse(message.data)
            #expect(parsed.defects.isEmpty)
            #expect(parsed.values("List-Id") == ["Ops weekly <ops-weekly.itsm.example.org>"])
            #expect(parsed.values("List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"])
            #expect(parsed.parts.map(\.contentType) == ["text/plain", "text/html"])
            let header = try #require(parsed.values("List-Unsubscribe").first)
            let url = try #require(URL(string: String(header.dropFirst().dropLast())))
            let token = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == "token" }?.value)
            #expect(try await fixture.service.unsubscribe(token: token, method: .web(ipAddress: "192.0.2.1", userAgent: nil))
                == .unsubscribed(listTitle: "Ops weekly"))
            let text = String(decoding: parsed.parts[0].payload, as: UTF8.self)
            #expect(text.contains("Person 0"))
        }
    }
}

@Suite("Digest runs: one build per distinct filter and period")
struct SharedDigestTests {
    /// Wed 18 Nov 2026 10:00 in Berlin: inside the week the Monday run reports on.
    static let inReportedWeek = Instant(secondsSinceEpoch: 1_795_338_000)

    @Test("a list with the same filter reuses the digest another built for the period; a list with another filter builds its own", arguments: StoreEngine.available)
    func sharedAcrossLists(engine: StoreEngine) async throws {
        try await withRunnerFixture(engine) { fixture in
            let store = fixture.store
            func list(_ slug: String, stages: Set<LifecycleStage>) async throws -> MailingList {
                try await store.mailingLists.create(try MailingList(
                    slug: slug, title: "List \(slug)", sender: try ListSender(address: try EmailAddress(parsing: "digest@itsm.example.org")),
                    digest: try DigestSelection(stages: stages), schedule: "weekly MON 08:00", timeZoneIdentifier: "Europe/Berlin"), at: created)
            }
            let twin = try await list("ops-twin", stages: [.operation])
            _ = try await list("ops-wider", stages: [.operation, .improvement])
            func incident(_ title: String) async throws {
                _ = try await store.incidents.create(try Incident(
                    title: title, impact: .medium, urgency: .medium, at: Self.inReportedWeek, by: "Service desk"))
            }
            func stored(_ run: DigestRun) async throws -> Digest {
                let text = try #require(try await store.digestRuns.get(run.id).digest)
                return try JSONDecoder().decode(Digest.self, from: Data(text.utf8))
            }
            try await incident("Mail down")
            fixture.clock.set(mondayRun + .minutes(1))
            let runner = fixture.runner()

            let first = try await stored(try await runner.sendNow(listSlug: "ops-weekly"))
            // A second incident in the week after the first build: a list that reuses that build does not count it.
            try await incident("VPN slow")
            fixture.clock.set(mondayRun + .minutes(2))
            let twinDigest = try await stored(try await runner.sendNow(listSlug: "ops-twin"))
            let wider = try await stored(try await runner.sendNow(listSlug: "ops-wider"))

            #expect(first.operation?.opened.current == 1)
            #expect(twinDigest.operation?.opened.current == 1, "built once for the filter: the twin reuses the first build")
            #expect(twinDigest.list.slug == "ops-twin" && twinDigest.list.title == twin.title)
            #expect(twinDigest.generatedAt == first.generatedAt)
            #expect(wider.operation?.opened.current == 2, "another filter: a build of its own, with both incidents")
            #expect(wider.improvement != nil)

            // Past the reuse window (15 minutes) a list with the same filter builds afresh.
            _ = try await list("ops-late", stages: [.operation])
            fixture.clock.set(mondayRun + .minutes(17))
            let late = try await stored(try await runner.sendNow(listSlug: "ops-late"))
            #expect(late.operation?.opened.current == 2)
            #expect(late.generatedAt.instant == mondayRun + .minutes(17))
        }
    }
}
