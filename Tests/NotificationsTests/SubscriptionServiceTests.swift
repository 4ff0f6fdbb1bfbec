import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Storage
import Synchronization
import Testing

/// Double opt-in through the real store (SQLite, and PostgreSQL when the test script started one),
/// the real signer, MIME encoder and outbox; the last case delivers over SMTP to a loopback sink.
/// The clock is moved by hand, nothing sleeps.
@Suite("Subscription service", .serialized, .timeLimit(.minutes(3)))
struct SubscriptionServiceTests {
    init() throws {
        try Libcurl.initialise()
    }

    @Test("a new address gets one priority-0 confirmation whose bytes parse and carry a confirm link", arguments: StoreEngine.available)
    func newAddress(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            let response = try await fixture.service.subscribe(listSlug: "ops-weekly", address: " Ada@Example.ORG ", name: "Ada Lovelace", method: web)
            #expect(response == .checkYourInbox)
            let messages = try await fixture.store.outbox.list()
            try #require(messages.count == 1)
            let message = messages[0]
            let subscriptionID = try await fixture.subscriptionID("Ada@example.org")
            // 2026-03-02T09:00:00Z is 2,954,070 ten-minute windows after the epoch.
            #expect(message.idempotencyKey == "confirm:\(subscriptionID):2954070")
            #expect(message.messageID == "confirm.\(subscriptionID).2954070@itsm.example.org")
            #expect(message.priority == 0)
            #expect(message.kind == "confirmation")
            #expect(message.sender == "digest@itsm.example.org")
            #expect(message.recipients == ["Ada@example.org"])

            let parsed = try PythonMailParser.parse(message.data)
            #expect(parsed.error == nil)
            #expect(parsed.defects.isEmpty)
            #expect(parsed.addresses("From") == [.init(displayName: "ITSM digests", address: "digest@itsm.example.org")])
            #expect(parsed.addresses("To") == [.init(displayName: "Ada Lovelace", address: "Ada@example.org")])
            #expect(parsed.values("Subject") == ["Confirm your subscription to Ops weekly"])
            #expect(parsed.values("Auto-Submitted") == ["auto-generated"])
            #expect(parsed.values("Precedence").isEmpty)
            #expect(parsed.values("List-Unsubscribe").isEmpty)
            #expect(parsed.parts.map(\.contentType) == ["text/plain", "text/html"])
            let text = String(decoding: try #require(parsed.parts.first).payload, as: UTF8.self)
            #expect(text.contains("Confirming subscribes Ada@example.org to the list \"Ops weekly\"; if you did not ask for this, ignore this mail and nothing changes."))
            let token = try confirmToken(in: text)
            #expect(text.contains("https://itsm.example.org/confirm?token=\(token)"))
            let html = String(decoding: parsed.parts[1].payload, as: UTF8.self)
            #expect(html.contains("href=\"https://itsm.example.org/confirm?token=\(token)\""))
            #expect(html.contains("&quot;Ops weekly&quot;"))
        }
    }

