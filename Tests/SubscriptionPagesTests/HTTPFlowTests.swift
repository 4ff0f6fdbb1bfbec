import Domain
import Foundation
import ITSMTestSupport
import Notifications
import Storage
import Testing

/// Double opt-in end to end through every real layer: HTTP over loopback TCP to the Hummingbird
/// application, the store (SQLite, and PostgreSQL when the test script started one), the outbox,
/// libcurl SMTP to an aiosmtpd sink, and links taken from the mail as it arrived there.
@Suite("Subscription pages: the whole flow over TCP and SMTP", .timeLimit(.minutes(3)))
struct HTTPFlowTests {
    init() throws {
        try Libcurl.initialise()
    }

    @Test(
        "subscribe -> the mailed link's GET changes nothing -> its form's POST confirms -> a list mail's one-click POST unsubscribes",
        arguments: StoreEngine.available)
    func wholeFlow(engine: StoreEngine) async throws {
        try await withLivePages(engine) { pages in
            try await withSink { sink in
                try await withSMTPDelivery(pages, to: sink) { deliver in
                    let browser = [("Origin", pages.origin), ("User-Agent", "Mozilla/5.0 (flow test)")]
                    let subscribed = try await pages.post(
                        "/lists/ops-weekly/subscribe", form: [("email", "ada@example.org"), ("name", "Ada Lovelace")], headers: browser)
                    #expect(subscribed.status == 200)
                    #expect(subscribed.text.contains("<title>Check your inbox</title>"))
                    #expect(try await pages.subscription("ada@example.org").state == .pending)

                    // The confirmation, as the SMTP server received it.
                    #expect(try await deliver().sent == 1)
                    let received = try sink.messages()
                    try #require(received.count == 1)
                    #expect(received[0].envelope.mailFrom == "digest@itsm.example.org")
                    #expect(received[0].envelope.rcptTos == ["ada@example.org"])
                    #expect(try PythonMailParser.parse(received[0].data).addresses("To") == [.init(displayName: "Ada Lovelace", address: "ada@example.org")])
                    let link = try confirmLink(inMail: received[0].data, origin: pages.origin)

                    // Ten minutes later the link is opened: a page with a button, and no change.
                    pages.clock.advance(by: .minutes(10))
                    let page = try await pages.get(try pages.target(of: link), headers: browser)
                    #expect(page.status == 200)
                    #expect(page.header("Content-Security-Policy") == "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
                    #expect(page.text.contains("<form method=\"post\" action=\"/confirm\">"))
                    #expect(page.text.contains("<button type=\"submit\">Confirm subscription</button>"))
                    #expect(try await pages.subscription("ada@example.org").state == .pending)
                    #expect(try await pages.consent("ada@example.org").map(\.action) == [.subscribed])

                    // The button posts the form's hidden token back.
                    pages.clock.advance(by: .minutes(1))
                    let confirmed = try await pages.post("/confirm", form: [("token", try hiddenToken(in: page.text))], headers: browser)
                    #expect(confirmed.status == 200)
                    #expect(confirmed.text.contains("<title>You&#39;re subscribed</title>"))
                    #expect(try await pages.subscription("ada@example.org").state == .confirmed)

                    // A list mail for the confirmed subscriber, delivered, carries a working one-click link.
                    try await enqueueListMessage(pages)
                    #expect(try await deliver().sent == 1)
                    let all = try sink.messages()
                    try #require(all.count == 2)
                    #expect(all[1].envelope.rcptTos == ["ada@example.org"])
                    let unsubscribeLink = try oneClickUnsubscribeLink(inMail: all[1].data)
                    let unsubscribeTarget = try pages.target(of: unsubscribeLink)
                    #expect(unsubscribeTarget.hasPrefix("/unsubscribe?token="))

                    // RFC 8058: the mail provider POSTs from its own servers, with no Origin.
                    pages.clock.advance(by: .minutes(1))
                    let oneClick = try await pages.post(unsubscribeTarget, body: "List-Unsubscribe=One-Click", headers: [("User-Agent", "mail-provider/1")])
                    #expect(oneClick.status == 200)
                    #expect(oneClick.text == "Unsubscribed.\n")
                    #expect(try await pages.subscription("ada@example.org").state == .unsubscribed)
                    let list = try #require(try await pages.store.mailingLists.get(slug: "ops-weekly"))
                    #expect(try await pages.store.subscriptions.confirmedRecipients(listID: try #require(list.id)).isEmpty)

                    // One consent record per step: when, from where, what the person was shown.
                    let records = try await pages.consent("ada@example.org")
                    #expect(records.map(\.action) == [.subscribed, .confirmed, .unsubscribed])
                    #expect(records.map(\.at) == [start, start + .minutes(11), start + .minutes(12)])
                    #expect(records.map(\.method) == [
                        .web(ipAddress: "127.0.0.1", userAgent: "Mozilla/5.0 (flow test)"),
                        .web(ipAddress: "127.0.0.1", userAgent: "Mozilla/5.0 (flow test)"),
                        .web(ipAddress: "127.0.0.1", userAgent: "mail-provider/1"),
                    ])
                    #expect(records.map(\.confirmationText) == [
                        "Send me the mailing list \"Ops weekly\" by email. I will get a mail to confirm first, and can unsubscribe at any time.",
                        "Confirming subscribes you to the mailing list \"Ops weekly\".",
                        nil,
                    ])
                    #expect(records.map(\.listSlug) == ["ops-weekly", "ops-weekly", "ops-weekly"])
                    #expect(try sink.messages().count == 2)
                }
            }
        }
    }
}
