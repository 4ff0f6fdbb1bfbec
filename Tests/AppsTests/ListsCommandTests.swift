import Foundation
import Testing

/// What `itsm lists show --json` prints (the fields these tests read).
struct ListJSON: Decodable, Equatable {
    struct Sender: Decodable, Equatable {
        var address: String
        var name: String?
    }

    struct Counts: Decodable, Equatable {
        var pending: Int
        var confirmed: Int
        var unsubscribed: Int
    }

    var slug: String
    var title: String
    var description: String?
    var version: Int
    var sender: Sender
    var replyTo: String?
    var stages: [String]
    var services: [Int64]
    var minimumPriority: String
    var schedule: String
    var timeZone: String
    var templateFolder: String?
    var requiresConfirmation: Bool
    var skipEmpty: Bool
    var subscribers: Counts
    var nextRun: String?
    var nextRunLocal: String?
}

/// The `itsm` binary against one scratch database, in one working directory.
struct CLISession {
    let itsm: URL
    let directory: URL
    let database: ScratchDatabase
    var environment: [String: String]

    /// Runs `itsm` with `arguments`.
    func run(_ arguments: [String], timeout: Duration = .seconds(120)) async throws -> CommandResult {
        try await AppsTests.run(itsm, arguments, in: directory, environment: environment, timeout: timeout)
    }

    /// Runs `itsm`, requires exit 0, and decodes its standard output as JSON.
    func json<T: Decodable>(_ type: T.Type, _ arguments: [String]) async throws -> T {
        let result = try await run(arguments)
        try #require(result.termination == .success, "\(arguments): \(result.output)")
        do {
            return try JSONDecoder().decode(T.self, from: Data(result.standardOutput.utf8))
        } catch {
            Issue.record("\(arguments) printed no \(T.self): \(result.standardOutput)")
            throw error
        }
    }

    /// Runs `itsm` and requires exit 0.
    @discardableResult
    func succeed(_ arguments: [String]) async throws -> CommandResult {
        let result = try await run(arguments)
        try #require(result.termination == .success, "\(arguments): \(result.output)")
        return result
    }

    /// The number in the first column of a `SELECT COUNT(*) ...`.
    func count(_ sql: String) async throws -> Int {
        let text = try await database.execute(sql)
        return try #require(Int(text), "not a count: \(text)")
    }

    /// Runs `body` with a migrated scratch database on `engine`.
    static func with(_ engine: Engine, _ body: (CLISession) async throws -> Void) async throws {
        let itsm = try Binaries.itsm()
        try await withWorkingDirectory { directory in
            try await ScratchDatabase.with(engine, in: directory) { database in
                let environment = childEnvironment(database.settings.merging([
                    "ITSM_SECRET_KEY": "apps-tests-link-signing-key-0123456789abcdef", "USER": "tester",
                    "ITSM_PUBLIC_URL": "https://itsm.example.org",
                ]) { $1 })
                let session = CLISession(itsm: itsm, directory: directory, database: database, environment: environment)
                try await session.succeed(["db", "migrate"])
                try await body(session)
            }
        }
    }
}

