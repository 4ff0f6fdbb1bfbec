import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Storage
import Testing

/// A confirm link says when it was made, so whether it predates the subscription's latest sign-up
/// does not depend on the link lifetime of the program that checks it: the daemon and the CLI may be
/// configured differently, and an operator may change the lifetime while links are out.
/// The real store and signer, as in `SubscriptionServiceTests`; the clock is moved by hand.
@Suite("Subscription service: confirm links carry their issue time", .serialized, .timeLimit(.minutes(3)))
struct ConfirmLinkIssueTimeTests {
    /// The fixture's clock starts here: 2026-03-02T09:00:00Z.
    static let start = Instant(secondsSinceEpoch: 1_772_442_000)
    static let web = ConsentMethod.web(ipAddress: "192.0.2.7", userAgent: "Mozilla/5.0")

    @Test("a link mailed under a 24 h lifetime confirms on a service configured with 72 h, and one mailed under 72 h on a 24 h service", arguments: StoreEngine.available)
    func otherLifetime(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            let daily = try fixture.service(linkLifetime: .hours(24))
            _ = try await daily.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let mailedDaily = try await fixture.tokenFromOutbox()
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "grace@example.org", method: Self.web)
            let mailedDefault = try await fixture.tokenFromOutbox()

            fixture.clock.set(Self.start + .hours(23))
            // Before, the 72 h service took the 24 h link's issue time for its expiry less 72 h, two
            // days before the sign-up, and refused it as stale.
            #expect(try await fixture.service.confirmPage(token: mailedDaily) == ConfirmPreview(status: .valid, listTitle: "Ops weekly"))
            #expect(try await fixture.service.confirm(token: mailedDaily, method: Self.web) == .confirmed(listTitle: "Ops weekly"))
            #expect(try await daily.confirm(token: mailedDefault, method: Self.web) == .confirmed(listTitle: "Ops weekly"))
            #expect(try await fixture.subscription("ada@example.org").state == .confirmed)
            #expect(try await fixture.subscription("grace@example.org").state == .confirmed)
        }
    }

    @Test("a link from before an unsubscribe and a new sign-up is refused by a service of either lifetime; the new link confirms", arguments: StoreEngine.available)
    func staleWhateverTheLifetime(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            let daily = try fixture.service(linkLifetime: .hours(24))
            _ = try await daily.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let old = try await fixture.tokenFromOutbox()
            let id = try await fixture.subscriptionID("ada@example.org")
            fixture.clock.set(Self.start + .minutes(5))
            _ = try await fixture.service.unsubscribe(token: try unsubscribeToken(fixture.service.unsubscribeLink(subscriptionID: id)), method: Self.web)
            fixture.clock.set(Self.start + .hours(1))
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let new = try await fixture.tokenFromOutbox()
            #expect(new != old)

            for service in [fixture.service, daily] {
                #expect(try await service.confirmPage(token: old) == ConfirmPreview(status: .invalid, listTitle: nil))
                await #expect(throws: SubscriptionServiceError.invalidLink) { try await service.confirm(token: old, method: Self.web) }
            }
            #expect(try await fixture.subscription("ada@example.org").state == .pending)
            #expect(try await daily.confirm(token: new, method: Self.web) == .confirmed(listTitle: "Ops weekly"))
        }
    }

    @Test("a new sign-up stamped before the link was mailed (a long import's one instant) still makes the link from before the unsubscribe stale", arguments: StoreEngine.available)
    func resubscribedWithAnEarlierInstant(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            fixture.clock.set(Self.start + .minutes(10))
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let link = try await fixture.tokenFromOutbox()
            let id = try await fixture.subscriptionID("ada@example.org")
            fixture.clock.set(Self.start + .minutes(20))
            _ = try await fixture.service.unsubscribe(token: try unsubscribeToken(fixture.service.unsubscribeLink(subscriptionID: id)), method: Self.web)
            // An import that began at `start`, before the link was mailed, reaches Ada's row only now.
            let listID = try #require(try await fixture.store.mailingLists.get(slug: "ops-weekly")?.id)
            let ada = try EmailAddress(parsing: "ada@example.org")
            _ = try await fixture.store.transaction { tx in
                try await fixture.store.subscriptions.subscribe(
                    address: ada, listID: listID, consent: ConsentEvidence(method: .cli(operator: "olivia", reason: "migration")), at: Self.start, in: tx)
            }
            #expect(try await fixture.subscription("ada@example.org").state == .pending)
            #expect(try await fixture.service.confirmPage(token: link) == ConfirmPreview(status: .invalid, listTitle: nil))
            await #expect(throws: SubscriptionServiceError.invalidLink) { try await fixture.service.confirm(token: link, method: Self.web) }
            #expect(try await fixture.subscription("ada@example.org").state == .pending)
        }
    }

    @Test("a version 1 link, mailed before links carried their issue time, still confirms; after a new sign-up it is refused")
    func versionOneLinks() async throws {
        try await withSubscriptionFixture(.sqlite) { fixture in
            let signer = try LinkTokenSigner(secretKey: SubscriptionFixture.secretKey)
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "ada@example.org", method: Self.web)
            let ada = try await fixture.subscriptionID("ada@example.org")
            let adaLink = signer.token(action: .confirm, subscriptionID: ada, expiresAt: Self.start + LinkTokenSigner.defaultConfirmLifetime)
            #expect(adaLink.count == 67)
            #expect(try await fixture.service.confirm(token: adaLink, method: Self.web) == .confirmed(listTitle: "Ops weekly"))

            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "grace@example.org", method: Self.web)
            let grace = try await fixture.subscriptionID("grace@example.org")
            let graceLink = signer.token(action: .confirm, subscriptionID: grace, expiresAt: Self.start + LinkTokenSigner.defaultConfirmLifetime)
            fixture.clock.set(Self.start + .minutes(5))
            _ = try await fixture.service.unsubscribe(token: try unsubscribeToken(fixture.service.unsubscribeLink(subscriptionID: grace)), method: Self.web)
            fixture.clock.set(Self.start + .hours(1))
            _ = try await fixture.service.subscribe(listSlug: "ops-weekly", address: "grace@example.org", method: Self.web)
            await #expect(throws: SubscriptionServiceError.invalidLink) { try await fixture.service.confirm(token: graceLink, method: Self.web) }
            #expect(try await fixture.subscription("grace@example.org").state == .pending)
        }
    }
}

extension SubscriptionFixture {
    /// The key the fixture's service signs with.
    static let secretKey = String(repeating: "k", count: 32)

    /// Another service on the fixture's store, key and clock, with its own confirm link lifetime:
    /// a second program (the CLI beside the daemon) or the daemon after a configuration change.
    func service(linkLifetime: Duration) throws -> SubscriptionService {
        var logger = Logger(label: "itsm.tests.confirm-links")
        logger.logLevel = .critical
        let clock = clock
        return try SubscriptionService(
            store: store, signer: try LinkTokenSigner(secretKey: Self.secretKey),
            publicBaseURL: try #require(URL(string: "https://itsm.example.org/")),
            policy: SubscriptionPolicy(confirmLinkLifetime: linkLifetime), now: { clock.now }, logger: logger)
    }
}

private func unsubscribeToken(_ url: URL) throws -> String {
    let components = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false))
    return try #require(components.queryItems?.first { $0.name == "token" }?.value)
}
