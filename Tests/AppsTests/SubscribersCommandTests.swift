import Foundation
import Testing

/// What `itsm subscribers add --json` prints.
struct EnrolmentJSON: Decodable, Equatable {
    var list: String
    var email: String
    var state: String
    var outcome: String
    var confirmationMailed: Bool
}

/// One subscription in `subscribers list --json`, `export --format json` and `show --json`.
struct SubscriptionJSON: Decodable, Equatable {
    var list: String
    var email: String
    var name: String?
    var state: String
    var subscribedAt: String
    var confirmedAt: String?
    var unsubscribedAt: String?
}

/// What `itsm subscribers show --json` prints.
struct SubscriberJSON: Decodable {
    struct Suppression: Decodable {
        var source: String
        var reason: String?
        var since: String
    }

    struct Consent: Decodable, Equatable {
        var at: String
        var action: String
        var list: String?
        var method: String
        var `operator`: String?
        var reason: String?
    }

    var email: String
    var name: String?
    var suppression: Suppression?
    var subscriptions: [SubscriptionJSON]
    var consent: [Consent]
}

/// What `itsm subscribers import --json` prints.
struct ImportJSON: Decodable {
    struct Rejection: Decodable, Equatable {
        var line: Int
        var reason: String
    }

    var rejections: [Rejection]
    var accepted: Int
    var rejected: Int
    var outcomes: [String: Int]
    var committed: Bool
    var file: String
}

@Suite("itsm subscribers, end to end")
struct SubscribersCommandTests {
    static let createList = ["lists", "create", "ops", "--title", "Ops", "--sender", "itsm@example.org"]