    @Test("the link from the mail confirms with consent records; again is alreadyConfirmed", arguments: StoreEngine.available)
    func confirmFromMail(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            _ = try await fixture.service.subscribe(
                listSlug: "ops-weekly", address: "ada@example.org", method: web, confirmationText: "Send me the Ops weekly digest")
            let token = try await fixture.tokenFromOutbox()

            #expect(try await fixture.service.confirmPage(token: token) == ConfirmPreview(status: .valid, listTitle: "Ops weekly"))
            // The GET changed nothing.
            #expect(try await fixture.subscription("ada@example.org").state == .pending)

            fixture.clock.set(start + .hours(1))
            let confirmWeb = ConsentMethod.web(ipAddress: "198.51.100.9", userAgent: "Firefox/140")
            #expect(try await fixture.service.confirm(token: token, method: confirmWeb) == .confirmed(listTitle: "Ops weekly"))
            let subscription = try await fixture.subscription("ada@example.org")
            #expect(subscription.state == .confirmed)
            #expect(subscription.confirmedAt == start + .hours(1))

            let records = try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org"))
            #expect(records.map(\.action) == [.subscribed, .confirmed])
            #expect(records.map(\.method) == [web, confirmWeb])
            #expect(records.map(\.at) == [start, start + .hours(1)])
            #expect(records.map(\.listSlug) == ["ops-weekly", "ops-weekly"])
            #expect(records[0].confirmationText == "Send me the Ops weekly digest")

            #expect(try await fixture.service.confirm(token: token, method: confirmWeb) == .alreadyConfirmed(listTitle: "Ops weekly"))
            #expect(try await fixture.service.confirmPage(token: token) == ConfirmPreview(status: .alreadyConfirmed, listTitle: "Ops weekly"))
            #expect(try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org")).count == 2)
        }
    }

    @Test("a tampered token is refused and changes nothing", arguments: StoreEngine.available)
    func tamperedToken(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            let token = try await fixture.tokenFromOutbox()
            var characters = Array(token)
            characters[20] = characters[20] == "A" ? "B" : "A"
            let tampered = String(characters)

            #expect(try await fixture.service.confirmPage(token: tampered) == ConfirmPreview(status: .invalid, listTitle: nil))
            await #expect(throws: SubscriptionServiceError.invalidLink) {
                try await fixture.service.confirm(token: tampered, method: web)
            }
            // An unsubscribe token is no confirm token either.
            let unsubscribeToken = try queryToken(fixture.service.unsubscribeLink(subscriptionID: try await fixture.subscriptionID("ada@example.org")))
            await #expect(throws: SubscriptionServiceError.invalidLink) {
                try await fixture.service.confirm(token: unsubscribeToken, method: web)
            }
            #expect(try await fixture.subscription("ada@example.org").state == .pending)
            #expect(try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org")).map(\.action) == [.subscribed])
        }
    }

    @Test("a confirm link past 72 hours is expired and changes nothing", arguments: StoreEngine.available)
    func expiredToken(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            let token = try await fixture.tokenFromOutbox()

            fixture.clock.set(start + .hours(72) - .seconds(1))
            #expect(try await fixture.service.confirmPage(token: token).status == .valid)
            fixture.clock.set(start + .hours(72))
            #expect(try await fixture.service.confirmPage(token: token) == ConfirmPreview(status: .expired, listTitle: nil))
            await #expect(throws: SubscriptionServiceError.expiredLink(at: start + .hours(72))) {
                try await fixture.service.confirm(token: token, method: web)
            }
            #expect(try await fixture.subscription("ada@example.org").state == .pending)
        }
    }

    @Test("subscribing twice in ten minutes sends one confirmation; after the window a second, with a fresh link", arguments: StoreEngine.available)
    func rateLimit(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            let first = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            fixture.clock.set(start + .minutes(9) + .seconds(59))
            let second = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ADA@example.org", method: web)
            #expect(first == second)
            #expect(try await fixture.store.outbox.list().count == 1)

            fixture.clock.set(start + .minutes(10))
            let third = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            #expect(third == first)
            let messages = try await fixture.store.outbox.list()
            #expect(messages.count == 2)
            let id = try await fixture.subscriptionID("ada@example.org")
            #expect(messages.map(\.idempotencyKey) == ["confirm:\(id):2954070", "confirm:\(id):2954071"])
            let tokens = try messages.map { try confirmToken(in: try textPart(of: $0.data)) }
            #expect(tokens[0] != tokens[1])
            // Every request is kept as consent evidence, mailed or not.
            #expect(try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org")).count == 3)
        }
    }

    @Test("two requests either side of a window boundary, two seconds apart, still send one confirmation", arguments: StoreEngine.available)
    func rateLimitAcrossWindowBoundary(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            // `start` is a window boundary (see rateLimit): 9:59 and 10:01 fall in different windows.
            fixture.clock.set(start + .minutes(9) + .seconds(59))
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            fixture.clock.set(start + .minutes(10) + .seconds(1))
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            #expect(try await fixture.store.outbox.list().count == 1)
            // Ten minutes after the first one, the next is allowed.
            fixture.clock.set(start + .minutes(19) + .seconds(59))
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            #expect(try await fixture.store.outbox.list().count == 2)
        }
    }

    @Test("an already confirmed address gets the same answer and no mail", arguments: StoreEngine.available)
    func alreadyConfirmed(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            let fresh = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            _ = try await fixture.service.confirm(token: try await fixture.tokenFromOutbox(), method: web)

            fixture.clock.set(start + .hours(2))
            let again = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            #expect(again == fresh)
            #expect(try await fixture.store.outbox.list().count == 1)
            #expect(try await fixture.subscription("ada@example.org").state == .confirmed)
        }
    }

    @Test("suppressed and erased addresses get the same answer, and nothing is written or mailed", arguments: StoreEngine.available)
    func suppressedAndErased(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            let fresh = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            try await fixture.store.outbox.claimAllAway()
            let erased = try EmailAddress(parsing: "ada@example.org")
            try await fixture.store.consent.erase(erased, at: start)
            let blocked = try EmailAddress(parsing: "mallory@example.org")
            try await fixture.store.suppressions.suppress(blocked, source: .admin, reason: "asked never to be mailed", by: .cli(operator: "ops", reason: nil), at: start)

            fixture.clock.set(start + .hours(1))
            #expect(try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web) == fresh)
            #expect(try await fixture.service.subscribe(listSlug: "ops-weekly", address: "Mallory@example.org", method: web) == fresh)
            #expect(try await fixture.store.outbox.list().count == 1)
            #expect(try await fixture.store.subscriptions.existingSubscriber(erased) == nil)
            #expect(try await fixture.store.subscriptions.existingSubscriber(blocked) == nil)
        }
    }

    @Test("an unknown list and a bad address are distinct typed errors", arguments: StoreEngine.available)
    func invalidInput(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            await #expect(throws: SubscriptionServiceError.unknownList(slug: "no-such-list")) {
                try await fixture.service.subscribe(listSlug: "no-such-list", address: "ada@example.org", method: web)
            }
            await #expect(throws: SubscriptionServiceError.invalidAddress(.invalidField(field: "email", value: "ada@@example.org", expected: "an address with exactly one @"))) {
                try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@@example.org", method: web)
            }
            let messages = try await fixture.store.outbox.list()
            #expect(messages.isEmpty)
        }
    }

    @Test("the unsubscribe link ends the subscription, which does not expire; again is alreadyUnsubscribed", arguments: StoreEngine.available)
    func unsubscribe(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            let confirmToken = try await fixture.tokenFromOutbox()
            _ = try await fixture.service.confirm(token: confirmToken, method: web)
            let id = try await fixture.subscriptionID("ada@example.org")
            let link = fixture.service.unsubscribeLink(subscriptionID: id)
            let token = try queryToken(link)
            #expect(link.absoluteString == "https://itsm.example.org/unsubscribe?token=\(token)")

            // Unsubscribe links do not expire.
            fixture.clock.set(start + .days(400))
            #expect(try await fixture.service.unsubscribePage(token: token) == "Ops weekly")
            #expect(try await fixture.service.unsubscribe(token: token, method: web) == .unsubscribed(listTitle: "Ops weekly"))
            #expect(try await fixture.subscription("ada@example.org").state == .unsubscribed)
            #expect(try await fixture.service.unsubscribe(token: token, method: web) == .alreadyUnsubscribed(listTitle: "Ops weekly"))
            let records = try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org"))
            #expect(records.map(\.action) == [.subscribed, .confirmed, .unsubscribed])
        }
    }

    @Test("a confirm link cannot bring back somebody who unsubscribed")
    func confirmAfterUnsubscribe() async throws {
        try await withSubscriptionFixture(.sqlite) { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            let token = try await fixture.tokenFromOutbox()
            let id = try await fixture.subscriptionID("ada@example.org")
            _ = try await fixture.service.unsubscribe(token: try queryToken(fixture.service.unsubscribeLink(subscriptionID: id)), method: web)
            #expect(try await fixture.service.confirmPage(token: token) == ConfirmPreview(status: .unsubscribed, listTitle: "Ops weekly"))
            await #expect(throws: SubscriptionServiceError.subscriptionEnded) {
                try await fixture.service.confirm(token: token, method: web)
            }
            #expect(try await fixture.subscription("ada@example.org").state == .unsubscribed)
        }
    }

    @Test("after unsubscribing and signing up again, only the new mail's link confirms; the old one is refused")
    func staleConfirmLinkAfterResubscribe() async throws {
        try await withSubscriptionFixture(.sqlite) { fixture in
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            let oldToken = try await fixture.tokenFromOutbox()
            let id = try await fixture.subscriptionID("ada@example.org")
            fixture.clock.set(start + .minutes(5))
            _ = try await fixture.service.unsubscribe(token: try queryToken(fixture.service.unsubscribeLink(subscriptionID: id)), method: web)
            // Signed up again an hour later: a new pending request and a new mail.
            fixture.clock.set(start + .hours(1))
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: web)
            #expect(try await fixture.subscription("ada@example.org").state == .pending)
            #expect(try await fixture.service.confirmPage(token: oldToken) == ConfirmPreview(status: .invalid, listTitle: nil))
            await #expect(throws: SubscriptionServiceError.invalidLink) {
                try await fixture.service.confirm(token: oldToken, method: web)
            }
            #expect(try await fixture.subscription("ada@example.org").state == .pending)
            let newToken = try #require(try await fixture.store.outbox.list().last.map { try confirmToken(in: try textPart(of: $0.data)) })
            #expect(try await fixture.service.confirm(token: newToken, method: web) == .confirmed(listTitle: "Ops weekly"))
        }
    }

    @Test("a list without opt-in confirms at once and sends nothing", arguments: StoreEngine.available)
    func listWithoutConfirmation(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            let response = try await fixture.service.subscribe(listSlug: "ops-open", address: "ada@example.org", method: web)
            #expect(response == .checkYourInbox)
            #expect(try await fixture.store.outbox.list().isEmpty)
            let list = try #require(try await fixture.store.mailingLists.get(slug: "ops-open"))
            let listID = try #require(list.id)
            let subscription = try #require(try await fixture.store.subscriptions.subscription(listID: listID, address: try EmailAddress(parsing: "ada@example.org")))
            #expect(subscription.state == .confirmed)
            let records = try await fixture.store.consent.records(for: try EmailAddress(parsing: "ada@example.org"))
            #expect(records.map(\.action) == [.subscribed, .confirmed])
        }
    }

    @Test("the whole flow over SMTP: the confirmation arrives transactional, its link confirms, list headers unsubscribe", arguments: StoreEngine.available)
    func wholeFlowOverSMTP(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            try await withSink { sink in
                let url = try #require(URL(string: "smtp://127.0.0.1:\(sink.port)"))
                let transport = try SMTPTransport(
                    settings: SMTPSettings(url: url, connectTimeout: .seconds(5), totalTimeout: .seconds(30), connections: 1),
                    logger: quietLogger)
                do {
                    _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", name: "Ada", method: web)
                    let clock = fixture.clock
                    let delivery = OutboxDelivery(
                        outbox: fixture.store.outbox, transport: transport, workerName: "test-worker", now: { clock.now }, jitter: { 1.0 },
                        logger: quietLogger)
                    let round = try await delivery.deliverDueMessages()
                    #expect(round.sent == 1)

                    let received = try sink.messages()
                    try #require(received.count == 1)
                    #expect(received[0].envelope.mailFrom == "digest@itsm.example.org")
                    #expect(received[0].envelope.rcptTos == ["ada@example.org"])
                    let parsed = try PythonMailParser.parse(received[0].data)
                    #expect(parsed.values("Auto-Submitted") == ["auto-generated"])
                    #expect(parsed.values("Precedence").isEmpty)
                    let token = try confirmToken(in: try textPart(of: received[0].data))
                    #expect(try await fixture.service.confirm(token: token, method: web) == .confirmed(listTitle: "Ops weekly"))

                    // A digest for the confirmed subscriber carries list headers whose link unsubscribes.
                    let list = try #require(try await fixture.store.mailingLists.get(slug: "ops-weekly"))
                    let recipients = try await fixture.store.subscriptions.confirmedRecipients(listID: try #require(list.id))
                    try #require(recipients.count == 1)
                    let headers = fixture.service.listHeaders(for: list, subscriptionID: recipients[0].subscriptionID)
                    let digest = try MailMessage(
                        from: MailAddress("digest@itsm.example.org"), to: [MailAddress(recipients[0].address.address)],
                        subject: "Ops weekly", textBody: "Nothing happened.", date: start, messageIDLocalPart: "digest.1", extraHeaders: headers)
                    let digestParsed = try PythonMailParser.parse(try MIMEEncoder.render(digest, boundarySeed: "digest"))
                    #expect(digestParsed.values("List-Id") == ["Ops weekly <ops-weekly.itsm.example.org>"])
                    #expect(digestParsed.values("List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"])
                    #expect(digestParsed.values("Precedence") == ["bulk"])
                    let unsubscribeHeader = try #require(digestParsed.values("List-Unsubscribe").first)
                    let unsubscribeURL = try #require(URL(string: String(unsubscribeHeader.dropFirst().dropLast())))
                    #expect(unsubscribeURL.path == "/unsubscribe")
                    #expect(try await fixture.service.unsubscribe(token: try queryToken(unsubscribeURL), method: web) == .unsubscribed(listTitle: "Ops weekly"))
                    #expect(try await fixture.store.subscriptions.confirmedRecipients(listID: try #require(list.id)).isEmpty)
                    await transport.shutdown()
                } catch {
                    await transport.shutdown()
                    throw error
                }
            }
        }
    }
}

