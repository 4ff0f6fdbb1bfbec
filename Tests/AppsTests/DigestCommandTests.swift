import Foundation
import Testing

/// A list with subscribers, written with SQL that matches Modules/Storage/Migrations/Schema.swift
/// (the database must be migrated first: `itsm db migrate`).
struct SeededList {
    static let slug = "ops-weekly"
    /// Characters HTML must escape, so the HTML preview shows whether it does.
    static let title = "Ops & Weekly <Team>"
    static let confirmed = ["ada@example.org", "grace@example.org"]
    static let pending = "linus@example.org"

    /// Creates the list (weekly on Mondays, Berlin, every stage, empty digests sent) with two
    /// confirmed subscribers and one pending.
    static func create(in database: ScratchDatabase) async throws {
        let createdAt = Int64(Date().timeIntervalSince1970 * 1_000_000) - 30 * 86_400_000_000
        _ = try await database.execute("""
            INSERT INTO mailing_lists (version, slug, title, sender_address, sender_name, digest_stages, digest_service_ids,
                digest_minimum_priority, schedule, time_zone, requires_confirmation, skip_empty_digest, created_at_us)
            VALUES (1, '\(slug)', '\(title)', 'itsm@example.org', 'ITSM', '["strategy","design","transition","operation","improvement"]',
                '[]', 4, 'weekly MON 08:00', 'Europe/Berlin', TRUE, FALSE, \(createdAt))
            """)
        for (index, address) in (confirmed + [pending]).enumerated() {
            _ = try await database.execute("""
                INSERT INTO subscribers (address, address_key, address_hash, display_name, created_at_us)
                VALUES ('\(address)', '\(address)', 'seeded-\(index)', 'Person \(index)', \(createdAt))
                """)
            let state = address == pending ? "pending" : "confirmed"
            _ = try await database.execute("""
                INSERT INTO subscriptions (version, list_id, subscriber_id, state, subscribed_at_us, confirmed_at_us)
                SELECT 1, l.id, s.id, '\(state)', \(createdAt), \(state == "confirmed" ? String(createdAt) : "NULL")
                FROM mailing_lists l, subscribers s WHERE l.slug = '\(slug)' AND s.address_key = '\(address)'
                """)
        }
    }
}

/// Runs `itsm` with `arguments` in `directory` against `database`, with extra settings.
func itsm(_ arguments: [String], _ database: ScratchDatabase, _ settings: [String: String] = [:]) async throws -> CommandResult {
    try await run(try Binaries.itsm(), arguments, in: database.directory, environment: childEnvironment(database.settings.merging(settings) { $1 }))
}

/// A migrated scratch database with the seeded list, in a fresh working directory.
func withSeededList<R>(_ engine: Engine, _ body: (ScratchDatabase) async throws -> R) async throws -> R {
    try await withWorkingDirectory { directory in
        try await ScratchDatabase.with(engine, in: directory) { database in
            let migrate = try await itsm(["db", "migrate"], database)
            try #require(migrate.termination == .success, "\(migrate.output)")
            try await SeededList.create(in: database)
            return try await body(database)
        }
    }
}

/// What `itsm digest runs --json` and `itsm digest send --json` print for a run.
struct RunJSON: Decodable, Equatable {
    var id: Int64
    var list: String
    var periodKind: String
    var firstDay: String
    var lastDay: String
    var trigger: String
    var state: String
    var enqueued: Int64
    var lastError: String?
}

/// The Monday-to-Sunday week before the current one, in Berlin, as YYYY-MM-DD.
func previousBerlinWeek() throws -> (first: String, last: String) {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = try #require(TimeZone(identifier: "Europe/Berlin"))
    calendar.firstWeekday = 2
    let thisMonday = try #require(calendar.dateInterval(of: .weekOfYear, for: Date())?.start)
    let first = try #require(calendar.date(byAdding: .day, value: -7, to: thisMonday))
    let last = try #require(calendar.date(byAdding: .day, value: -1, to: thisMonday))
    let formatter = DateFormatter()
    formatter.calendar = calendar
    formatter.timeZone = calendar.timeZone
    formatter.dateFormat = "yyyy-MM-dd"
    return (formatter.string(from: first), formatter.string(from: last))
}

