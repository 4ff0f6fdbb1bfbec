import Foundation
import ITSMTestSupport
import Testing

/// A daily 08:00 UTC schedule, and the clock offset that puts a daemon just past its next run.
///
/// The daemon's clock is the wall clock plus ITSM_TESTING_CLOCK_OFFSET_SECONDS, so the run falls
/// due at the daemon's first tick instead of hours from now. Make it after the list: a run is due
/// only after the list's creation.
struct DueSchedule {
    static let expression = "daily 08:00"
    static let timeZone = "UTC"

    /// The next 08:00 UTC after the moment this value was made.
    let runAt: Date
    /// Seconds from the wall clock to `runAt` plus `past`.
    let offsetSeconds: Int

    /// `past`: how far beyond the run the daemon's clock starts.
    init(past: Int = 30, now: Date = Date()) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let todayAtEight = calendar.date(bySettingHour: 8, minute: 0, second: 0, of: now)!
        runAt = todayAtEight > now ? todayAtEight : calendar.date(byAdding: .day, value: 1, to: todayAtEight)!
        offsetSeconds = Int(runAt.timeIntervalSince(now).rounded(.up)) + past
    }

    /// The day a daily digest sent at `runAt` reports on: the day before, as YYYY-MM-DD.
    var reportedDay: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: runAt.addingTimeInterval(-86_400))
    }
}

extension CLISession {
    /// Creates list `slug` with the due daily schedule, sending as itsm@example.org.
    func createDueList(_ slug: String) async throws {
        try await succeed([
            "lists", "create", slug, "--title", "Scheduler \(slug)", "--sender", "itsm@example.org",
            "--schedule", DueSchedule.expression, "--time-zone", DueSchedule.timeZone,
        ])
    }

    /// Creates list `slug` with `count` confirmed subscribers; returns the schedule that makes it due.
    func createDueList(_ slug: String, confirmed count: Int) async throws -> DueSchedule {
        try await createDueList(slug)
        try await importConfirmed(count, into: slug)
        return DueSchedule()
    }

    /// Imports `count` confirmed subscribers person0001@example.org ... into `slug` from a CSV file.
    func importConfirmed(_ count: Int, into slug: String) async throws {
        let file = directory.appendingPathComponent("\(slug)-people.csv")
        let rows = (1...count).map { "\(SubscriberNumbering.address($0)),Person \($0)" }
        try (["email,name"] + rows).joined(separator: "\n").appending("\n").write(to: file, atomically: true, encoding: .utf8)
        let report = try await json(
            ImportJSON.self, ["subscribers", "import", slug, file.path, "--confirmed", "--reason", "scheduler end-to-end test", "--json"])
        try #require(report.accepted == count && report.rejected == 0, "\(report)")
    }

    /// `itsm outbox status --json`.
    func outboxStatus() async throws -> OutboxStatusJSON {
        try await json(OutboxStatusJSON.self, ["outbox", "status", "--json"])
    }

    /// Waits until the outbox holds nothing queued or sending.
    func waitForOutboxToDrain(timeout: Duration = .seconds(90)) async throws {
        try await waitUntil("the outbox to drain", timeout: timeout, interval: .milliseconds(250)) {
            let status = try await outboxStatus()
            return status.counts["queued", default: 0] + status.counts["sending", default: 0] == 0
        }
    }

    /// `itsm digest runs --json`.
    func digestRuns() async throws -> [RunJSON] {
        try await json([RunJSON].self, ["digest", "runs", "--json"])
    }

    /// The one run `itsm digest runs --json` lists; fails the test when there are more or none.
    func onlyDigestRun() async throws -> RunJSON {
        let runs = try await digestRuns()
        try #require(runs.count == 1, "\(runs.count) runs: \(runs)")
        return runs[0]
    }

    /// Waits until `sink` has accepted `count` messages and the outbox holds nothing queued or sending.
    func waitForDelivery(of count: Int, at sink: SMTPSink) async throws {
        try await waitUntil("\(count) messages at the sink (\(sink.acceptedCount()) so far)", timeout: .seconds(120)) {
            sink.acceptedCount() >= count
        }
        try await waitForOutboxToDrain()
    }

    /// Starts `itsm-scheduler` on this session's database, mailing through `sink`, its clock shifted
    /// by `clockOffset` seconds, looking for due runs every second, its pages on a port of its own.
    func startScheduler(sink: SMTPSink, clockOffset: Int, _ settings: [String: String] = [:], arguments: [String] = []) throws -> ChildProcess {
        let port = try #require(freeLoopbackPort(), "no free loopback port")
        let daemonSettings = [
            "ITSM_SMTP_URL": "smtp://127.0.0.1:\(sink.port)", "ITSM_SCHEDULER_TICK_SECONDS": "1",
            "ITSM_TESTING_CLOCK_OFFSET_SECONDS": String(clockOffset), "ITSM_HTTP_BIND": "127.0.0.1:\(port)",
        ]
        let merged = environment.merging(daemonSettings) { $1 }.merging(settings) { $1 }
        return try ChildProcess(try Binaries.scheduler(), arguments, in: directory, environment: merged)
    }
}

/// The addresses `importConfirmed` uses: person0001@example.org and so on.
enum SubscriberNumbering {
    static func address(_ number: Int) -> String {
        "person" + String(repeating: "0", count: max(0, 4 - String(number).count)) + "\(number)@example.org"
    }
}

extension SMTPSink {
    /// How many messages the sink has accepted so far (each leaves one NNNN.json).
    func acceptedCount() -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).count(where: { $0.hasSuffix(".json") })
    }
}

/// Polls `condition` every `interval` until it holds; fails the test with `what` after `timeout`.
///
/// For waiting on an event another process causes (mail arriving, an outbox draining), never for time to pass.
func waitUntil(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(90), interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("gave up after \(timeout) waiting for \(what())")
            throw WaitTimedOut(what: what())
        }
        try await Task.sleep(for: interval)
    }
}

struct WaitTimedOut: Error, CustomStringConvertible {
    var what: String
    var description: String { "gave up waiting for \(what)" }
}
