import Domain
import Foundation
import ITSMTestSupport
import Notifications
import Storage
import Testing

/// Attacks on the link pages over a real TCP connection to the live application: bad tokens,
/// injected text, oversized bodies and probing who is subscribed. Each one must leave the
/// database as it was. (Single-byte changes to a token and foreign Origins are in
/// SubscriptionPagesTests; the token format itself is in NotificationsTests/LinkTokenTests.)
@Suite("Subscription pages: attacks over TCP", .timeLimit(.minutes(3)))
struct PageSecurityTests {
    static let web = ConsentMethod.web(ipAddress: "192.0.2.7", userAgent: "Mozilla/5.0")

    // MARK: Tokens

    @Test("a confirm token cut short is a 'Link not valid' page on GET and POST; the subscription stays pending")
    func truncatedConfirmToken() async throws {
        try await withLivePages(.sqlite) { pages in
            _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let token = try linkToken(in: try await confirmLinkInOutbox(pages))
            // One character short, half, and one character.
            for cut in [String(token.dropLast()), String(token.prefix(33)), String(token.prefix(1))] {
                let page = try await pages.get("/confirm?token=\(cut)")
                #expect(page.status == 400, "GET with \(cut)")
                #expect(page.text.contains("<title>Link not valid</title>"))
                #expect(!page.text.contains("<button"))
                let post = try await pages.post("/confirm", form: [("token", cut)])
                #expect(post.status == 400, "POST with \(cut)")
                #expect(post.text.contains("Nothing was changed: this link is not valid"))
            }
            #expect(try await pages.subscription("ada@example.org").state == .pending)
            #expect(try await pages.consent("ada@example.org").map(\.action) == [.subscribed])
        }
    }

    @Test("an unsubscribe token cut short is refused by the page, its POST and one-click; the subscription stays confirmed")
    func truncatedUnsubscribeToken() async throws {
        try await withLivePages(.sqlite) { pages in
            let id = try await confirmedSubscription(pages, "ada@example.org")
            let token = try linkToken(in: pages.service.unsubscribeLink(subscriptionID: id).absoluteString)
            for cut in [String(token.dropLast()), String(token.prefix(33))] {
                let page = try await pages.get("/unsubscribe?token=\(cut)")
                #expect(page.status == 400)
                #expect(page.text.contains("<title>Link not valid</title>"))
                let post = try await pages.post("/unsubscribe", form: [("token", cut)])
                #expect(post.status == 400)
                #expect(post.text.contains("Nothing was changed"))
                let oneClick = try await pages.post("/unsubscribe?token=\(cut)", body: "List-Unsubscribe=One-Click")
                #expect(oneClick.status == 400)
                #expect(oneClick.header("Content-Type") == "text/plain; charset=utf-8")
                #expect(oneClick.text == "this link is not valid; use the newest link you were sent, or subscribe again\n")
            }
            #expect(try await pages.subscription("ada@example.org").state == .confirmed)
            #expect(try await pages.consent("ada@example.org").map(\.action) == [.subscribed, .confirmed])
        }
    }

    @Test("an unsubscribe token posted to /confirm does not confirm, and a confirm token posted to /unsubscribe does not unsubscribe")
    func wrongActionTokens() async throws {
        try await withLivePages(.sqlite) { pages in
            _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let confirmToken = try linkToken(in: try await confirmLinkInOutbox(pages))
            let id = try #require(try await pages.subscription("ada@example.org").id)
            let unsubscribeToken = try linkToken(in: pages.service.unsubscribeLink(subscriptionID: id).absoluteString)

            let confirmPage = try await pages.get("/confirm?token=\(unsubscribeToken)")
            #expect(confirmPage.status == 400)
            #expect(!confirmPage.text.contains("<button"))
            let confirmPost = try await pages.post("/confirm", form: [("token", unsubscribeToken)])
            #expect(confirmPost.status == 400)
            #expect(confirmPost.text.contains("Nothing was changed: this link is not valid"))
            #expect(try await pages.subscription("ada@example.org").state == .pending)

            let unsubscribePage = try await pages.get("/unsubscribe?token=\(confirmToken)")
            #expect(unsubscribePage.status == 400)
            #expect(!unsubscribePage.text.contains("<button"))
            let unsubscribePost = try await pages.post("/unsubscribe", form: [("token", confirmToken)])
            #expect(unsubscribePost.status == 400)
            let oneClick = try await pages.post("/unsubscribe?token=\(confirmToken)", body: "List-Unsubscribe=One-Click")
            #expect(oneClick.status == 400)
            #expect(try await pages.subscription("ada@example.org").state == .pending)
            #expect(try await pages.consent("ada@example.org").map(\.action) == [.subscribed])

            // Each token still does its own job.
            #expect(try await pages.post("/confirm", form: [("token", confirmToken)]).status == 200)
            #expect(try await pages.subscription("ada@example.org").state == .confirmed)
        }
    }