@Suite("itsm digest, end to end")
struct DigestCommandTests {
    @Test("preview as text fits 72 columns; html escapes the list title; markdown names it; json parses with every section", arguments: Engine.available)
    func previewFormats(engine: Engine) async throws {
        try await withSeededList(engine) { database in
            let text = try await itsm(["digest", "preview", SeededList.slug], database)
            #expect(text.termination == .success, "\(text.output)")
            let lines = text.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.count > 5, "\(text.standardOutput)")
            for line in lines { #expect(line.count <= 72, "too wide: \(line)") }
            #expect(text.standardOutput.contains("Hello Sample Subscriber,"), "\(text.standardOutput)")
            #expect(text.standardOutput.contains("unsubscribe?token=preview-not-a-real-token"), "\(text.standardOutput)")

            let html = try await itsm(["digest", "preview", SeededList.slug, "--format", "html"], database)
            #expect(html.termination == .success, "\(html.output)")
            #expect(html.standardOutput.contains("Ops &amp; Weekly &lt;Team&gt;"), "\(html.standardOutput.prefix(2000))")
            #expect(!html.standardOutput.contains("<Team>"))

            let markdown = try await itsm(["digest", "preview", SeededList.slug, "--format", "markdown"], database)
            #expect(markdown.termination == .success, "\(markdown.output)")
            // Markdown's own escapes: the title reads as text, not as markup or HTML.
            #expect(markdown.standardOutput.contains(#"Ops \& Weekly \<Team\>"#), "\(markdown.standardOutput.prefix(2000))")

            let json = try await itsm(["digest", "preview", SeededList.slug, "--format", "json"], database)
            #expect(json.termination == .success, "\(json.output)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
            for section in ["strategy", "design", "transition", "operation", "improvement"] {
                #expect(object[section] != nil, "no \(section) section in \(object.keys.sorted())")
            }
            let list = try #require(object["list"] as? [String: Any])
            #expect(list["title"] as? String == SeededList.title)
            // The default period is the schedule's: the previous Monday-to-Sunday week in Berlin.
            let period = try #require(object["period"] as? [String: Any])
            let week = try previousBerlinWeek()
            #expect(period["kind"] as? String == "week")
            #expect(period["firstDay"] as? String == week.first)
            #expect(period["lastDay"] as? String == week.last)
        }
    }

    @Test("preview renders through the list's template folder (set with lists update): its text and HTML, built-in Markdown", arguments: Engine.available)
    func previewWithTemplateFolder(engine: Engine) async throws {
        try await withSeededList(engine) { database in
            let folder = database.directory.appendingPathComponent("templates")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try "CUSTOM-TEXT-TEMPLATE for {{list.title}}\n{{recipient.greeting}}\n"
                .write(to: folder.appendingPathComponent("digest.text.mustache"), atomically: true, encoding: .utf8)
            try "<p>CUSTOM-HTML-TEMPLATE for {{list.title}}</p>\n"
                .write(to: folder.appendingPathComponent("digest.html.mustache"), atomically: true, encoding: .utf8)
            let update = try await itsm(["lists", "update", SeededList.slug, "--template-folder", folder.path], database)
            #expect(update.termination == .success, "\(update.output)")

            let text = try await itsm(["digest", "preview", SeededList.slug], database)
            #expect(text.termination == .success, "\(text.output)")
            #expect(text.standardOutput == "CUSTOM-TEXT-TEMPLATE for \(SeededList.title)\nHello Sample Subscriber,\n", "\(text.output)")

            // HTML escapes the title in an override too.
            let html = try await itsm(["digest", "preview", SeededList.slug, "--format", "html"], database)
            #expect(html.termination == .success, "\(html.output)")
            #expect(html.standardOutput == "<p>CUSTOM-HTML-TEMPLATE for Ops &amp; Weekly &lt;Team&gt;</p>\n", "\(html.output)")

            // The folder has no Markdown template: the built-in one is used.
            let markdown = try await itsm(["digest", "preview", SeededList.slug, "--format", "markdown"], database)
            #expect(markdown.termination == .success, "\(markdown.output)")
            #expect(markdown.standardOutput.hasPrefix(#"# Ops \& Weekly \<Team\>"#), "\(markdown.standardOutput.prefix(500))")
            #expect(!markdown.standardOutput.contains("CUSTOM"))
        }
    }