@Suite("itsm lists, end to end")
struct ListsCommandTests {
    @Test("create, list, show, update and delete a list; --json parses and says what was set", arguments: Engine.available)
    func lifecycle(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            let created = try await cli.succeed([
                "lists", "create", "ops-weekly", "--title", "Operations weekly", "--description", "What changed, what broke",
                "--sender", "itsm@Example.ORG", "--sender-name", "IT Service Desk", "--reply-to", "desk@example.org",
                "--stages", "operation, transition", "--minimum-priority", "p2", "--schedule", "weekly MON 08:00",
                "--time-zone", "Europe/Berlin", "--template-folder", "/etc/itsm/templates", "--skip-empty",
            ])
            #expect(created.standardOutput.contains("Created list 'ops-weekly'"), "\(created.output)")
            try await cli.succeed(["lists", "create", "changes", "--title", "Changes", "--sender", "itsm@example.org", "--no-confirmation"])

            let shown = try await cli.json(ListJSON.self, ["lists", "show", "ops-weekly", "--json"])
            #expect(shown.title == "Operations weekly")
            #expect(shown.description == "What changed, what broke")
            #expect(shown.sender == .init(address: "itsm@example.org", name: "IT Service Desk"))  // domain lower-cased
            #expect(shown.replyTo == "desk@example.org")
            #expect(shown.stages == ["transition", "operation"])  // lifecycle order
            #expect(shown.services == [])
            #expect(shown.minimumPriority == "P2")
            #expect(shown.timeZone == "Europe/Berlin")
            #expect(shown.templateFolder == "/etc/itsm/templates")
            #expect(shown.requiresConfirmation)
            #expect(shown.skipEmpty)
            #expect(shown.subscribers == .init(pending: 0, confirmed: 0, unsubscribed: 0))

            // The next Monday 08:00 on Berlin's clock after now, by Foundation's calendar.
            var berlin = Calendar(identifier: .gregorian)
            berlin.timeZone = try #require(TimeZone(identifier: "Europe/Berlin"))
            let expected = try #require(berlin.nextDate(after: Date(), matching: DateComponents(hour: 8, minute: 0, weekday: 2), matchingPolicy: .nextTime))
            let nextRun = try #require(shown.nextRun.flatMap(instantDate), "\(String(describing: shown.nextRun))")
            #expect(abs(nextRun.timeIntervalSince(expected)) < 1, "\(nextRun) vs \(expected)")
            #expect(shown.nextRunLocal?.hasSuffix(" 08:00") == true)

            let people = try await cli.run(["lists", "show", "ops-weekly"])
            #expect(people.termination == .success)
            #expect(people.standardOutput.contains("sender            IT Service Desk <itsm@example.org>"), "\(people.standardOutput)")
            #expect(people.standardOutput.contains("subscribers       0 confirmed, 0 pending, 0 unsubscribed"), "\(people.standardOutput)")
            #expect(people.standardOutput.contains("next run          \(shown.nextRunLocal ?? "?") Europe/Berlin"), "\(people.standardOutput)")

            let all = try await cli.json([ListJSON].self, ["lists", "list", "--json"])
            #expect(all.map(\.slug) == ["changes", "ops-weekly"])
            #expect(all.first?.requiresConfirmation == false)
            let table = try await cli.succeed(["lists", "list"])
            let lines = table.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("SLUG") == true, "\(lines)")
            // Aligned: every row's title starts in the header's TITLE column.
            let titleColumn = try #require(lines.first?.range(of: "TITLE")).lowerBound.utf16Offset(in: lines[0])
            #expect(lines.dropFirst().allSatisfy { $0.count > titleColumn && $0[$0.index($0.startIndex, offsetBy: titleColumn - 1)] == " " }, "\(lines)")

            try await cli.succeed([
                "lists", "update", "ops-weekly", "--schedule", "daily 07:30", "--time-zone", "UTC", "--description", "",
                "--no-confirmation", "--no-skip-empty", "--stages", "improvement",
            ])
            let updated = try await cli.json(ListJSON.self, ["lists", "show", "ops-weekly", "--json"])
            #expect(updated.version == shown.version + 1)
            #expect(updated.schedule == "daily 07:30")
            #expect(updated.timeZone == "UTC")
            #expect(updated.description == nil)
            #expect(updated.stages == ["improvement"])
            #expect(!updated.requiresConfirmation)
            #expect(!updated.skipEmpty)
            #expect(updated.title == shown.title)  // untouched options keep their values
            #expect(updated.nextRunLocal?.hasSuffix(" 07:30") == true)

