import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ITSMTestSupport
import Testing

/// What an operator sees of a running `itsm-scheduler`: its `/metrics` page and its log, with the
/// real binary, a real SMTP server on loopback and a schedule brought due by shifting its clock.
@Suite("itsm-scheduler's metrics and log, end to end", .serialized)
struct SchedulerObservabilityTests {
    static let runDone = "digest enqueued for every confirmed subscriber"

    @Test("after a digest run /metrics counts the digest built, the mail enqueued, sent, failed and retried, the outbox waiting, SMTP timings and HTTP requests by route and status")
    func metrics() async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.createDueList("ops-metrics")
            // Four confirmed: two delivered, one refused for good (550), one refused for now (451).
            for address in ["ada@example.org", "grace@example.org", "bounce@example.org", "later@example.org"] {
                try await cli.succeed(["subscribers", "add", "ops-metrics", address, "--confirmed", "--reason", "metrics test"])
            }
            // One pending: its confirmation mail goes out through the same daemon.
            try await cli.succeed(["subscribers", "add", "ops-metrics", "linus@example.org"])
            let schedule = DueSchedule()
            let http = try DaemonHTTP()
            // Every accepted message waits this long for the reply to its DATA.
            let delay = 0.3
            let sinkOptions = SMTPSink.Options(
                refuse: ["bounce@example.org"], tempfail: ["later@example.org": 1], delay: .milliseconds(Int64(delay * 1000)))

