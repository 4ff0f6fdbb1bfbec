import Domain
import Foundation
import NIOCore
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Notifications
import Storage
import Testing
@testable import SubscriptionPages

/// The link pages through Hummingbird's router, on a real SQLite store and the real service.
@Suite("Subscription pages", .timeLimit(.minutes(3)))
struct SubscriptionPagesTests {
    @Test("the subscribe form escapes the list title and carries a labelled input")
    func formEscapesTitle() async throws {
        try await withPagesFixture(listTitle: "Ops <script>alert(1)</script> & co") { fixture in
            try await fixture.application.test(.router) { client in
                let response = try await client.execute(uri: "/lists/ops-weekly", method: .get)
                #expect(response.status == .ok)
                expectSecurityHeaders(response)
                #expect(!response.text.contains("<script>"))
                #expect(response.text.contains("Ops &lt;script&gt;alert(1)&lt;/script&gt; &amp; co"))
                #expect(response.text.contains("<html lang=\"en\">"))
                #expect(response.text.contains("<label for=\"email\">"))
                #expect(response.text.contains("action=\"/lists/ops-weekly/subscribe\""))
            }
        }
    }

    @Test("an unknown list is a 404 page")
    func unknownList() async throws {
        try await withPagesFixture { fixture in
            try await fixture.application.test(.router) { client in
                let response = try await client.execute(uri: "/lists/no-such-list", method: .get)
                #expect(response.status == .notFound)
                expectSecurityHeaders(response)
                #expect(response.text.contains("<title>Page not found</title>"))
            }
        }
    }

    @Test("subscribing answers check-your-inbox, enqueues one confirmation and records the consent text and peer")
    func subscribe() async throws {
        try await withPagesFixture { fixture in
            try await fixture.application.test(.router) { client in
                var headers = formHeaders
                headers[.userAgent] = "Firefox/140"
                let response = try await client.execute(
                    uri: "/lists/ops-weekly/subscribe", method: .post, headers: headers,
                    body: form([("email", "ada@example.org"), ("name", "Ada Lovelace")]))
                #expect(response.status == .ok)
                expectSecurityHeaders(response)
                #expect(response.text.contains("<title>Check your inbox</title>"))
                let messages = try await fixture.store.outbox.list()
                #expect(messages.count == 1)
                #expect(messages.first?.kind == "confirmation")
                let records = try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org"))
                #expect(records.map(\.method) == [.web(ipAddress: "203.0.113.5", userAgent: "Firefox/140")])
                #expect(records.first?.confirmationText == SubscribePages.consentText(try #require(try await fixture.store.mailingLists.get(slug: "ops-weekly"))))
            }
        }
    }

    @Test("an already-confirmed address gets the same bytes as a new one")
    func sameAnswerForConfirmed() async throws {
        try await withPagesFixture { fixture in
            try await fixture.application.test(.router) { client in
                let first = try await client.execute(
                    uri: "/lists/ops-weekly/subscribe", method: .post, headers: formHeaders, body: form([("email", "ada@example.org")]))
                let token = try await fixture.tokenFromOutbox()
                _ = try await fixture.service.confirm(token: token, method: .web(ipAddress: "192.0.2.7", userAgent: nil))
                let again = try await client.execute(
                    uri: "/lists/ops-weekly/subscribe", method: .post, headers: formHeaders, body: form([("email", "ada@example.org")]))
                let fresh = try await client.execute(
                    uri: "/lists/ops-weekly/subscribe", method: .post, headers: formHeaders, body: form([("email", "grace@example.org")]))
                #expect(first.status == .ok)
                #expect(again.status == .ok)
                #expect(again.body == first.body)
                #expect(fresh.body == first.body)
                #expect(again.headers == first.headers)
            }
        }
    }

    @Test("a bad address is a 400 page saying what is wrong, with nothing enqueued")
    func badAddress() async throws {
        try await withPagesFixture { fixture in
            try await fixture.application.test(.router) { client in
                let response = try await client.execute(
                    uri: "/lists/ops-weekly/subscribe", method: .post, headers: formHeaders, body: form([("email", "ada@@example.org")]))
                #expect(response.status == .badRequest)
                expectSecurityHeaders(response)
                #expect(response.text.contains("exactly one @"))
                #expect(response.text.contains("value=\"ada@@example.org\""))
                #expect(try await fixture.store.outbox.list().isEmpty)
            }
        }
    }

