import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ITSMTestSupport
import Notifications
import Synchronization
import Testing
@testable import SubscriptionPages


@Suite("Per-client subscribe limit")
struct RateLimitTests {
    @Test("3 per minute: a burst of 3, the 4th waits 20 s, then one every 20 s")
    func cellRate() throws {
        let clock = ManualClock(start)
        let limit = try #require(SubscribeRateLimit(requests: 3, window: .seconds(60)))
        let limiter = SubscribeRateLimiter(limit: limit, now: { clock.now })
        #expect((1...3).map { _ in limiter.admit(client: "192.0.2.1") } == Array(repeating: .admitted, count: 3))
        #expect(limiter.admit(client: "192.0.2.1") == .refused(retryAfter: .seconds(20)))
        // A refusal takes nothing from the allowance: 19 s later it is still 1 s away.
        clock.advance(by: .seconds(19))
        #expect(limiter.admit(client: "192.0.2.1") == .refused(retryAfter: .seconds(1)))
        clock.advance(by: .seconds(1))
        #expect(limiter.admit(client: "192.0.2.1") == .admitted)
        #expect(limiter.admit(client: "192.0.2.1") == .refused(retryAfter: .seconds(20)))
        // Another client has its own allowance; after a quiet minute the first has its burst back.
        #expect(limiter.admit(client: "192.0.2.2") == .admitted)
        clock.advance(by: .seconds(60))
        #expect((1...3).map { _ in limiter.admit(client: "192.0.2.1") } == Array(repeating: .admitted, count: 3))
    }

    @Test("an IPv6 client is counted by its /64; an IPv4-mapped address as the IPv4 address", arguments: [
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:0db8:0001:0002::", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80:0:0:0::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("192.0.2.7", "192.0.2.7"),
    ])
    func clientKey(address: String, key: String) {
        #expect(SubscribeRateLimiter.key(for: address) == key)
    }

    @Test("two addresses in one /64 share an allowance; the next /64 does not")
    func ipv6Prefix() throws {
        let limiter = SubscribeRateLimiter(limit: try #require(SubscribeRateLimit(requests: 1, window: .seconds(60))), now: { start })
        #expect(limiter.admit(client: "2001:db8::1") == .admitted)
        #expect(limiter.admit(client: "2001:db8::2") == .refused(retryAfter: .seconds(60)))
        #expect(limiter.admit(client: "2001:db8:0:1::1") == .admitted)
    }

    @Test("a zero or negative limit is no limit at all")
    func invalidLimits() {
        #expect(SubscribeRateLimit(requests: 0, window: .seconds(60)) == nil)
        #expect(SubscribeRateLimit(requests: 5, window: .zero) == nil)
        #expect(SubscribeRateLimit.default == SubscribeRateLimit(requests: 20, window: .seconds(600)))
    }

    @Test("over the limit: 429 with Retry-After, nothing read or written; another client and a later request pass")
    func pagesRefuse() async throws {
        try await withPagesFixture { fixture in
            let clock = ManualClock(start)
            let service = try SubscriptionService(
                store: fixture.store, signer: fixture.service.signer, publicBaseURL: fixture.service.publicBaseURL,
                now: { clock.now }, logger: quietLogger)
            // The test channel's peer (203.0.113.5) is made a proxy so X-Forwarded-For can name other clients.
            let options = SubscriptionPagesOptions(
                trustedProxies: ["203.0.113.5"], subscribeLimit: try #require(SubscribeRateLimit(requests: 2, window: .minutes(10))))
            let application = Application(
                router: SubscriptionPages(service: service, options: options).router(context: PeerContext.self), logger: quietLogger)
            try await application.test(.router) { client in
                func subscribe(_ address: String, from ip: String) async throws -> TestResponse {
                    var headers = formHeaders
                    headers[HTTPField.Name("X-Forwarded-For") ?? .via] = ip
                    return try await client.execute(
                        uri: "/lists/ops-weekly/subscribe", method: .post, headers: headers, body: form([("email", address)]))
                }
                #expect(try await subscribe("a@example.org", from: "198.51.100.1").status == .ok)
                #expect(try await subscribe("b@example.org", from: "198.51.100.1").status == .ok)
                let refused = try await subscribe("c@example.org", from: "198.51.100.1")
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter] == "300")
                #expect(refused.text.contains("<title>Too many requests</title>"))
                #expect(refused.text.contains("try again in 5 minutes"))
                expectSecurityHeaders(refused)
                // Refused before the body or the list is read: even a bad address or an unknown list is 429.
                #expect(try await subscribe("not an address", from: "198.51.100.1").status == .tooManyRequests)
                #expect(try await fixture.store.outbox.list().count == 2)
                #expect(try await fixture.store.consent.records(for: try EmailAddress(parsing: "c@example.org")).isEmpty)

                #expect(try await subscribe("d@example.org", from: "198.51.100.2").status == .ok)
                clock.advance(by: .minutes(5))
                #expect(try await subscribe("c@example.org", from: "198.51.100.1").status == .ok)
                #expect(try await fixture.store.outbox.list().count == 4)
            }
        }
    }

    @Test("a flood of 1,000 sign-ups for distinct addresses from one client enqueues exactly the 20 the default allows")
    func flood() async throws {
        try await withPagesFixture { fixture in
            try await fixture.application.test(.router) { client in
                var statuses: [HTTPResponse.Status: Int] = [:]
                for index in 0..<1_000 {
                    let response = try await client.execute(
                        uri: "/lists/ops-weekly/subscribe", method: .post, headers: formHeaders,
                        body: form([("email", "victim\(index)@example.org")]))
                    statuses[response.status, default: 0] += 1
                }
                #expect(statuses == [.ok: 20, .tooManyRequests: 980])
                let outbox = try await fixture.store.outbox.list()
                #expect(outbox.count == 20)
            }
        }
    }
}