            try await withSink(sinkOptions) { sink in
                let daemon = try cli.startScheduler(sink: sink, clockOffset: schedule.offsetSeconds, ["ITSM_HTTP_BIND": http.bind])
                try await daemon.waitForStandardError(containing: Self.runDone)
                // 3 sent (2 digests, 1 confirmation), 1 failed, 1 back in the queue for 30 to 60 s (backoff with jitter).
                try await waitUntil("3 sent, 1 failed, 1 queued in the outbox") {
                    let counts = try await cli.outboxStatus().counts
                    return counts["sent"] == 3 && counts["failed"] == 1 && counts["queued"] == 1 && counts["sending"] == 0
                }

                #expect(try await http.get("/healthz").status == 200)
                #expect(try await http.get("/lists/ops-metrics").status == 200)
                #expect(try await http.get("/lists/no-such-list").status == 404)

                // The outbox gauges follow the schedule loop's passes (one a second here).
                var scrapes = 0
                var scrape = PrometheusScrape("")
                try await waitUntil("the outbox depth gauge at 1 (\(scrape["itsm_outbox_depth"] ?? -1))") {
                    scrape = try await http.metrics()
                    scrapes += 1
                    return scrape["itsm_outbox_depth"] == 1
                }
                // A scrape is counted once its response is written: wait until every earlier one is.
                let earlierScrapes = Double(scrapes)
                try await waitUntil("\(earlierScrapes) earlier scrapes counted") {
                    scrape = try await http.metrics()
                    return scrape[Self.requests("/metrics", 200)] == earlierScrapes
                }
                daemon.send(SIGTERM)
                #expect(try await daemon.waitForExit() == .success, "\(daemon.standardError)")

                // One run, built once, sent to the four confirmed subscribers.
                #expect(scrape["itsm_digests_built_total"] == 1, "\(scrape.text)")
                #expect(scrape["itsm_digest_runs_total{state=\"sent\"}"] == 1)
                #expect(scrape["itsm_digest_messages_enqueued_total"] == 4)
                // ada, grace and linus's confirmation delivered; bounce refused; later to be retried.
                #expect(scrape["itsm_outbox_sent_total"] == 3)
                #expect(scrape["itsm_outbox_failed_total"] == 1)
                #expect(scrape["itsm_outbox_retried_total"] == 1)
                // later's digest waits: enqueued at most as long ago as the daemon's clock says now.
                #expect(scrape["itsm_outbox_depth"] == 1)
                let enqueuedUs = try await cli.count("SELECT created_at_us FROM outbox_messages WHERE status = 'queued'")
                let daemonNow = Date().timeIntervalSince1970 + Double(schedule.offsetSeconds)
                let age = try #require(scrape["itsm_outbox_oldest_age_seconds"])
                #expect(age >= 0 && age <= daemonNow - Double(enqueuedUs) / 1_000_000, "\(age)")
                // Five SMTP transactions: three waited `delay` for their DATA reply, so at most the two
                // refused at RCPT fit in the 0.25 s bucket.
                #expect(scrape["itsm_smtp_transaction_seconds_count"] == 5)
                #expect(scrape["itsm_smtp_transaction_seconds_bucket{le=\"+Inf\"}"] == 5)
                #expect(scrape["itsm_smtp_transaction_seconds_bucket{le=\"10.0\"}"] == 5)
                #expect((scrape["itsm_smtp_transaction_seconds_bucket{le=\"0.25\"}"] ?? 99) <= 2)
                #expect((scrape["itsm_smtp_transaction_seconds_sum"] ?? 0) >= 3 * delay)
                // HTTP requests by route and status.
                #expect(scrape[Self.requests("/healthz", 200)] == 1)
                #expect(scrape[Self.requests("/lists/{slug}", 200)] == 1)
                #expect(scrape[Self.requests("/lists/{slug}", 404)] == 1)
            }
        }
    }

    /// Hummingbird's request counter for a GET of `route` answered with `status`.
    static func requests(_ route: String, _ status: Int) -> String {
        "hb_requests{http_route=\"\(route)\",http_request_method=\"GET\",http_response_status_code=\"\(status)\"}"
    }

    @Test("at the default level the log names lists, periods, runs and messages, and never an address, a link token, the secret key or the SMTP password")
    func logPrivacy() async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.createDueList("ops-private")
            // Confirmed by the operator; its digest is refused for now, so its retry is logged.
            try await cli.succeed(["subscribers", "add", "ops-private", "hedy@example.org", "--confirmed", "--reason", "log test"])
            let (confirming, pending) = (["ada@example.org", "grace@example.org"], "linus@example.org")
            let addresses = confirming + [pending, "hedy@example.org"]
            let schedule = DueSchedule()
            let (user, password) = ("itsm-mailer", "smtp-password-never-logged-4711")
            let secretKey = try #require(cli.environment["ITSM_SECRET_KEY"])

            // Credentials go only over an encrypted connection: the sink offers STARTTLS with a test CA.
            let tls = try await TLSFiles.shared()
            try await withSink(.init(tempfail: ["hedy@example.org": 1], tls: tls, requireTLS: true, auth: (user, password))) { sink in
                let smtp = ["ITSM_SMTP_USERNAME": user, "ITSM_SMTP_PASSWORD": password, "ITSM_SMTP_CA_FILE": tls.certificate]
                // An hour before the run: three people subscribe on the link pages, two confirm.
                let pages = try DaemonHTTP()
                let before = try cli.startScheduler(
                    sink: sink, clockOffset: schedule.offsetSeconds - 3_600, smtp.merging(["ITSM_HTTP_BIND": pages.bind]) { $1 })
                try await before.waitForStandardError(containing: pages.listening)
                for address in addresses.dropLast() {
                    let answer = try await pages.post("/lists/ops-private/subscribe", form: [("email", address), ("name", "Someone")])
                    #expect(answer.status == 200, "\(answer.body)")
                }
                try await waitUntil("three confirmation mails; the daemon's log:\n\(before.standardError)") { sink.acceptedCount() >= 3 }
                let confirmTokens = try Self.linkTokens(in: try sink.messages())
                #expect(confirmTokens.count == 3, "\(confirmTokens)")
                for address in confirming {
                    let token = try #require(confirmTokens[address], "no confirm link to \(address)")
                    let answer = try await pages.post("/confirm", form: [("token", token)])
                    #expect(answer.status == 200, "\(answer.body)")
                }
                before.send(SIGTERM)
                #expect(try await before.waitForExit() == .success, "\(before.standardError)")

                // At the run: ada and grace get their digests, hedy's waits for a retry.
                let at = try cli.startScheduler(sink: sink, clockOffset: schedule.offsetSeconds, smtp.merging(["ITSM_HTTP_BIND": try DaemonHTTP().bind]) { $1 })
                try await at.waitForStandardError(containing: "message will be retried")
                try await waitUntil("two digests after the confirmations; the daemon's log:\n\(at.standardError)") { sink.acceptedCount() >= 5 }
                try await waitUntil("2 digests recorded sent") {
                    try await cli.count("SELECT COUNT(*) FROM outbox_messages WHERE kind = 'digest' AND status = 'sent'") == 2
                }
                at.send(SIGTERM)
                #expect(try await at.waitForExit() == .success, "\(at.standardError)")

                let received = try sink.messages()
                #expect(received.allSatisfy { $0.envelope.authenticatedAs == user && $0.envelope.tls }, "the daemon did not log in over TLS")
                let tokens = Set(confirmTokens.values).union(try Self.linkTokens(in: received.filter { ReceivedMail.messageID(in: $0.data)?.hasPrefix("digest.") == true }).values)
                #expect(tokens.count == 5, "3 confirm and 2 unsubscribe tokens: \(tokens)")
                let log = before.standardError + at.standardError
                for address in addresses {
                    #expect(!log.lowercased().contains(address), "\(address) in the log")
                }
                for token in tokens {
                    #expect(!log.contains(token), "a link token in the log")
                }
                #expect(!log.contains(secretKey), "the secret key in the log")
                #expect(!log.contains(password), "the SMTP password in the log")

                let run = try await cli.onlyDigestRun()
                let retried = try await cli.database.execute("SELECT message_id FROM outbox_messages WHERE status = 'queued'")
                #expect(retried.hasPrefix("digest.\(run.id)."), "\(retried)")
                for field in ["list=ops-private", "period=\(run.firstDay)..\(run.lastDay)", "run=\(run.id)", "message_id=\(retried)"] {
                    #expect(log.contains(field), "no \(field) in the log:\n\(log)")
                }
            }
        }
    }

    @Test("at debug every delivered message is logged with its Message-ID, never its recipient")
    func sentAtDebug() async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.createDueList("ops-debug")
            let addresses = ["ada@example.org", "grace@example.org"]
            for address in addresses {
                try await cli.succeed(["subscribers", "add", "ops-debug", address, "--confirmed", "--reason", "debug log test"])
            }
            let schedule = DueSchedule()
            try await withSink { sink in
                let daemon = try cli.startScheduler(sink: sink, clockOffset: schedule.offsetSeconds, arguments: ["--log-level", "debug"])
                try await daemon.waitForStandardError(containing: Self.runDone)
                try await cli.waitForDelivery(of: 2, at: sink)
                daemon.send(SIGTERM)
                #expect(try await daemon.waitForExit() == .success, "\(daemon.standardError)")

                let sentLines = daemon.standardError.split(separator: "\n").filter { $0.contains("message sent") }
                let delivered = Set(try ReceivedMail(sink).messageIDs.values.flatMap { $0 })
                #expect(delivered.count == 2)
                #expect(sentLines.count == 2, "\(sentLines)")
                for id in delivered {
                    #expect(sentLines.contains { $0.contains("message_id=\(id)") && $0.contains("kind=digest") }, "\(id): \(sentLines)")
                }
                for address in addresses {
                    #expect(!daemon.standardError.lowercased().contains(address), "\(address) in the debug log")
                }
            }
        }
    }

    /// The link token in each message's plain text, by recipient (a confirmation's confirm link, a
    /// digest's unsubscribe link).
    static func linkTokens(in messages: [SMTPSink.Message]) throws -> [String: String] {
        var tokens: [String: String] = [:]
        for message in messages {
            let recipient = try #require(message.envelope.rcptTos.first).lowercased()
            let text = try #require(try PythonMailParser.parse(message.data).text(of: "text/plain"), "no text part to \(recipient)")
            guard let start = text.range(of: "token=") else { continue }
            let token = text[start.upperBound...].prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
            tokens[recipient] = String(token)
        }
        return tokens
    }
}

