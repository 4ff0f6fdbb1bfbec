import Foundation
import ITSMTestSupport
import Testing

/// The daemon's subscription policy comes from the configuration, as the CLI's does: sign-ups on
/// the daemon's pages get links that live as long as configured and confirmation mails no more
/// often than configured.
///
/// Time moves by restarting the daemon with a larger ITSM_TESTING_CLOCK_OFFSET_SECONDS, never by
/// waiting; the margins (a minute either side of 30 minutes, an hour either side of 24 hours) are
/// far wider than the seconds of wall clock a restart takes.
@Suite("itsm-scheduler's link pages follow the configured confirm-link lifetime and resend interval, end to end", .serialized)
struct SchedulerSubscriptionPolicyTests {
    static let settings = ["ITSM_SUBSCRIPTIONS_CONFIRM_LINK_HOURS": "24", "ITSM_SUBSCRIPTIONS_RESEND_MINUTES": "30"]
    static let address = "ada@example.org"

    @Test("with a 24-hour link and a 30-minute resend interval: the link expires 24 h after the sign-up (confirms at 23 h, 'expired' at 25 h), and a second sign-up mails again only after 30 minutes", arguments: Engine.available)
    func configuredPolicy(engine: Engine) async throws {
        try await CLISession.with(engine) { cli in
            try await cli.succeed(["lists", "create", "ops", "--title", "Ops", "--sender", "itsm@example.org"])
            try await withSink { sink in
                func withDaemon(offset: Int, _ body: (DaemonHTTP) async throws -> Void) async throws {
                    try await Self.withDaemon(cli, sink: sink, offset: offset, settings: Self.settings, body)
                }
                func signUp(_ pages: DaemonHTTP) async throws {
                    let answer = try await pages.post("/lists/ops/subscribe", form: [("email", Self.address), ("name", "Ada")])
                    #expect(answer.status == 200 && answer.body.contains("Check your inbox"), "\(answer.status): \(answer.body)")
                }
                // The subscribe request enqueues its mail before it answers, so the count is final then.
                func confirmations() async throws -> Int {
                    try await cli.count("SELECT COUNT(*) FROM outbox_messages WHERE kind = 'confirmation'")
                }

                // Sign up, and again at once: one mail (both the default and the configured interval refuse the second).
                try await withDaemon(offset: 0) { pages in
                    try await signUp(pages)
                    try await signUp(pages)
                    #expect(try await confirmations() == 1)
                }
                // 11 minutes on: past the default 10, inside the configured 30, so still no second mail.
                try await withDaemon(offset: 11 * 60) { pages in
                    try await signUp(pages)
                    #expect(try await confirmations() == 1, "a second confirmation within the configured 30 minutes")
                }
                // 31 minutes on: a fresh confirmation goes out.
                let secondSignUp = 31 * 60
                try await withDaemon(offset: secondSignUp) { pages in
                    try await signUp(pages)
                    #expect(try await confirmations() == 2, "no second confirmation 31 minutes after the first")
                    try await cli.waitForDelivery(of: 2, at: sink)
                }

                // Each mailed link expires (bytes 10..<18 of the token, whole seconds) 24 h after the
                // daemon's clock at its sign-up, which the outbox records as the message's creation.
                let created = try await cli.database.execute(
                    "SELECT created_at_us FROM outbox_messages WHERE kind = 'confirmation' ORDER BY created_at_us")
                    .split(separator: "\n").map { try #require(Int64($0), "not a time: \($0)") / 1_000_000 }
                let tokens = try Self.confirmTokens(in: try sink.messages())
                try #require(created.count == tokens.count && !tokens.isEmpty, "\(created), \(tokens)")
                // Sorted: mail left over when a daemon stopped goes out with the next one's.
                let expiries = try tokens.map { try #require(linkTokenExpiry($0), "not a link token: \($0)") }
                #expect(expiries.sorted() == created.map { $0 + 24 * 3600 }, "72 h would be \(created.map { $0 + 72 * 3600 })")
                // The newest link, mailed at the sign-up 31 minutes on.
                let link = tokens[try #require(expiries.indices.max { expiries[$0] < expiries[$1] })]

                // Opened 25 h after the second sign-up the link has expired (a 72-hour one would still work) ...
                try await withDaemon(offset: secondSignUp + 25 * 3600) { pages in
                    let page = try await pages.get("/confirm?token=\(link)")
                    #expect(page.status == 400 && page.body.contains("This confirmation link has expired"), "\(page.status): \(page.body)")
                }
                // ... while 23 h after it the link confirms.
                try await withDaemon(offset: secondSignUp + 23 * 3600) { pages in
                    let page = try await pages.get("/confirm?token=\(link)")
                    #expect(page.status == 200 && page.body.contains("Confirm subscription"), "\(page.status): \(page.body)")
                    let confirmed = try await pages.post("/confirm", form: [("token", link)])
                    #expect(confirmed.status == 200 && confirmed.body.contains("subscribed to \"Ops\""), "\(confirmed.status): \(confirmed.body)")
                }
                #expect(try await cli.database.execute("SELECT state FROM subscriptions") == "confirmed")
            }
        }
    }

    /// The CLI and the daemon read the same settings in a normal set-up; this one gives the CLI a
    /// shorter lifetime, as when an operator changes it while links are out. Before links carried
    /// their issue time, the daemon took this link for one made before the sign-up and refused it.
    @Test("a link the CLI mailed under a 24-hour lifetime confirms an hour later on a daemon left at the default 72 hours", arguments: Engine.available)
    func linkMailedUnderAnotherLifetime(engine: Engine) async throws {
        try await CLISession.with(engine) { session in
            var cli = session
            cli.environment["ITSM_SUBSCRIPTIONS_CONFIRM_LINK_HOURS"] = "24"
            try await cli.succeed(["lists", "create", "ops", "--title", "Ops", "--sender", "itsm@example.org"])
            try await cli.succeed(["subscribers", "add", "ops", Self.address])
            try await withSink { sink in
                try await Self.withDaemon(session, sink: sink, offset: 3600) { pages in
                    try await session.waitForDelivery(of: 1, at: sink)
                    let link = try #require(try Self.confirmTokens(in: try sink.messages()).first)
                    let page = try await pages.get("/confirm?token=\(link)")
                    #expect(page.status == 200 && page.body.contains("Confirm subscription"), "\(page.status): \(page.body)")
                    let confirmed = try await pages.post("/confirm", form: [("token", link)])
                    #expect(confirmed.status == 200 && confirmed.body.contains("subscribed to \"Ops\""), "\(confirmed.status): \(confirmed.body)")
                }
            }
            #expect(try await session.database.execute("SELECT state FROM subscriptions") == "confirmed")
        }
    }

    /// Runs `body` with the pages of a daemon whose clock is `offset` seconds ahead, once they listen;
    /// then stops the daemon, which must exit 0.
    static func withDaemon(
        _ cli: CLISession, sink: SMTPSink, offset: Int, settings: [String: String] = [:], _ body: (DaemonHTTP) async throws -> Void
    ) async throws {
        let pages = try DaemonHTTP()
        let daemon = try cli.startScheduler(sink: sink, clockOffset: offset, settings.merging(["ITSM_HTTP_BIND": pages.bind]) { $1 })
        do {
            try await daemon.waitForStandardError(containing: pages.listening)
            try await body(pages)
        } catch {
            daemon.send(SIGTERM)
            _ = try? await daemon.waitForExit()
            throw error
        }
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == .success, "\(daemon.standardError)")
    }

    /// The confirm tokens in `messages`, each from a confirmation to `address`.
    static func confirmTokens(in messages: [SMTPSink.Message]) throws -> [String] {
        try messages.map { message in
            #expect(message.envelope.rcptTos == [address])
            let text = try #require(try PythonMailParser.parse(message.data).text(of: "text/plain"), "no text part")
            let start = try #require(text.range(of: "/confirm?token="), "no confirm link: \(text)")
            return String(text[start.upperBound...].prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        }
    }
}
