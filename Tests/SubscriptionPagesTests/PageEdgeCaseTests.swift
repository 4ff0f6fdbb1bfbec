import Domain
import Foundation
import ITSMTestSupport
import Notifications
import Storage
import Testing

/// The link pages over TCP at their edges: used links after expiry, a configured link lifetime and
/// resend interval, an unknown list, multipart one-click, `Origin: null`, and a hard bounce of the
/// confirmation. On both engines; the clock is moved by hand.
@Suite("Subscription pages: edge cases over TCP", .serialized, .timeLimit(.minutes(3)))
struct PageEdgeCaseTests {
    static let web = ConsentMethod.web(ipAddress: "192.0.2.7", userAgent: "Mozilla/5.0")

    // MARK: Expiry

    @Test("a used confirm link opened after its 72 h says already confirmed on GET and POST and writes nothing", arguments: StoreEngine.available)
    func usedLinkAfterExpiry(engine: StoreEngine) async throws {
        try await withLivePages(engine) { pages in
            _ = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org")])
            let link = try await confirmLinkInOutbox(pages)
            let token = try linkToken(in: link)
            pages.clock.advance(by: .minutes(5))
            #expect(try await pages.post("/confirm", form: [("token", token)]).status == 200)

            // Mailed at 09:00 on 2 March, so it expired at 09:00 on 5 March; opened then and a week later.
            for late in [Duration.hours(72) - .minutes(5), .days(7)] {
                pages.clock.advance(by: late)
                let page = try await pages.get(try pages.target(of: link))
                #expect(page.status == 200)
                #expect(page.text.contains("<title>You&#39;re subscribed</title>"))
                #expect(page.text.contains("<p>Your subscription to \"Ops weekly\" was already confirmed; nothing more is needed.</p>"))
                #expect(!page.text.contains("<button"))
                let post = try await pages.post("/confirm", form: [("token", token)])
                #expect(post.status == 200)
                #expect(post.body == page.body)
            }
            let records = try await pages.consent("ada@example.org")
            #expect(records.map(\.action) == [.subscribed, .confirmed])
            #expect(records.map(\.at) == [start, start + .minutes(5)])
            #expect(try await pages.subscription("ada@example.org").state == .confirmed)
        }
    }

    @Test("after expiry, a link whose subscription was confirmed and then ended says expired, not already confirmed", arguments: StoreEngine.available)
    func endedSubscriptionLinkAfterExpiry(engine: StoreEngine) async throws {
        try await withLivePages(engine) { pages in
            _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let token = try linkToken(in: try await confirmLinkInOutbox(pages))
            _ = try await pages.service.confirm(token: token, method: Self.web)
            let id = try #require(try await pages.subscription("ada@example.org").id)
            _ = try await pages.service.unsubscribe(
                token: try linkToken(in: pages.service.unsubscribeLink(subscriptionID: id).absoluteString), method: Self.web)

            pages.clock.advance(by: .hours(72))
            let page = try await pages.get("/confirm?token=\(token)")
            #expect(page.status == 400)
            #expect(page.text.contains("<title>Link expired</title>"))
            let post = try await pages.post("/confirm", form: [("token", token)])
            #expect(post.status == 400)
            #expect(post.text.contains("<title>Link expired</title>"))
            #expect(post.text.contains("Nothing was changed: this link expired at 2026-03-05T09:00:00.000000Z"))
            #expect(try await pages.subscription("ada@example.org").state == .unsubscribed)
            #expect(try await pages.consent("ada@example.org").map(\.action) == [.subscribed, .confirmed, .unsubscribed])
        }
    }

