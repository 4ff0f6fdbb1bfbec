import ArgumentParser
import Domain
import Foundation
import Notifications
import Scheduling
import Storage

extension DigestCommand {
    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a list's digest now through its run record, or a test copy to one address.",
            discussion: """
            Without --to: the digest of the list's latest complete period is recorded as the list's run \
            (or the run the schedule already recorded for that period is used) and enqueued for every \
            confirmed subscriber; the daemon's outbox workers deliver it. Sending twice, or sending a \
            period the schedule has sent, finds the same run and mails nobody twice.

            With --to: one copy rendered for that address, its subject marked "[TEST]", is enqueued under \
            a key of its own. No run is recorded: the list's digest for the period still goes out.

            Examples:
              itsm digest send ops-weekly
              itsm digest send ops-weekly --to me@example.org
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var list: String

        @Option(help: "Send one test copy to this address instead of the list's run.")
        var to: String?

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            if let to {
                do {
                    _ = try EmailAddress(parsing: to)
                } catch {
                    throw ValidationError("--to: \(error)")
                }
            }
        }

        func run() async throws {
            let outcome: Outcome = try await options.withContext { context in
                let runner = DigestRunner(
                    store: context.store, subscriptions: try context.subscriptionService(),
                    planner: DigestPlanner(catchUp: context.configuration.scheduler.catchUp == .latest ? .latest : .all),
                    worker: "itsm-cli:\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)",
                    now: { Instant(Date()) }, logger: context.logger)
                if let to {
                    return .test(try await runner.sendTest(listSlug: self.list, to: try EmailAddress(parsing: to)))
                }
                return .run(RunReport(try await runner.sendNow(listSlug: self.list), slug: self.list))
            }
            switch outcome {
            case .test(let sent):
                if json {
                    try printJSON(TestReport(sent))
                } else {
                    print("Test copy of \(sent.listSlug) for \(sent.period) enqueued to \(sent.address) (not the list's run).")
                    print("subject     \(sent.subject)")
                    print("message id  <\(sent.messageID)>")
                    print("recipient   \(sent.isSubscriber ? "a subscriber: their own greeting and unsubscribe link" : "not subscribed: the list's page stands in for the unsubscribe link")")
                }
            case .run(let report):
                if json { try printJSON(report) } else { report.printLines() }
                if report.state == DigestRun.State.failed.rawValue || (report.lastError != nil && !report.isFinished) {
                    throw CommandFailure("the digest run did not complete: \(report.lastError ?? report.state)")
                }
            }
        }

        enum Outcome: Sendable {
            case run(RunReport)
            case test(DigestTestSend)
        }

        struct TestReport: Encodable {
            var list: String, firstDay: String, lastDay: String, to: String, subject: String, messageID: String, subscriber: Bool
            init(_ sent: DigestTestSend) {
                list = sent.listSlug
                firstDay = sent.period.firstDay.description
                lastDay = sent.period.lastDay.description
                to = sent.address.address
                subject = sent.subject
                messageID = sent.messageID
                subscriber = sent.isSubscriber
            }
        }
    }

    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List recent digest runs, newest first: period, state, mails enqueued, last error.",
            discussion: """
            Examples:
              itsm digest runs
              itsm digest runs ops-weekly --limit 5
              itsm digest runs ops-weekly --json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "Only this list's runs (a slug).")
        var list: String?

        @Option(help: "At most this many runs.")
        var limit = 20

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit: expected 1 to 10000, got \(limit)") }
        }

        func run() async throws {
            let reports: [RunReport] = try await options.withContext { context in
                let lists = try await context.store.mailingLists.list()
                var listID: Int64?
                if let slug = self.list {
                    guard let list = lists.first(where: { $0.slug == slug }) else {
                        throw CommandFailure("there is no list '\(slug)' (itsm lists list shows them)")
                    }
                    listID = list.id
                }
                let slugs = Dictionary(lists.compactMap { list in list.id.map { ($0, list.slug) } }, uniquingKeysWith: { first, _ in first })
                return try await context.store.digestRuns.list(listID: listID, limit: limit).map { run in
                    RunReport(run, slug: slugs[run.listID] ?? "#\(run.listID)")
                }
            }
            if json { return try printJSON(reports) }
            var table = Table("ID", "LIST", "PERIOD", "KIND", "TRIGGER", "STATE", "ENQUEUED", "ATTEMPTS", "FINISHED", "LAST ERROR")
            for report in reports {
                table.add(
                    String(report.id), report.list, report.period, report.periodKind, report.trigger, report.state, String(report.enqueued),
                    String(report.attempts), report.finishedAt, report.lastError)
            }
            table.print(emptyMessage: list.map { "No digest runs for \($0) yet." } ?? "No digest runs yet.")
        }
    }
}

/// A digest run as `itsm digest send` and `itsm digest runs` show it.
struct RunReport: Encodable, Sendable {
    var id: Int64
    var list: String
    var periodKind: String
    var firstDay: String
    var lastDay: String
    var trigger: String
    var state: String
    var enqueued: Int64
    var attempts: Int
    var scheduledFor: String
    var finishedAt: String?
    var lastError: String?

    init(_ run: DigestRun, slug: String) {
        id = run.id
        list = slug
        periodKind = run.periodKind
        firstDay = run.firstDay.description
        lastDay = run.lastDay.description
        trigger = run.trigger.rawValue
        state = run.state.rawValue
        enqueued = run.enqueued
        attempts = run.attempts
        scheduledFor = run.scheduledFor.iso8601
        finishedAt = run.finishedAt?.iso8601
        lastError = run.lastError
    }

    var period: String { firstDay == lastDay ? firstDay : "\(firstDay)..\(lastDay)" }
    var isFinished: Bool { finishedAt != nil }

    func printLines() {
        print("run       \(id) (\(trigger))")
        print("list      \(list)")
        print("period    \(period) (\(periodKind))")
        print("state     \(state)" + (finishedAt.map { " at \($0)" } ?? ""))
        print("enqueued  \(enqueued)")
        if let lastError { print("error     \(lastError)") }
    }
}