/// The daemon's HTTP listener on a free loopback port, as a client sees it.
struct DaemonHTTP {
    let port: Int
    /// The value for ITSM_HTTP_BIND.
    var bind: String { "127.0.0.1:\(port)" }
    /// What the daemon logs once its listener takes connections (after "itsm-scheduler started").
    var listening: String { "Server started and listening on \(bind)" }

    init() throws {
        port = try #require(freeLoopbackPort(), "no free loopback port")
    }

    func get(_ path: String) async throws -> (status: Int, body: String) {
        try await send(URLRequest(url: try url(path)))
    }

    /// A form POST, as the link pages' forms send it.
    func post(_ path: String, form: [(String, String)]) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: try url(path))
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        request.httpBody = Data(form.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&").utf8)
        return try await send(request)
    }

    func metrics() async throws -> PrometheusScrape {
        let (status, body) = try await get("/metrics")
        try #require(status == 200, "/metrics answered \(status): \(body)")
        return PrometheusScrape(body)
    }

    private func url(_ path: String) throws -> URL {
        try #require(URL(string: "http://\(bind)\(path)"))
    }

    private func send(_ request: URLRequest) async throws -> (status: Int, body: String) {
        let (body, response) = try await URLSession.shared.data(for: request)
        let status = try #require(response as? HTTPURLResponse).statusCode
        return (status, String(decoding: body, as: UTF8.self))
    }
}

/// A Prometheus text exposition: each series (its name and labels as written) and its value.
struct PrometheusScrape {
    let text: String
    private let values: [String: Double]

    init(_ text: String) {
        self.text = text
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        self.values = values
    }

    /// The value of `series`, e.g. `itsm_outbox_depth` or `itsm_digest_runs_total{state="sent"}`.
    subscript(series: String) -> Double? { values[series] }
}