// MARK: Fixture

/// 2026-03-02T09:00:00Z, the start of a ten-minute window.
private let start = Instant(secondsSinceEpoch: 1_772_442_000)
private let web = ConsentMethod.web(ipAddress: "192.0.2.7", userAgent: "Mozilla/5.0")

private let quietLogger: Logger = {
    var logger = Logger(label: "itsm.tests.subscriptions")
    logger.logLevel = .critical
    return logger
}()

struct SubscriptionFixture {
    let store: Store
    let clock: ManualClock
    let service: SubscriptionService

    func subscription(_ address: String) async throws -> Subscription {
        let list = try #require(try await store.mailingLists.get(slug: "ops-weekly"))
        let listID = try #require(list.id)
        return try #require(try await store.subscriptions.subscription(listID: listID, address: try EmailAddress(parsing: address)))
    }

    func subscriptionID(_ address: String) async throws -> Int64 {
        try #require(try await subscription(address).id)
    }

    /// The confirm token in the text part of the only (or last) confirmation in the outbox.
    func tokenFromOutbox() async throws -> String {
        let message = try #require(try await store.outbox.list().last)
        return try confirmToken(in: try textPart(of: message.data))
    }
}

/// The text/plain part of a rendered mail, decoded by Python's parser.
private func textPart(of bytes: [UInt8]) throws -> String {
    let parsed = try PythonMailParser.parse(bytes)
    let part = try #require(parsed.parts.first { $0.contentType == "text/plain" })
    return String(decoding: part.payload, as: UTF8.self)
}