    @Test("preview --period picks the days, --output writes the file; bad periods exit 2, an unknown list 1")
    func previewPeriodAndOutput() async throws {
        try await withSeededList(.sqlite) { database in
            let json = try await itsm(["digest", "preview", SeededList.slug, "--period", "2026-03-02..2026-03-15", "--format", "json"], database)
            #expect(json.termination == .success, "\(json.output)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
            let period = try #require(object["period"] as? [String: Any])
            #expect(period["kind"] as? String == "custom")
            #expect(period["firstDay"] as? String == "2026-03-02")
            #expect(period["lastDay"] as? String == "2026-03-15")
            // The period before a custom one is as long, just before it.
            #expect(period["previousFirstDay"] as? String == "2026-02-16")

            let month = try await itsm(["digest", "preview", SeededList.slug, "--period", "last-month", "--format", "json"], database)
            let monthObject = try #require(try JSONSerialization.jsonObject(with: Data(month.standardOutput.utf8)) as? [String: Any])
            #expect((monthObject["period"] as? [String: Any])?["kind"] as? String == "month", "\(month.output)")

            let file = database.directory.appendingPathComponent("digest.html")
            let written = try await itsm(["digest", "preview", SeededList.slug, "--format", "html", "--output", file.path], database)
            #expect(written.termination == .success, "\(written.output)")
            #expect(written.standardOutput.contains("Wrote the html digest of \(SeededList.slug)"), "\(written.output)")
            let html = try String(contentsOf: file, encoding: .utf8)
            #expect(html.contains("Ops &amp; Weekly &lt;Team&gt;"))
            #expect(!written.standardOutput.contains("<html"), "the digest went to the file, not standard output")

            for bad in ["yesterday", "2026-03-15..2026-03-02", "2026-02-30..2026-03-01"] {
                let result = try await itsm(["digest", "preview", SeededList.slug, "--period", bad], database)
                #expect(result.termination == ChildProcess.Termination(status: 2, bySignal: false), "\(bad): \(result.output)")
                #expect(result.standardError.contains("--period"), "\(result.output)")
            }
            let badFormat = try await itsm(["digest", "preview", SeededList.slug, "--format", "pdf"], database)
            #expect(badFormat.termination.status == 2, "\(badFormat.output)")

            let unknown = try await itsm(["digest", "preview", "no-such-list"], database)
            #expect(unknown.termination == .failure, "\(unknown.output)")
            #expect(unknown.standardError.contains("no list 'no-such-list'"), "\(unknown.output)")
        }
    }