    @Test("add, list, show, export, remove and resend-confirmation; --json parses", arguments: Engine.available)
    func happyPath(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try await cli.succeed(Self.createList)

            let ada = try await cli.json(EnrolmentJSON.self, ["subscribers", "add", "ops", "Ada@Example.ORG", "--name", "Ada Lovelace", "--json"])
            #expect(ada == .init(list: "ops", email: "Ada@example.org", state: "pending", outcome: "pending", confirmationMailed: true))
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_messages WHERE kind = 'confirmation'") == 1)

            let grace = try await cli.succeed(["subscribers", "add", "ops", "grace@example.org", "--confirmed", "--reason", "ticket 4711", "--operator", "olivia"])
            #expect(grace.standardOutput == "grace@example.org is confirmed on 'ops'.\n", "\(grace.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_messages") == 1)  // no mail for an operator's confirmation

            let again = try await cli.json(EnrolmentJSON.self, ["subscribers", "add", "ops", "grace@example.org", "--json"])
            #expect(again.outcome == "already-confirmed")

            let all = try await cli.json([SubscriptionJSON].self, ["subscribers", "list", "ops", "--json"])
            #expect(all.map(\.email) == ["Ada@example.org", "grace@example.org"])
            #expect(all.map(\.state) == ["pending", "confirmed"])
            #expect(all.first?.name == "Ada Lovelace")
            let pending = try await cli.json([SubscriptionJSON].self, ["subscribers", "list", "ops", "--status", "pending", "--json"])
            #expect(pending.map(\.email) == ["Ada@example.org"])
            let table = try await cli.succeed(["subscribers", "list", "ops"])
            #expect(table.standardOutput.hasPrefix("EMAIL              NAME          STATE"), "\(table.standardOutput)")

            let shown = try await cli.json(SubscriberJSON.self, ["subscribers", "show", "GRACE@example.org", "--json"])
            #expect(shown.email == "grace@example.org")
            #expect(shown.suppression == nil)
            #expect(shown.subscriptions.map(\.state) == ["confirmed"])
            #expect(shown.consent.map(\.action) == ["subscribed", "confirmed", "subscribed"])
            #expect(shown.consent.first?.operator == "olivia")
            #expect(shown.consent.first?.reason == "ticket 4711")
            #expect(shown.consent.last?.operator == "tester")  // $USER when --operator is not given
            let people = try await cli.succeed(["subscribers", "show", "grace@example.org"])
            #expect(people.standardOutput.contains("suppressed  no"), "\(people.standardOutput)")
            #expect(people.standardOutput.contains("ops   confirmed"), "\(people.standardOutput)")

            let csv = try await cli.succeed(["subscribers", "export", "ops"])
            let csvLines = csv.standardOutput.components(separatedBy: "\r\n")
            #expect(csvLines.first == "email,name,state,subscribed_at,confirmed_at,unsubscribed_at")
            #expect(csvLines.dropFirst().first?.hasPrefix("Ada@example.org,Ada Lovelace,pending,") == true, "\(csvLines)")
            #expect(csvLines.count == 4 && csvLines.last == "", "\(csvLines)")
            let exported = try await cli.json([SubscriptionJSON].self, ["subscribers", "export", "ops", "--format", "json", "--status", "confirmed"])
            #expect(exported.map(\.email) == ["grace@example.org"])

            // The confirmation went out a moment ago: a resend is refused until the interval has passed.
            let tooSoon = try await cli.run(["subscribers", "resend-confirmation", "ops", "ada@example.org"])
            #expect(tooSoon.termination == .failure, "\(tooSoon.output)")
            #expect(tooSoon.standardError.hasPrefix("error: email: a confirmation went to 'ada@example.org' less than the resend interval ago"), "\(tooSoon.standardError)")
            // An hour ago, in an earlier rate-limit window (the window is part of the idempotency key).
            _ = try await cli.database.execute(
                "UPDATE outbox_messages SET created_at_us = created_at_us - 3600000000, idempotency_key = idempotency_key || '0'")
            let resent = try await cli.succeed(["subscribers", "resend-confirmation", "ops", "ada@example.org"])
            #expect(resent.standardOutput.contains("fresh link"), "\(resent.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_messages WHERE kind = 'confirmation'") == 2)
            let confirmedAlready = try await cli.run(["subscribers", "resend-confirmation", "ops", "grace@example.org"])
            #expect(confirmedAlready.termination == .failure)
            #expect(confirmedAlready.standardError.contains("is confirmed on 'ops', not pending"), "\(confirmedAlready.standardError)")

            let removed = try await cli.succeed(["subscribers", "remove", "ops", "grace@example.org", "--reason", "left the company"])
            #expect(removed.standardOutput == "Unsubscribed grace@example.org from 'ops'.\n")
            let after = try await cli.json(SubscriberJSON.self, ["subscribers", "show", "grace@example.org", "--json"])
            #expect(after.subscriptions.map(\.state) == ["unsubscribed"])
            #expect(after.consent.last?.action == "unsubscribed")
            #expect(after.consent.last?.reason == "left the company")
            let counts = try await cli.json(ListJSON.self, ["lists", "show", "ops", "--json"]).subscribers
            #expect(counts == .init(pending: 1, confirmed: 0, unsubscribed: 1))
        }
    }

    @Test("a 24-hour confirm link and a 30-minute resend interval from the configuration take effect", arguments: Engine.available)
    func configuredLinkLifetimeAndResendInterval(engine: Engine) async throws {
        try await CLISession.with(engine) { session in
            var cli = session
            cli.environment["ITSM_SUBSCRIPTIONS_CONFIRM_LINK_HOURS"] = "24"
            cli.environment["ITSM_SUBSCRIPTIONS_RESEND_MINUTES"] = "30"
            try await cli.succeed(Self.createList)
            try await cli.succeed(["subscribers", "add", "ops", "ada@example.org"])

            // The link's expiry (bytes 10..<18 of the token, seconds) is the enqueue second plus 24 h, not 72 h.
            let hex = cli.database.engine == .sqlite ? "hex(p.data)" : "encode(p.data, 'hex')"
            let row = try await cli.database.execute("SELECT m.created_at_us, \(hex) FROM outbox_messages m JOIN outbox_payloads p ON p.message_id = m.id")
            let fields = row.split(separator: "|").map(String.init)
            try #require(fields.count == 2, "\(row)")
            let createdSeconds = try #require(Int64(fields[0])) / 1_000_000
            let token = try confirmToken(inMailHex: fields[1])
            #expect(linkTokenExpiry(token) == createdSeconds + 24 * 3600)

            // 29 minutes after the first mail a resend is still refused (the default 10 would allow it); at 31 it goes.
            func shift(minutes: Int64) -> String {
                "UPDATE outbox_messages SET created_at_us = created_at_us - \(minutes * 60_000_000), idempotency_key = idempotency_key || '0'"
            }
            _ = try await cli.database.execute(shift(minutes: 29))
            let tooSoon = try await cli.run(["subscribers", "resend-confirmation", "ops", "ada@example.org"])
            #expect(tooSoon.termination == .failure, "\(tooSoon.output)")
            #expect(tooSoon.standardError.contains("less than the resend interval ago"), "\(tooSoon.standardError)")
            _ = try await cli.database.execute(shift(minutes: 2))
            let resent = try await cli.succeed(["subscribers", "resend-confirmation", "ops", "ada@example.org"])
            #expect(resent.standardOutput.contains("fresh link"), "\(resent.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_messages WHERE kind = 'confirmation'") == 2)
        }
    }

    @Test("bad arguments exit 2 and change nothing", arguments: [
        ["subscribers", "add", "ops", "ada@example.org", "--confirmed"],  // --reason missing
        ["subscribers", "add", "ops"],
        ["subscribers", "list", "ops", "--status", "sleeping"],
        ["subscribers", "export", "ops", "--format", "xml"],
        ["subscribers", "suppress", "ada@example.org"],  // --reason missing
        ["subscribers", "erase", "ada@example.org"],  // no --yes and standard input is not a terminal
        ["subscribers", "import", "ops", "people.csv", "--confirmed"],
    ])
    func badArguments(arguments: [String]) async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.succeed(Self.createList)
            try await cli.succeed(["subscribers", "add", "ops", "ada@example.org"])
            try "email\nbob@example.org\n".write(to: cli.directory.appendingPathComponent("people.csv"), atomically: true, encoding: .utf8)
            let result = try await cli.run(arguments)
            #expect(result.termination == .init(status: 2, bySignal: false), "\(result.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM subscribers") == 1)
            #expect(try await cli.count("SELECT COUNT(*) FROM consent_records") == 1)
            #expect(try await cli.count("SELECT COUNT(*) FROM suppressions") == 0)
        }
    }

    @Test("domain errors exit 1 with 'error: <field>:' and change nothing", arguments: [
        (["subscribers", "add", "ops", "not-an-address"], "email"),
        (["subscribers", "add", "ops", "ada@exa mple.org"], "email"),
        (["subscribers", "add", "nope", "bob@example.org"], "list"),
        (["subscribers", "add", "ops", "bob@example.org", "--name", "Bob\u{1B}[31m"], "name"),
        (["subscribers", "remove", "ops", "bob@example.org"], "email"),
        (["subscribers", "show", "bob@example.org"], "email"),
        (["subscribers", "unsuppress", "bob@example.org"], "email"),
        (["subscribers", "resend-confirmation", "ops", "bob@example.org"], "email"),
        (["subscribers", "import", "ops", "missing.csv"], "missing.csv"),
    ])
    func domainErrors(arguments: [String], field: String) async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.succeed(Self.createList)
            try await cli.succeed(["subscribers", "add", "ops", "ada@example.org"])
            let result = try await cli.run(arguments)
            #expect(result.termination == .failure, "\(result.output)")
            #expect(result.standardError.hasPrefix("error: \(field)"), "\(result.standardError)")
            #expect(try await cli.count("SELECT COUNT(*) FROM subscribers") == 1)
            #expect(try await cli.count("SELECT COUNT(*) FROM consent_records") == 1)
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_messages") == 1)
        }
    }

    @Test("suppress refuses adds until unsuppress; erase leaves only the hash, and a re-add is refused by it", arguments: Engine.available)
    func suppressionAndErasure(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try await cli.succeed(Self.createList)
            try await cli.succeed(["subscribers", "suppress", "bob@example.org", "--reason", "asked by phone"])
            let refused = try await cli.run(["subscribers", "add", "ops", "Bob@EXAMPLE.org"])
            #expect(refused.termination == .failure)
            #expect(refused.standardError.hasPrefix("error: email: 'Bob@example.org' is suppressed (an administrator suppressed it)"), "\(refused.standardError)")
            let twice = try await cli.succeed(["subscribers", "suppress", "bob@example.org", "--reason", "again"])
            #expect(twice.standardOutput.contains("already suppressed"), "\(twice.output)")
            let shown = try await cli.json(SubscriberJSON.self, ["subscribers", "show", "bob@example.org", "--json"])
            #expect(shown.suppression?.source == "admin")
            #expect(shown.suppression?.reason == "asked by phone")
            try await cli.succeed(["subscribers", "unsuppress", "bob@example.org"])
            try await cli.succeed(["subscribers", "add", "ops", "bob@example.org", "--confirmed", "--reason", "asked again"])

            try await cli.succeed(["subscribers", "add", "ops", "ada@example.org", "--name", "Ada"])
            // Bob was confirmed by the operator (no mail); Ada's confirmation waits in the outbox.
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_messages WHERE recipients = '[\"ada@example.org\"]' AND status = 'queued'") == 1)
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_payloads") == 1)
            let erased = try await cli.succeed(["subscribers", "erase", "ADA@example.org", "--yes"])
            #expect(erased.standardOutput == """
                Erased the subscriber, 1 subscription and 1 consent record; outbox: 1 unsent message deleted; \
                only the address's hash is kept, in the suppression list.

                """, "\(erased.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM subscribers WHERE address_key = 'ada@example.org'") == 0)
            #expect(try await cli.count("SELECT COUNT(*) FROM subscriptions") == 1)  // Bob's
            #expect(try await cli.count("SELECT COUNT(*) FROM suppressions WHERE source = 'erased' AND reason IS NULL") == 1)
            #expect(try await cli.database.execute("SELECT address_hash FROM suppressions WHERE source = 'erased'").count == 64)
            // "Only the address's hash is kept": the unsent confirmation went with its bytes.
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_messages") == 0)
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_payloads") == 0)

            let readd = try await cli.run(["subscribers", "add", "ops", "ada@example.org"])
            #expect(readd.termination == .failure, "\(readd.output)")
            #expect(readd.standardError.hasPrefix("error: email: 'ada@example.org' is suppressed (its data was erased on request)"), "\(readd.standardError)")
            #expect(try await cli.count("SELECT COUNT(*) FROM subscribers WHERE address_key = 'ada@example.org'") == 0)
            let after = try await cli.json(SubscriberJSON.self, ["subscribers", "show", "ada@example.org", "--json"])
            #expect(after.suppression?.source == "erased")
            #expect(after.subscriptions.isEmpty && after.consent.isEmpty && after.name == nil)
        }
    }

    /// Lines 1 header (CRLF), 2 good with a quoted comma, 3 bad address, 4 good with doubled quotes,
    /// 5 repeats line 2's address, 6 a value in no column, 7-8 one record whose quoted name spans a
    /// line break (refused: a name is one line), 9 a stray quote, 10 a suppressed address, 11 good
    /// without a final line break.
    static let mixedCSV = "email,name\r\n"
        + "ada@example.org,\"Lovelace, Ada\"\r\n"
        + "not-an-address,Nobody\r\n"
        + "\"grace@example.org\",\"Grace \"\"Amazing\"\" Hopper\"\r\n"
        + "ADA@example.org,Ada again\r\n"
        + "carl@example.org,Carl,extra\r\n"
        + "dora@example.org,\"Dora\r\nExplorer\"\r\n"
        + "ed\"die@example.org,Eddie\r\n"
        + "bob@example.org,Bob\r\n"
        + "fay@example.org,Fay"

    static let mixedRejections: [ImportJSON.Rejection] = [
        .init(line: 3, reason: "email: 'not-an-address' is not valid; expected an address with exactly one @"),
        .init(line: 5, reason: "email: 'ADA@example.org' is in the file twice; an earlier row has it"),
        .init(line: 6, reason: "a value in column 3, which the header does not name (unknown column)"),
        .init(line: 7, reason: "name: 'Dora\r\nExplorer' is not valid; expected one line of text without control characters"),
        .init(line: 9, reason: "a double quote inside an unquoted field (quote the whole field and double the quote: \"a \"\"b\"\"\")"),
        .init(line: 10, reason: "email: 'bob@example.org' is suppressed (an administrator suppressed it) and cannot be subscribed; an administrator can lift the suppression first"),
    ]

    @Test("a CSV with good and bad rows: every bad row reported by line and reason, the good rows kept", arguments: Engine.available)
    func importMixed(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try await cli.succeed(Self.createList)
            try await cli.succeed(["subscribers", "suppress", "bob@example.org", "--reason", "bounced elsewhere"])
            try Data(Self.mixedCSV.utf8).write(to: cli.directory.appendingPathComponent("people.csv"))

            let report = try await cli.json(ImportJSON.self, ["subscribers", "import", "ops", "people.csv", "--json"])
            #expect(report.rejections == Self.mixedRejections)
            #expect(report.accepted == 3)
            #expect(report.rejected == 6)
            #expect(report.outcomes == ["pending": 3])
            #expect(report.committed)

            let stored = try await cli.json([SubscriptionJSON].self, ["subscribers", "export", "ops", "--format", "json"])
            #expect(stored.map(\.email) == ["ada@example.org", "grace@example.org", "fay@example.org"])
            #expect(stored.map(\.name) == ["Lovelace, Ada", "Grace \"Amazing\" Hopper", "Fay"])
            #expect(stored.allSatisfy { $0.state == "pending" })
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_messages WHERE kind = 'confirmation'") == 3)

            // The same file again, for people: the rows already in are counted as such, line 2 is not a duplicate of itself.
            let text = try await cli.succeed(["subscribers", "import", "ops", "people.csv", "--confirmed", "--reason", "migrated"])
            let lines = text.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.filter { $0.hasPrefix("line ") }.count == 6, "\(lines)")
            #expect(lines.contains("line 3: email: 'not-an-address' is not valid; expected an address with exactly one @"), "\(lines)")
            #expect(lines.last == "Imported 3 rows (3 confirmed); rejected 6.", "\(lines)")
        }
    }

    @Test("--all-or-nothing rolls every row back when one is rejected, and keeps a clean file whole", arguments: Engine.available)
    func allOrNothing(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try await cli.succeed(Self.createList)
            try await cli.succeed(["subscribers", "suppress", "bob@example.org", "--reason", "bounced elsewhere"])
            try Data(Self.mixedCSV.utf8).write(to: cli.directory.appendingPathComponent("mixed.csv"))
            try Data("email\nada@example.org\n\"grace@example.org\"\n".utf8).write(to: cli.directory.appendingPathComponent("clean.csv"))

            let refused = try await cli.run(["subscribers", "import", "ops", "mixed.csv", "--all-or-nothing", "--json"])
            #expect(refused.termination == .failure, "\(refused.output)")
            let report = try JSONDecoder().decode(ImportJSON.self, from: Data(refused.standardOutput.utf8))
            #expect(report.rejections == Self.mixedRejections)
            #expect(report.accepted == 0)
            #expect(!report.committed)
            #expect(try await cli.count("SELECT COUNT(*) FROM subscriptions") == 0)
            #expect(try await cli.count("SELECT COUNT(*) FROM subscribers") == 0)
            #expect(try await cli.count("SELECT COUNT(*) FROM consent_records") == 0)
            #expect(try await cli.count("SELECT COUNT(*) FROM outbox_messages") == 0)

            let clean = try await cli.succeed(["subscribers", "import", "ops", "clean.csv", "--all-or-nothing"])
            #expect(clean.standardOutput == "Imported 2 rows (2 pending); rejected 0.\n", "\(clean.output)")
            #expect(try await cli.count("SELECT COUNT(*) FROM subscriptions") == 2)
        }
    }

    @Test("a file whose header is wrong is refused whole: exit 1, the file and line named, nothing imported", arguments: [
        ("email,phone\nada@example.org,123\n", "people.csv line 1: header row: unknown column 'phone'"),
        ("ada@example.org,Ada\n", "people.csv line 1: header row: no column 'email'"),
        ("", "people.csv: the file is empty"),
        ("email,Email\nada@example.org,x\n", "people.csv line 1: header row: column 'email' appears twice"),
    ])
    func badHeader(content: String, message: String) async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.succeed(Self.createList)
            try Data(content.utf8).write(to: cli.directory.appendingPathComponent("people.csv"))
            let result = try await cli.run(["subscribers", "import", "ops", "people.csv"])
            #expect(result.termination == .failure, "\(result.output)")
            #expect(result.standardError.hasPrefix("error: \(message)"), "\(result.standardError)")
            #expect(try await cli.count("SELECT COUNT(*) FROM subscribers") == 0)
        }
    }

    /// Peak resident memory (kB) of one `itsm` run, measured by a Python parent that only waits for it.
    static func peakMemory(_ cli: CLISession, _ arguments: [String]) async throws -> (kilobytes: Int, result: CommandResult) {
        let python = URL(fileURLWithPath: ProcessInfo.processInfo.environment["ITSM_TEST_SMTP_PYTHON"] ?? "/usr/bin/python3")
        let script = """
            import resource, subprocess, sys
            code = subprocess.run(sys.argv[1:]).returncode
            sys.stderr.write("peak-rss-kb=%d\\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            sys.exit(code)
            """
        let result = try await AppsTests.run(
            python, ["-c", script, cli.itsm.path] + arguments, in: cli.directory, environment: cli.environment, timeout: .seconds(600))
        let line = try #require(result.standardError.split(separator: "\n").last { $0.hasPrefix("peak-rss-kb=") }, "\(result.standardError.suffix(2000))")
        return (try #require(Int(line.dropFirst("peak-rss-kb=".count))), result)
    }

    /// `rows` rows of `user<i % distinct>@example.org` with a 180-character name: the first `distinct`
    /// rows go in, every later one repeats an address (streamed rejections, one savepoint each).
    static func writeCSV(rows: Int, distinct: Int, to url: URL) throws {
        let padding = String(repeating: "n", count: 180)
        FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var chunk = "email,name\r\n"
        for row in 0..<rows {
            chunk += "user\(row % distinct)@example.org,\"\(padding), \(row)\"\r\n"
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
    }

    @Test("importing 100,000 rows needs no more memory than importing 1,000 (the file is streamed, rejections are not kept)")
    func importMemoryIsFlat() async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.succeed(Self.createList)
            let small = cli.directory.appendingPathComponent("small.csv")
            let large = cli.directory.appendingPathComponent("large.csv")
            try Self.writeCSV(rows: 1_000, distinct: 100, to: small)
            try Self.writeCSV(rows: 100_000, distinct: 1_000, to: large)
            let largeBytes = try #require(try FileManager.default.attributesOfItem(atPath: large.path)[.size] as? Int)
            #expect(largeBytes > 19_000_000)

            let reason = ["--confirmed", "--reason", "memory test"]
            let (smallPeak, smallRun) = try await Self.peakMemory(cli, ["subscribers", "import", "ops", "small.csv"] + reason)
            #expect(smallRun.termination == .success, "\(smallRun.standardError.suffix(2000))")
            #expect(smallRun.standardOutput.hasSuffix("Imported 100 rows (100 confirmed); rejected 900.\n"))
            let (largePeak, largeRun) = try await Self.peakMemory(cli, ["subscribers", "import", "ops", "large.csv"] + reason)
            #expect(largeRun.termination == .success, "\(largeRun.standardError.suffix(2000))")
            // user0..99 are in from the small file; the other 900 are new.
            #expect(largeRun.standardOutput.hasSuffix("Imported 1000 rows (100 already-confirmed, 900 confirmed); rejected 99000.\n"),
                    "\(largeRun.standardOutput.suffix(300))")
            #expect(largeRun.standardOutput.contains("line 100001: email: 'user999@example.org' is in the file twice"))
            #expect(try await cli.count("SELECT COUNT(*) FROM subscriptions WHERE state = 'confirmed'") == 1_000)

            // Holding the file (19 MB), or a string per rejection (99,000), would show as tens of MB.
            #expect(largePeak - smallPeak < 8_000, "peak RSS: \(smallPeak) kB for 1,000 rows, \(largePeak) kB for 100,000")
        }
    }
}

/// The confirm token in a mail given as hex (quoted-printable soft breaks and `=3D` undone).
private func confirmToken(inMailHex hex: String) throws -> String {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex, let end = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
        bytes.append(try #require(UInt8(hex[index..<end], radix: 16)))
        index = end
    }
    let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=3D", with: "=")
    let marker = try #require(text.range(of: "/confirm?token="))
    let token = text[marker.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    try #require(token.count == 78)
    return String(token)
}

/// A long import beside another writer on SQLite, end to end. SQLite has one writer at a time and no
/// queue: a waiting process polls for the lock at most every 100 ms, and an import that begins its
/// next batch the moment it commits the last wins nearly every time. The import pauses after each
/// second of work (`WritePacer`, whose timing `WritePacerTests` checks on a test clock). How long a
/// single wait lasts depends on the machine's load (with the pauses at most about 1 s on a quiet
/// machine, 3.1 s once under a parallel build; without them 1.3-5.8 s), so this checks what holds
/// whatever the load: the other process gets the lock while the import runs, and the import loses
/// nothing to it.
@Suite("itsm subscribers import beside another writer", .timeLimit(.minutes(3)))
struct ImportPacingTests {
    @Test("on SQLite another process writing again and again during a 20,000-row import gets the lock while it runs, and every row is imported")
    func otherWriterGetsIn() async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.succeed(SubscribersCommandTests.createList)
            let file = cli.directory.appendingPathComponent("big.csv")
            try SubscribersCommandTests.writeCSV(rows: 20_000, distinct: 20_000, to: file)

            async let imported = cli.run(["subscribers", "import", "ops", "big.csv", "--confirmed", "--reason", "pacing test"], timeout: .seconds(170))
            // The other process writes until the import's last batch is in.
            let (writes, longestWait) = try await cli.database.writesWhileGrowing("subscriptions", to: 20_000)
            let result = try await imported
            #expect(result.termination == .success, "\(result.standardError.suffix(2000))")
            #expect(result.standardOutput.hasSuffix("Imported 20000 rows (20000 confirmed); rejected 0.\n"), "\(result.standardOutput.suffix(300))")
            #expect(try await cli.count("SELECT COUNT(*) FROM subscriptions WHERE state = 'confirmed'") == 20_000)
            #expect(writes >= 1, "the other process never got the lock during the import (longest wait \(longestWait) ms)")
        }
    }
}