    @Test("GET /confirm with the mailed token changes nothing and shows a form posting the token")
    func confirmPageChangesNothing() async throws {
        try await withPagesFixture { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: .web(ipAddress: "192.0.2.7", userAgent: nil))
            let token = try await fixture.tokenFromOutbox()
            try await fixture.application.test(.router) { client in
                let response = try await client.execute(uri: "/confirm?token=\(token)", method: .get)
                #expect(response.status == .ok)
                expectSecurityHeaders(response)
                #expect(response.text.contains("<form method=\"post\" action=\"/confirm\">"))
                #expect(response.text.contains("<input type=\"hidden\" name=\"token\" value=\"\(token)\">"))
                #expect(response.text.contains("<button type=\"submit\">Confirm subscription</button>"))
                #expect(!response.text.contains("<script"))
            }
            #expect(try await fixture.subscription("ada@example.org").state == .pending)
        }
    }

    @Test("POST /confirm confirms; a second POST says already confirmed")
    func confirm() async throws {
        try await withPagesFixture { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: .web(ipAddress: "192.0.2.7", userAgent: nil))
            let token = try await fixture.tokenFromOutbox()
            try await fixture.application.test(.router) { client in
                let first = try await client.execute(uri: "/confirm", method: .post, headers: formHeaders, body: form([("token", token)]))
                #expect(first.status == .ok)
                expectSecurityHeaders(first)
                #expect(first.text.contains("<title>You&#39;re subscribed</title>"))
                #expect(try await fixture.subscription("ada@example.org").state == .confirmed)
                let records = try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org"))
                #expect(records.map(\.action) == [.subscribed, .confirmed])
                #expect(records.last?.confirmationText == "Confirming subscribes you to the mailing list \"Ops weekly\".")

                let second = try await client.execute(uri: "/confirm", method: .post, headers: formHeaders, body: form([("token", token)]))
                #expect(second.status == .ok)
                #expect(second.text.contains("already confirmed"))
                let page = try await client.execute(uri: "/confirm?token=\(token)", method: .get)
                #expect(page.text.contains("already confirmed"))
            }
        }
    }

    @Test("a tampered token is a 400 page on GET and POST, and nothing changes")
    func tamperedToken() async throws {
        try await withPagesFixture { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: .web(ipAddress: "192.0.2.7", userAgent: nil))
            let token = try await fixture.tokenFromOutbox()
            let last = try #require(token.last)
            let tampered = String(token.dropLast()) + (last == "A" ? "B" : "A")
            try await fixture.application.test(.router) { client in
                let page = try await client.execute(uri: "/confirm?token=\(tampered)", method: .get)
                #expect(page.status == .badRequest)
                expectSecurityHeaders(page)
                let post = try await client.execute(uri: "/confirm", method: .post, headers: formHeaders, body: form([("token", tampered)]))
                #expect(post.status == .badRequest)
                #expect(post.text.contains("Nothing was changed"))
                let missing = try await client.execute(uri: "/confirm", method: .get)
                #expect(missing.status == .badRequest)
            }
            #expect(try await fixture.subscription("ada@example.org").state == .pending)
            let records = try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org"))
            #expect(records.map(\.action) == [.subscribed])
        }
    }

    @Test("a POST from a foreign Origin is 403 and changes nothing; our own origin passes")
    func foreignOrigin() async throws {
        try await withPagesFixture { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: .web(ipAddress: "192.0.2.7", userAgent: nil))
            let token = try await fixture.tokenFromOutbox()
            try await fixture.application.test(.router) { client in
                var foreign = formHeaders
                foreign[.origin] = "https://evil.example.net"
                let refused = try await client.execute(uri: "/confirm", method: .post, headers: foreign, body: form([("token", token)]))
                #expect(refused.status == .forbidden)
                expectSecurityHeaders(refused)
                let subscribe = try await client.execute(
                    uri: "/lists/ops-weekly/subscribe", method: .post, headers: foreign, body: form([("email", "grace@example.org")]))
                #expect(subscribe.status == .forbidden)
                #expect(try await fixture.subscription("ada@example.org").state == .pending)
                #expect(try await fixture.store.outbox.list().count == 1)

                var own = formHeaders
                own[.origin] = "https://ITSM.example.org:443"
                let accepted = try await client.execute(uri: "/confirm", method: .post, headers: own, body: form([("token", token)]))
                #expect(accepted.status == .ok)
                #expect(try await fixture.subscription("ada@example.org").state == .confirmed)
            }
        }
    }

    @Test("a 20 KB body is a 413 page and nothing is written")
    func oversizedBody() async throws {
        try await withPagesFixture { fixture in
            try await fixture.application.test(.router) { client in
                let response = try await client.execute(
                    uri: "/lists/ops-weekly/subscribe", method: .post, headers: formHeaders,
                    body: form([("email", "ada@example.org"), ("name", String(repeating: "x", count: 20 * 1024))]))
                #expect(response.status == .contentTooLarge)
                expectSecurityHeaders(response)
                #expect(response.text.contains("<title>Request too large</title>"))
            }
            #expect(try await fixture.store.outbox.list().isEmpty)
            #expect(try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org")).isEmpty)
        }
    }

    @Test("GET /unsubscribe shows a button and changes nothing; the button's POST unsubscribes")
    func unsubscribePage() async throws {
        try await withPagesFixture { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: .web(ipAddress: "192.0.2.7", userAgent: nil))
            _ = try await fixture.service.confirm(token: try await fixture.tokenFromOutbox(), method: .web(ipAddress: "192.0.2.7", userAgent: nil))
            let token = try await fixture.unsubscribeToken("ada@example.org")
            try await fixture.application.test(.router) { client in
                let page = try await client.execute(uri: "/unsubscribe?token=\(token)", method: .get)
                #expect(page.status == .ok)
                expectSecurityHeaders(page)
                #expect(page.text.contains("<input type=\"hidden\" name=\"token\" value=\"\(token)\">"))
                #expect(try await fixture.subscription("ada@example.org").state == .confirmed)

                let post = try await client.execute(uri: "/unsubscribe", method: .post, headers: formHeaders, body: form([("token", token)]))
                #expect(post.status == .ok)
                expectSecurityHeaders(post)
                #expect(post.text.contains("unsubscribed"))
                #expect(try await fixture.subscription("ada@example.org").state == .unsubscribed)
            }
        }
    }

    @Test("an RFC 8058 one-click POST unsubscribes with a short 200 body")
    func oneClick() async throws {
        try await withPagesFixture { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: .web(ipAddress: "192.0.2.7", userAgent: nil))
            _ = try await fixture.service.confirm(token: try await fixture.tokenFromOutbox(), method: .web(ipAddress: "192.0.2.7", userAgent: nil))
            let token = try await fixture.unsubscribeToken("ada@example.org")
            try await fixture.application.test(.router) { client in
                let response = try await client.execute(
                    uri: "/unsubscribe?token=\(token)", method: .post, headers: formHeaders, body: ByteBuffer(string: "List-Unsubscribe=One-Click"))
                #expect(response.status == .ok)
                expectSecurityHeaders(response)
                #expect(response.text == "Unsubscribed.\n")
            }
            #expect(try await fixture.subscription("ada@example.org").state == .unsubscribed)
            let records = try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org"))
            #expect(records.last?.action == .unsubscribed)
            #expect(records.last?.method == .web(ipAddress: "203.0.113.5", userAgent: nil))
        }
    }

    @Test("a wrong method is 405 with Allow; an unknown path is 404; /healthz is ok")
    func methodsAndHealth() async throws {
        try await withPagesFixture { fixture in
            try await fixture.application.test(.router) { client in
                let health = try await client.execute(uri: "/healthz", method: .get)
                #expect(health.status == .ok)
                #expect(health.text == "ok\n")
                expectSecurityHeaders(health)
                let delete = try await client.execute(uri: "/confirm", method: .delete)
                #expect(delete.status == .methodNotAllowed)
                #expect(delete.headers[.allow] == "GET, POST")
                expectSecurityHeaders(delete)
                let getSubscribe = try await client.execute(uri: "/lists/ops-weekly/subscribe", method: .get)
                #expect(getSubscribe.status == .methodNotAllowed)
                let missing = try await client.execute(uri: "/nowhere", method: .get)
                #expect(missing.status == .notFound)
                expectSecurityHeaders(missing)
            }
        }
    }
}