            let deleted = try await cli.succeed(["lists", "delete", "changes", "--yes"])
            #expect(deleted.standardOutput.contains("Deleted list 'changes'"))
            #expect(try await cli.json([ListJSON].self, ["lists", "list", "--json"]).map(\.slug) == ["ops-weekly"])
        }
    }

    @Test("bad arguments exit 2 and change nothing", arguments: [
        ["lists", "create", "ops"],  // --title and --sender missing
        ["lists", "create", "ops", "--title", "Ops", "--sender", "a@example.org", "--bogus"],
        ["lists", "show"],
        ["lists", "update", "ops", "--confirmation", "--no-confirmation", "--sender"],
        ["lists", "delete", "ops"],  // no --yes and standard input is not a terminal
        ["lists", "frobnicate"],
    ])
    func badArguments(arguments: [String]) async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.succeed(["lists", "create", "ops", "--title", "Ops", "--sender", "a@example.org"])
            let result = try await cli.run(arguments)
            #expect(result.termination == .init(status: 2, bySignal: false), "\(result.output)")
            #expect(!result.standardError.isEmpty)
            let lists = try await cli.json([ListJSON].self, ["lists", "list", "--json"])
            #expect(lists.map(\.slug) == ["ops"])
            #expect(lists.first?.version == 1)
        }
    }

    @Test("domain errors exit 1 with 'error: <field>:' and change nothing", arguments: [
        (["lists", "create", "Bad_Slug", "--title", "T", "--sender", "a@example.org"], "slug"),
        (["lists", "create", "new", "--title", "T", "--sender", "not-an-address"], "sender"),
        (["lists", "create", "new", "--title", "T", "--sender", "a@example.org", "--reply-to", "x@"], "replyTo"),
        (["lists", "create", "new", "--title", "T", "--sender", "a@example.org", "--schedule", "weekly XYZ 08:00"], "schedule"),
        (["lists", "create", "new", "--title", "T", "--sender", "a@example.org", "--time-zone", "Mars/Olympus"], "timeZone"),
        (["lists", "create", "new", "--title", "T", "--sender", "a@example.org", "--stages", "operation,deployment"], "digest.stages"),
        (["lists", "create", "new", "--title", "T", "--sender", "a@example.org", "--stages", ""], "digest.stages"),
        (["lists", "create", "new", "--title", "T", "--sender", "a@example.org", "--minimum-priority", "P9"], "digest.minimumPriority"),
        (["lists", "create", "new", "--title", "T", "--sender", "a@example.org", "--services", "No Such Service"], "digest.services"),
        (["lists", "create", "ops", "--title", "Again", "--sender", "a@example.org"], "slug"),
        (["lists", "update", "ops", "--schedule", "every full moon"], "schedule"),
        (["lists", "update", "ops", "--title", "two\u{7}lines"], "title"),
        (["lists", "show", "nope"], "list"),
        (["lists", "delete", "nope", "--yes"], "list"),
    ])
    func domainErrors(arguments: [String], field: String) async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.succeed(["lists", "create", "ops", "--title", "Ops", "--sender", "a@example.org"])
            let before = try await cli.json([ListJSON].self, ["lists", "list", "--json"])
            let result = try await cli.run(arguments)
            #expect(result.termination == .failure, "\(result.output)")
            #expect(result.standardError.hasPrefix("error: \(field): "), "\(result.standardError)")
            #expect(result.standardOutput.isEmpty, "\(result.standardOutput)")
            #expect(try await cli.json([ListJSON].self, ["lists", "list", "--json"]) == before)
        }
    }

    @Test("a list with confirmed subscribers is deleted only with --force, with its subscriptions", arguments: Engine.available)
    func deleteNeedsForce(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try await cli.succeed(["lists", "create", "ops", "--title", "Ops", "--sender", "a@example.org"])
            try await cli.succeed(["subscribers", "add", "ops", "ada@example.org", "--confirmed", "--reason", "asked in person"])
            try await cli.succeed(["subscribers", "add", "ops", "bob@example.org"])

            let refused = try await cli.run(["lists", "delete", "ops", "--yes"])
            #expect(refused.termination == .failure, "\(refused.output)")
            #expect(refused.standardError.hasPrefix("error: --force: list 'ops' has 1 confirmed subscriber"), "\(refused.standardError)")
            #expect(try await cli.count("SELECT COUNT(*) FROM subscriptions") == 2)

            let forced = try await cli.succeed(["lists", "delete", "ops", "--yes", "--force"])
            #expect(forced.standardOutput.contains("Deleted list 'ops' and 2 subscriptions."), "\(forced.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM mailing_lists") == 0)
            #expect(try await cli.count("SELECT COUNT(*) FROM subscriptions") == 0)
            // Consent records stay with their subscribers.
            #expect(try await cli.count("SELECT COUNT(*) FROM consent_records") == 3)
        }
    }
}

/// The date of an instant as `Instant.iso8601` writes it (`2026-01-05T07:00:00.000000Z`), to the second.
func instantDate(_ text: String) -> Date? {
    ISO8601DateFormatter().date(from: String(text.prefix(19)) + "Z")
}