    @Test("a replayed confirm POST says already confirmed and writes no second consent record")
    func replayedConfirm() async throws {
        try await withLivePages(.sqlite) { pages in
            _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let token = try linkToken(in: try await confirmLinkInOutbox(pages))
            pages.clock.advance(by: .minutes(5))
            let first = try await pages.post("/confirm", form: [("token", token)])
            #expect(first.status == 200)
            #expect(first.text.contains("<p>You're subscribed to \"Ops weekly\"."))

            pages.clock.advance(by: .hours(1))
            for _ in 1...2 {
                let replay = try await pages.post("/confirm", form: [("token", token)])
                #expect(replay.status == 200)
                #expect(replay.text.contains("<p>Your subscription to \"Ops weekly\" was already confirmed; nothing more is needed.</p>"))
            }
            let records = try await pages.consent("ada@example.org")
            #expect(records.map(\.action) == [.subscribed, .confirmed])
            #expect(records.map(\.at) == [start, start + .minutes(5)])
            #expect(try await pages.subscription("ada@example.org").state == .confirmed)
        }
    }

    @Test("a confirm link works until 1 s before its 72 h are up; from then on GET and POST say it expired and change nothing")
    func expiredConfirmLink() async throws {
        try await withLivePages(.sqlite) { pages in
            _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let link = try await confirmLinkInOutbox(pages)
            let token = try linkToken(in: link)

            // Mailed at 2026-03-02T09:00:00Z, so it expires at 2026-03-05T09:00:00Z.
            pages.clock.advance(by: .hours(72) - .seconds(1))
            let lastSecond = try await pages.get(try pages.target(of: link))
            #expect(lastSecond.status == 200)
            #expect(lastSecond.text.contains("<button type=\"submit\">Confirm subscription</button>"))

            pages.clock.advance(by: .seconds(1))
            let page = try await pages.get(try pages.target(of: link))
            #expect(page.status == 400)
            #expect(page.text.contains("<title>Link expired</title>"))
            #expect(page.text.contains("Subscribe again to get a fresh one."))
            #expect(!page.text.contains("<button"))
            // The form was loaded in time, the button pressed too late.
            let post = try await pages.post("/confirm", form: [("token", token)])
            #expect(post.status == 400)
            #expect(post.text.contains("<title>Link expired</title>"))
            #expect(try await pages.subscription("ada@example.org").state == .pending)
            #expect(try await pages.consent("ada@example.org").map(\.action) == [.subscribed])

            // Subscribing again mails a fresh link, which works.
            let again = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org")])
            #expect(again.status == 200)
            #expect(try await pages.store.outbox.list().count == 2)
            let fresh = try linkToken(in: try await confirmLinkInOutbox(pages))
            #expect(fresh != token)
            #expect(try await pages.post("/confirm", form: [("token", fresh)]).status == 200)
            #expect(try await pages.subscription("ada@example.org").state == .confirmed)
        }
    }

    // MARK: Injected text

    @Test("CR/LF in the name or address is refused with a page naming the field, echoed escaped, and nothing is written")
    func lineBreaksRefused() async throws {
        try await withLivePages(.sqlite) { pages in
            let name = "Ada\r\nBcc: eve@example.net <script>alert(1)</script>"
            let named = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org"), ("name", name)])
            #expect(named.status == 400)
            #expect(named.text.contains("<p class=\"error\" role=\"alert\">name: &#39;Ada\r\nBcc: eve@example.net &lt;script&gt;alert(1)&lt;/script&gt;&#39; is not valid; expected one line of text without control characters</p>"))
            #expect(named.text.contains("value=\"Ada\r\nBcc: eve@example.net &lt;script&gt;alert(1)&lt;/script&gt;\""))
            #expect(!named.text.contains("<script>"))

            let address = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org\r\nBcc: eve@example.net")])
            #expect(address.status == 400)
            #expect(address.text.contains("role=\"alert\""))
            #expect(address.text.contains("value=\"ada@example.org\r\nBcc: eve@example.net\""))

            #expect(try await pages.store.outbox.list().isEmpty)
            #expect(try await pages.consent("ada@example.org").isEmpty)
            #expect(try await pages.store.subscriptions.existingSubscriber(try EmailAddress(parsing: "ada@example.org")) == nil)
        }
    }