@Suite("Client address")
struct ClientAddressTests {
    @Test("X-Forwarded-For is ignored unless the peer is a configured proxy")
    func forwardedFor() throws {
        let peer = try SocketAddress(ipAddress: "10.0.0.2", port: 1234)
        let headers: HTTPFields = [.xForwardedFor: "198.51.100.1, 192.0.2.9"]
        #expect(ClientAddress(trustedProxies: []).resolve(peer: peer, headers: headers) == "10.0.0.2")
        #expect(ClientAddress(trustedProxies: ["10.0.0.2"]).resolve(peer: peer, headers: headers) == "192.0.2.9")
        #expect(ClientAddress(trustedProxies: ["10.0.0.2", "192.0.2.9"]).resolve(peer: peer, headers: headers) == "198.51.100.1")
        #expect(ClientAddress(trustedProxies: ["10.0.0.2"]).resolve(peer: peer, headers: [.xForwardedFor: "<script>"]) == "10.0.0.2")
        #expect(ClientAddress(trustedProxies: []).resolve(peer: nil, headers: headers) == nil)
    }

    @Test("HTML.escape escapes the five characters that matter")
    func escape() {
        #expect(HTML.escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        let title = "<b>"
        let fragment: HTML = "<p>\(title)</p>"
        #expect(fragment.rendered == "<p>&lt;b&gt;</p>")
    }
}