/// The token after `/confirm?token=` in `text` (base64url characters).
private func confirmToken(in text: String) throws -> String {
    let marker = try #require(text.range(of: "/confirm?token="))
    let token = text[marker.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    try #require(token.count == 78)
    return String(token)
}

private func queryToken(_ url: URL) throws -> String {
    let components = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false))
    return try #require(components.queryItems?.first { $0.name == "token" }?.value)
}

extension OutboxRepository {
    /// Marks everything queued as sent, as a delivery round would (so later counts start from here).
    fileprivate func claimAllAway() async throws {
        let claimed = try await claim(limit: 100, worker: "test", now: start, lease: .seconds(60))
        try await markSent(claimed.map { ($0.id, "250 test") }, at: start)
    }
}

/// A migrated store with two lists (one with opt-in, one without) and a service on it.
func withSubscriptionFixture<R>(_ engine: StoreEngine, _ body: (SubscriptionFixture) async throws -> R) async throws -> R {
    try await withSubscriptionStore(engine) { store in
        let sender = try ListSender(address: try EmailAddress(parsing: "digest@itsm.example.org"), name: "ITSM digests")
        let digest = try DigestSelection(stages: [.operation])
        _ = try await store.mailingLists.create(
            try MailingList(slug: "ops-weekly", title: "Ops weekly", sender: sender, digest: digest, schedule: "weekly", timeZoneIdentifier: "Europe/Berlin"),
            at: start)
        _ = try await store.mailingLists.create(
            try MailingList(
                slug: "ops-open", title: "Ops open", sender: sender, digest: digest, schedule: "weekly", timeZoneIdentifier: "Europe/Berlin",
                requiresConfirmation: false),
            at: start)
        let clock = ManualClock(start)
        let service = try SubscriptionService(
            store: store, signer: try LinkTokenSigner(secretKey: SubscriptionFixture.secretKey),
            publicBaseURL: try #require(URL(string: "https://itsm.example.org/")), now: { clock.now }, logger: quietLogger)
        return try await body(SubscriptionFixture(store: store, clock: clock, service: service))
    }
}

/// A migrated store on a fresh database of its own (see Support/TestStores.swift).
func withSubscriptionStore<R>(_ engine: StoreEngine, _ body: (Store) async throws -> R) async throws -> R {
    try await withTestStore(engine, openedAt: start, logger: quietLogger, body)
}