    @Test("HTML in a name is kept as text: no page shows it, and the confirmation's To: carries it verbatim")
    func htmlNameIsText() async throws {
        try await withLivePages(.sqlite) { pages in
            let name = "<img src=x onerror=alert(1)> & \"Ada\""
            let response = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org"), ("name", name)])
            #expect(response.status == 200)
            #expect(!response.text.contains("<img"))
            #expect(!response.text.contains("onerror"))
            let message = try #require(try await pages.store.outbox.list().first)
            let mail = try PythonMailParser.parse(message.data)
            #expect(mail.addresses("To") == [.init(displayName: name, address: "ada@example.org")])
            #expect(try #require(mail.text(of: "text/html")).contains("<img") == false)
        }
    }

    @Test("HTML in the list title is escaped on every page that names the list")
    func listTitleEscaped() async throws {
        let title = "Ops <img src=x onerror=alert(1)> & \"co\""
        let escaped = "Ops &lt;img src=x onerror=alert(1)&gt; &amp; &quot;co&quot;"
        try await withLivePages(.sqlite, listTitle: title) { pages in
            var bodies: [String: String] = [:]
            bodies["form"] = try await pages.get("/lists/ops-weekly").text
            bodies["refused form"] = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "not-an-address")]).text
            bodies["check your inbox"] = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org")]).text
            let token = try linkToken(in: try await confirmLinkInOutbox(pages))
            bodies["confirm"] = try await pages.get("/confirm?token=\(token)").text
            bodies["confirmed"] = try await pages.post("/confirm", form: [("token", token)]).text
            bodies["already confirmed"] = try await pages.get("/confirm?token=\(token)").text
            let id = try #require(try await pages.subscription("ada@example.org").id)
            let unsubscribeToken = try linkToken(in: pages.service.unsubscribeLink(subscriptionID: id).absoluteString)
            bodies["unsubscribe"] = try await pages.get("/unsubscribe?token=\(unsubscribeToken)").text
            bodies["unsubscribed"] = try await pages.post("/unsubscribe", form: [("token", unsubscribeToken)]).text
            bodies["already unsubscribed"] = try await pages.post("/unsubscribe", form: [("token", unsubscribeToken)]).text
            for (page, body) in bodies.sorted(by: { $0.key < $1.key }) {
                #expect(body.contains(escaped), "\(page)")
                #expect(!body.contains("<img"), "\(page)")
            }
        }
    }

    // MARK: Size

    @Test("a declared 10 MB body is answered 413 before any of it is sent; nothing is written", arguments: ["/lists/ops-weekly/subscribe", "/confirm", "/unsubscribe"])
    func declaredTenMegabytes(path: String) async throws {
        try await withLivePages(.sqlite) { pages in
            let head = pages.head("POST", path, [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", String(10 * 1024 * 1024))])
            // Only the head: a server that buffered the body first would never answer.
            let response = try await LoopbackHTTP.exchange(port: pages.port, head: head)
            #expect(response.status == 413)
            #expect(response.text.contains("<title>Request too large</title>"))
            #expect(response.text.contains("larger than 16384 bytes"))
            #expect(try await pages.get("/healthz").text == "ok\n")
            #expect(try await pages.store.outbox.list().isEmpty)
        }
    }

    @Test("a 10 MB body streamed in chunks is answered 413 after its first 32 KB, without waiting for the rest; nothing is written")
    func streamedTenMegabytes() async throws {
        try await withLivePages(.sqlite) { pages in
            let head = pages.head("POST", "/lists/ops-weekly/subscribe", [("Content-Type", "application/x-www-form-urlencoded"), ("Transfer-Encoding", "chunked")])
            // Valid form data at the start: a server that read only a prefix would subscribe Ada.
            let prefix = Array("email=ada%40example.org&name=".utf8)
            let first = prefix + [UInt8](repeating: UInt8(ascii: "x"), count: 32 * 1024 - prefix.count)
            let chunk = Array((String(first.count, radix: 16) + "\r\n").utf8) + first + Array("\r\n".utf8)
            let response = try await LoopbackHTTP.exchange(port: pages.port, head: head, body: chunk)
            #expect(response.status == 413)
            #expect(response.text.contains("<title>Request too large</title>"))
            #expect(try await pages.get("/healthz").text == "ok\n")
            #expect(try await pages.store.outbox.list().isEmpty)
            #expect(try await pages.consent("ada@example.org").isEmpty)
            #expect(try await pages.store.subscriptions.existingSubscriber(try EmailAddress(parsing: "ada@example.org")) == nil)
        }
    }

    // MARK: Enumeration

    /// Local parts of one length, so an answer that echoes the address (a refused name) differs
    /// between states only if the state shows: each address is masked with one of the same length.
    static let probes = [
        "new": "new-one@example.org", "pending": "pending@example.org", "confirmed": "confirm@example.org",
        "unsubscribed": "leaving@example.org", "suppressed": "blocked@example.org", "erased": "erasure@example.org",
    ]

    @Test("new, pending, confirmed, unsubscribed, suppressed and erased addresses get byte-identical answers (but for Date), good name or bad, and only the new one is mailed",
          arguments: StoreEngine.available)
    func sameBytesWhateverTheState(engine: StoreEngine) async throws {
        try await withLivePages(engine) { pages in
            let probe = { (state: String) in Self.probes[state] ?? "" }
            _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: probe("pending"), method: Self.web)
            _ = try await confirmedSubscription(pages, probe("confirmed"))
            let leaving = try await confirmedSubscription(pages, probe("unsubscribed"))
            _ = try await pages.service.unsubscribe(
                token: try linkToken(in: pages.service.unsubscribeLink(subscriptionID: leaving).absoluteString), method: Self.web)
            _ = try await pages.store.suppressions.suppress(
                try EmailAddress(parsing: probe("suppressed")), source: .admin, reason: "asked by phone", by: .cli(operator: "root", reason: nil), at: start)
            _ = try await confirmedSubscription(pages, probe("erased"))
            try await pages.store.consent.erase(try EmailAddress(parsing: probe("erased")), at: start)
            let queued = try await pages.store.outbox.list().count
            // pending's, confirmed's and leaving's confirmations; erasure's went with the erasure.
            #expect(queued == 3)

            let browser = [("Origin", pages.origin), ("User-Agent", "Mozilla/5.0 (probe)")]
            // A good (empty) name, a bell character, and 300 characters (at most 200 are allowed).
            for name in ["", "Eve\u{07}", String(repeating: "n", count: 300)] {
                var answers: [String: WireResponse] = [:]
                for (state, address) in Self.probes {
                    answers[state] = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", address), ("name", name)], headers: browser)
                }
                let reference = try #require(answers["new"])
                #expect(reference.header("Date") != nil)
                if name.isEmpty {
                    #expect(reference.status == 200)
                    #expect(reference.text.contains("<title>Check your inbox</title>"))
                } else {
                    #expect(reference.status == 400)
                    #expect(reference.text.contains("<p class=\"error\" role=\"alert\">name: "))
                }
                let masked = { (state: String) -> [UInt8] in
                    let text = String(decoding: answers[state]?.bytesWithoutDate ?? [], as: UTF8.self)
                    return Array(text.replacingOccurrences(of: probe(state), with: "address@example.org").utf8)
                }
                for state in Self.probes.keys.sorted() {
                    #expect(answers[state]?.status == reference.status, "\(state), name \(name.debugDescription)")
                    #expect(masked(state) == masked("new"), "\(state), name \(name.debugDescription): \(answers[state]?.text ?? "")")
                }
            }

            // Only the new address is mailed (once, with the good name): pending and leaving (pending
            // again) had a confirmation in the last ten minutes, confirmed needs none, and blocked and
            // erasure are never mailed.
            let recipients = try await pages.store.outbox.list().dropFirst(queued).flatMap(\.recipients)
            #expect(recipients == [probe("new")])
            for state in ["suppressed", "erased"] {
                #expect(try await pages.store.subscriptions.existingSubscriber(try EmailAddress(parsing: probe(state))) == nil)
            }
        }
    }

    /// Subscribes `address` and confirms it through the service; the subscription's id.
    private func confirmedSubscription(_ pages: LivePages, _ address: String) async throws -> Int64 {
        _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: address, method: Self.web)
        _ = try await pages.service.confirm(token: try linkToken(in: try await confirmLinkInOutbox(pages)), method: Self.web)
        #expect(try await pages.subscription(address).state == .confirmed)
        return try #require(try await pages.subscription(address).id)
    }
}