    @Test("send records the run and enqueues one digest per confirmed subscriber; sending again finds the same run", arguments: Engine.available)
    func sendTwice(engine: Engine) async throws {
        try await withSeededList(engine) { database in
            let first = try await itsm(["digest", "send", SeededList.slug, "--json"], database)
            #expect(first.termination == .success, "\(first.output)")
            let run = try JSONDecoder().decode(RunJSON.self, from: Data(first.standardOutput.utf8))
            let week = try previousBerlinWeek()
            #expect(run.state == "sent")
            #expect(run.enqueued == 2)
            #expect(run.trigger == "manual")
            #expect(run.periodKind == "week")
            #expect((run.firstDay, run.lastDay) == (week.first, week.last))

            let human = try await itsm(["digest", "send", SeededList.slug], database)
            #expect(human.termination == .success, "\(human.output)")
            #expect(human.standardOutput.contains("run       \(run.id) (manual)"), "\(human.standardOutput)")
            #expect(human.standardOutput.contains("period    \(week.first)..\(week.last) (week)"), "\(human.standardOutput)")
            #expect(human.standardOutput.contains("state     sent"), "\(human.standardOutput)")
            #expect(human.standardOutput.contains("enqueued  2\n"), "\(human.standardOutput)")

            // Two digests in the outbox, one per confirmed address, none for the pending one.
            let rows = try await database.execute("SELECT recipients FROM outbox_messages WHERE kind = 'digest' ORDER BY recipients")
            #expect(rows == SeededList.confirmed.map { #"["\#($0)"]"# }.joined(separator: "\n"), "\(rows)")

            let runs = try await itsm(["digest", "runs", "--json"], database)
            #expect(runs.termination == .success, "\(runs.output)")
            let listed = try JSONDecoder().decode([RunJSON].self, from: Data(runs.standardOutput.utf8))
            #expect(listed == [run])
        }
    }

    @Test("send --to enqueues one [TEST] copy under a key of its own, outside the list's run; runs shows only the real run")
    func testSend() async throws {
        try await withSeededList(.sqlite) { database in
            let test = try await itsm(["digest", "send", SeededList.slug, "--to", "tester@example.net", "--json"], database)
            #expect(test.termination == .success, "\(test.output)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(test.standardOutput.utf8)) as? [String: Any])
            #expect((report["subject"] as? String)?.hasPrefix("[TEST] ") == true, "\(report)")
            #expect(report["to"] as? String == "tester@example.net")
            #expect(report["subscriber"] as? Bool == false)

            // A subscriber's test copy is rendered for them: the human output says so.
            let again = try await itsm(["digest", "send", SeededList.slug, "--to", SeededList.confirmed[0]], database)
            #expect(again.termination == .success, "\(again.output)")
            #expect(again.standardOutput.contains("subject     [TEST] "), "\(again.standardOutput)")
            #expect(again.standardOutput.contains("a subscriber: their own greeting"), "\(again.standardOutput)")

            // Two test copies (two keys), no run recorded and no digest for the list.
            #expect(try await database.execute("SELECT COUNT(*) FROM outbox_messages WHERE kind = 'digest-test'") == "2")
            #expect(try await database.execute("SELECT COUNT(*) FROM outbox_messages WHERE kind = 'digest'") == "0")
            #expect(try await database.execute("SELECT COUNT(*) FROM digest_runs") == "0")
            let none = try await itsm(["digest", "runs", SeededList.slug], database)
            #expect(none.standardOutput.contains("No digest runs for \(SeededList.slug) yet."), "\(none.output)")

            // The real send still goes out in full after the test sends.
            let real = try await itsm(["digest", "send", SeededList.slug, "--json"], database)
            let run = try JSONDecoder().decode(RunJSON.self, from: Data(real.standardOutput.utf8))
            #expect(run.state == "sent")
            #expect(run.enqueued == 2)

            let table = try await itsm(["digest", "runs", SeededList.slug], database)
            #expect(table.termination == .success, "\(table.output)")
            let lines = table.standardOutput.split(separator: "\n")
            #expect(lines.count == 2, "\(table.standardOutput)")
            #expect(lines.first?.hasPrefix("ID  LIST") == true, "\(table.standardOutput)")
            #expect(lines.last?.contains("manual   sent") == true, "\(table.standardOutput)")

            let badAddress = try await itsm(["digest", "send", SeededList.slug, "--to", "not-an-address"], database)
            #expect(badAddress.termination.status == 2, "\(badAddress.output)")
            let unknown = try await itsm(["digest", "runs", "no-such-list"], database)
            #expect(unknown.termination == .failure, "\(unknown.output)")
        }
    }
}