    @Test("a 24 h link lifetime and a 30 min resend interval in the service's policy govern the pages", arguments: StoreEngine.available)
    func configuredPolicy(engine: StoreEngine) async throws {
        let policy = SubscriptionPolicy(confirmLinkLifetime: .hours(24), confirmationInterval: .minutes(30))
        try await withLivePages(engine, policy: policy) { pages in
            let subscribe = { try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org")]) }
            #expect(try await subscribe().status == 200)
            // 29 min later: no second mail (the default 10 min would have sent one); at 30 min, one.
            pages.clock.advance(by: .minutes(29))
            #expect(try await subscribe().status == 200)
            #expect(try await pages.store.outbox.list().count == 1)
            pages.clock.advance(by: .minutes(1))
            #expect(try await subscribe().status == 200)
            #expect(try await pages.store.outbox.list().count == 2)

            // The second link, mailed at 09:30, works until 09:29:59 the next day and has expired at 09:30.
            let link = try await confirmLinkInOutbox(pages)
            pages.clock.advance(by: .hours(24) - .seconds(1))
            #expect(try await pages.get(try pages.target(of: link)).text.contains("<button type=\"submit\">Confirm subscription</button>"))
            pages.clock.advance(by: .seconds(1))
            let expired = try await pages.get(try pages.target(of: link))
            #expect(expired.status == 400)
            #expect(expired.text.contains("<title>Link expired</title>"))
            #expect(try await pages.subscription("ada@example.org").state == .pending)
        }
    }

    // MARK: Requests

    @Test("a subscribe POST to an unknown list is a 404 page and writes nothing", arguments: StoreEngine.available)
    func unknownList(engine: StoreEngine) async throws {
        try await withLivePages(engine) { pages in
            for name in ["Ada", "Eve\u{07}"] {
                let response = try await pages.post("/lists/no-such-list/subscribe", form: [("email", "ada@example.org"), ("name", name)])
                #expect(response.status == 404)
                #expect(response.text.contains("<title>Page not found</title>"))
            }
            #expect(try await pages.store.outbox.list().isEmpty)
            #expect(try await pages.consent("ada@example.org").isEmpty)
            #expect(try await pages.store.subscriptions.existingSubscriber(try EmailAddress(parsing: "ada@example.org")) == nil)
        }
    }

    @Test("an RFC 8058 one-click POST as multipart/form-data unsubscribes with the short answer", arguments: StoreEngine.available)
    func multipartOneClick(engine: StoreEngine) async throws {
        try await withLivePages(engine) { pages in
            _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            _ = try await pages.service.confirm(token: try linkToken(in: try await confirmLinkInOutbox(pages)), method: Self.web)
            let id = try #require(try await pages.subscription("ada@example.org").id)
            let link = pages.service.unsubscribeLink(subscriptionID: id).absoluteString

            let body = "--b0undary\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b0undary--\r\n"
            pages.clock.advance(by: .days(30))
            let response = try await pages.post(try pages.target(of: link), body: body, contentType: "multipart/form-data; boundary=b0undary")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
            #expect(response.text == "Unsubscribed.\n")
            #expect(try await pages.subscription("ada@example.org").state == .unsubscribed)
            let last = try #require(try await pages.consent("ada@example.org").last)
            #expect(last.action == .unsubscribed)
            #expect(last.at == start + .days(30))
            #expect(last.method == .web(ipAddress: "127.0.0.1", userAgent: nil))
        }
    }

    /// `Origin: null` is what a sandboxed frame, a `data:` page or a cross-site redirect sends: a
    /// forger can produce it at will, so it is refused like any foreign origin. The pages' own forms
    /// carry their real origin (Referrer-Policy: same-origin), and clients without Origin pass.
    @Test("a POST with Origin: null is 403 on every form and changes nothing; the same POSTs without Origin pass", arguments: StoreEngine.available)
    func nullOrigin(engine: StoreEngine) async throws {
        try await withLivePages(engine) { pages in
            _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let confirmToken = try linkToken(in: try await confirmLinkInOutbox(pages))
            _ = try await pages.service.subscribe(listSlug: "ops-weekly", address: "grace@example.org", method: Self.web)
            _ = try await pages.service.confirm(token: try linkToken(in: try await confirmLinkInOutbox(pages)), method: Self.web)
            let graceID = try #require(try await pages.subscription("grace@example.org").id)
            let unsubscribe = try pages.target(of: pages.service.unsubscribeLink(subscriptionID: graceID).absoluteString)
            let mails = try await pages.store.outbox.list().count

            let null = [("Origin", "null")]
            let refused = [
                try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "eve@example.org")], headers: null),
                try await pages.post("/confirm", form: [("token", confirmToken)], headers: null),
                try await pages.post(unsubscribe, body: "List-Unsubscribe=One-Click", headers: null),
            ]
            for response in refused {
                #expect(response.status == 403)
                #expect(response.text.contains("<title>Forbidden</title>"))
                #expect(response.text.contains("this form was sent from another site (null)"))
            }
            #expect(try await pages.subscription("ada@example.org").state == .pending)
            #expect(try await pages.subscription("grace@example.org").state == .confirmed)
            #expect(try await pages.store.outbox.list().count == mails)
            #expect(try await pages.consent("eve@example.org").isEmpty)

            #expect(try await pages.post("/confirm", form: [("token", confirmToken)]).status == 200)
            #expect(try await pages.post(unsubscribe, body: "List-Unsubscribe=One-Click").text == "Unsubscribed.\n")
            #expect(try await pages.subscription("ada@example.org").state == .confirmed)
            #expect(try await pages.subscription("grace@example.org").state == .unsubscribed)
        }
    }

    // MARK: Hard bounce

    @Test("a 550 for the confirmation suppresses the address with a system consent record; subscribing again is answered alike and mails nothing",
          arguments: StoreEngine.available)
    func refusedConfirmationSuppresses(engine: StoreEngine) async throws {
        try await withLivePages(engine) { pages in
            try await withSink(.init(refuse: ["ada@example.org"])) { sink in
                try await withSMTPDelivery(pages, to: sink) { deliver in
                    let first = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org")])
                    #expect(first.status == 200)
                    pages.clock.advance(by: .seconds(1))
                    let round = try await deliver()
                    #expect(round.claimed == 1 && round.failed == 1 && round.sent == 0)
                    let message = try #require(try await pages.store.outbox.list().first)
                    #expect(message.status == .failed)
                    #expect(message.smtpCode == 550)

                    let ada = try EmailAddress(parsing: "ada@example.org")
                    #expect(try await pages.store.outbox.suppressed(among: ["Ada@example.org"]) == ["ada@example.org"])
                    #expect(try await pages.store.suppressions.suppressionIncludingBounces(of: ada)?.source == .bounce)
                    let records = try await pages.consent("ada@example.org")
                    #expect(records.map(\.action) == [.subscribed, .suppressed])
                    #expect(records.last == ConsentRecord(
                        stored: start + .seconds(1), action: .suppressed, method: .system(reason: "mail to it was refused permanently (1 time)"),
                        confirmationText: nil, listSlug: nil))

                    // An hour on (past the resend interval): the same page, no mail, no record.
                    pages.clock.advance(by: .hours(1))
                    let again = try await pages.post("/lists/ops-weekly/subscribe", form: [("email", "ada@example.org")])
                    #expect(again.status == 200)
                    #expect(again.body == first.body)
                    #expect(try await pages.store.outbox.list().count == 1)
                    #expect(try await pages.consent("ada@example.org").count == 2)
                    #expect(try sink.messages().isEmpty)
                }
            }
        }
    }
}
