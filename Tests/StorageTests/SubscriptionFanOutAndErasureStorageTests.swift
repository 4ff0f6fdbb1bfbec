import Domain
import SQLKit
import Storage
import Testing

/// Fan-out to confirmed recipients, suppression, the consent export and erasure on both engines.
@Suite("Subscription storage: fan-out, consent export and erasure")
struct SubscriptionFanOutAndErasureStorageTests {
    // MARK: Fan-out and suppression

    @Test("confirmed recipients leave out pending, unsubscribed, suppressed and bounced addresses and other lists", arguments: TestEngine.available)
    func confirmedRecipients(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let otherID = try await store.makeList("changes")
            let ada = try await store.confirmed("ada@example.org", name: "Ada Lovelace", listID: listID, at: t0)
            _ = try await store.subscriptions.subscribe(address: try email("bob@example.org"), listID: listID, consent: web, at: m(2))
            let carol = try await store.confirmed("carol@example.org", listID: listID, at: m(4))
            _ = try await store.subscriptions.unsubscribe(subscriptionID: carol, consent: cli, at: m(6))
            let dave = try await store.confirmed("Dave@example.org", name: "Dave", listID: listID, at: m(8))
            _ = try await store.confirmed("erin@example.org", listID: listID, at: m(10))
            let frank = try await store.confirmed("frank@example.org", listID: listID, at: m(12))
            _ = try await store.confirmed("grace@example.org", listID: otherID, at: m(14))

            #expect(try await store.suppressions.suppress(try email("dave@example.org"), source: .admin, reason: "asked by phone", by: cli.method, at: m(20)))
            #expect(try await store.suppressions.suppress(try email("DAVE@example.org"), source: .bounce, reason: "later", by: cli.method, at: m(21)) == false)
            #expect(try await store.suppressions.suppression(of: try email("dave@example.org")) == Suppression(source: .admin, reason: "asked by phone", createdAt: m(20)))
            #expect(try await store.suppressions.isSuppressed(try email("Dave@example.org")))
            #expect(try await store.suppressions.isSuppressed(try email("ada@example.org")) == false)
            // The outbox suppresses after permanent refusals, by its own table.
            try await store.outbox.recordPermanentRefusal(of: ["erin@example.org"], reply: "550 no such user", at: m(22), threshold: 1)

            let recipients = try await store.subscriptions.confirmedRecipients(listID: listID)
            #expect(recipients == [
                ListRecipient(subscriptionID: ada, address: try email("ada@example.org"), name: "Ada Lovelace"),
                ListRecipient(subscriptionID: frank, address: try email("frank@example.org"), name: nil),
            ])

            // A suppressed address cannot subscribe, but stays subscribed until it is lifted.
            await #expect(throws: SubscriptionError.suppressed(address: "dave@example.org", source: .admin)) {
                _ = try await store.subscriptions.subscribe(address: try email("dave@example.org"), listID: otherID, consent: web, at: m(23))
            }
            #expect(try await store.suppressions.unsuppress(try email("dave@example.org"), by: cli.method, at: m(30)))
            #expect(try await store.suppressions.unsuppress(try email("dave@example.org"), by: cli.method, at: m(31)) == false)
            #expect(try await store.subscriptions.confirmedRecipients(listID: listID).map(\.subscriptionID) == [ada, dave, frank])
            #expect(try await store.consent.records(for: try email("dave@example.org")).map(\.action) == [.subscribed, .confirmed, .suppressed, .unsuppressed])
            #expect(try await store.database.rowCount("suppressions") == 0)
        }
    }

    @Test("a fan-out batch keeps only the subscriptions still confirmed in its transaction: not those unsubscribed or erased since its page was read", arguments: TestEngine.available)
    func confirmedAmongInTransaction(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let ada = try await store.confirmed("ada@example.org", listID: listID, at: t0)
            let bob = try await store.confirmed("bob@example.org", listID: listID, at: m(1))
            let carol = try await store.confirmed("carol@example.org", listID: listID, at: m(2))
            let page = try await store.subscriptions.confirmedRecipients(listID: listID).map(\.subscriptionID)
            #expect(page == [ada, bob, carol])
            // Between reading the page and enqueueing it: Bob leaves, Carol is erased.
            _ = try await store.subscriptions.unsubscribe(subscriptionID: bob, consent: cli, at: m(3))
            try await store.consent.erase(try email("carol@example.org"), at: m(4))
            let current = try await store.transaction { tx in try await store.subscriptions.confirmed(among: page, in: tx) }
            #expect(current == [ada])
        }
    }

    @Test("the consent export lists every record of a person, oldest first, with how and where it was given", arguments: TestEngine.available)
    func consentExport(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let otherID = try await store.makeList("changes")
            let ada = try email("ada@example.org")
            let id = try #require(try await store.subscriptions.subscribe(address: ada, listID: listID, consent: web, at: t0).subscription.id)
            _ = try await store.subscriptions.confirm(subscriptionID: id, consent: webConfirm, at: m(5))
            _ = try await store.subscriptions.unsubscribe(subscriptionID: id, consent: cli, at: m(60))
            try await store.suppressions.suppress(ada, source: .bounce, reason: nil, by: .system(reason: "hard bounce"), at: m(90))
            try await store.suppressions.unsuppress(ada, by: cli.method, at: m(91))
            // Written last, but a day earlier (an operator recording an older sign-up): the export goes by time.
            _ = try await store.subscriptions.subscribe(address: ada, listID: otherID, consent: cli, at: d(-1))
            _ = try await store.subscriptions.subscribe(address: try email("bob@example.org"), listID: listID, consent: web, at: m(1))

            let records = try await store.consent.records(for: ada)
            #expect(records == [
                ConsentRecord(stored: d(-1), action: .subscribed, method: .cli(operator: "grace", reason: "asked by phone"), confirmationText: nil, listSlug: "changes"),
                ConsentRecord(
                    stored: t0, action: .subscribed, method: .web(ipAddress: "192.0.2.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64)"),
                    confirmationText: "Send me the weekly operations digest.", listSlug: "ops-weekly"
                ),
                ConsentRecord(
                    stored: m(5), action: .confirmed, method: .web(ipAddress: "2001:db8::7", userAgent: nil),
                    confirmationText: "Confirm subscription", listSlug: "ops-weekly"
                ),
                ConsentRecord(stored: m(60), action: .unsubscribed, method: .cli(operator: "grace", reason: "asked by phone"), confirmationText: nil, listSlug: "ops-weekly"),
                ConsentRecord(stored: m(90), action: .suppressed, method: .system(reason: "hard bounce"), confirmationText: nil, listSlug: nil),
                ConsentRecord(stored: m(91), action: .unsuppressed, method: .cli(operator: "grace", reason: "asked by phone"), confirmationText: nil, listSlug: nil),
            ])
            #expect(try await store.consent.records(for: try email("nobody@example.org")) == [])
        }
    }

    // MARK: Erasure

    @Test("erasing a person removes every row about them and leaves only the address's SHA-256 as a suppression", arguments: TestEngine.available)
    func erase(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let otherID = try await store.makeList("changes")
            _ = try await store.confirmed("Ada@example.org", name: "Ada", listID: listID, at: t0)
            _ = try await store.subscriptions.subscribe(address: try email("ada@example.org"), listID: otherID, consent: web, at: m(3))
            let bob = try await store.confirmed("bob@example.org", listID: listID, at: m(4))
            try await store.outbox.recordPermanentRefusal(of: ["ada@example.org"], reply: "550 <ada@example.org> unknown", at: m(6), threshold: 5)
            try await store.suppressions.suppress(try email("nobody@example.org"), source: .admin, reason: "nobody@example.org asked", by: cli.method, at: m(7))
            // ada: 2 subscriptions, 3 consent records, 3 events; bob: 1, 2, 2.
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 2, subscribers: 2, subscriptions: 3, consent: 5, events: 5, suppressions: 1, bounces: 1))

            let erasure = try await store.consent.erase(try email("ADA@Example.org"), at: m(30))
            #expect(erasure == Erasure(subscriberFound: true, subscriptions: 2, consentRecords: 3))
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 2, subscribers: 1, subscriptions: 1, consent: 2, events: 2, suppressions: 2))
            #expect(try await store.subscriptions.existingSubscriber(try email("ada@example.org")) == nil)
            #expect(try await store.consent.records(for: try email("ada@example.org")) == [])
            #expect(try await store.subscriptions.get(bob).state == .confirmed)
            #expect(try await store.consent.records(for: try email("bob@example.org")).count == 2)

            // An address without a subscriber is suppressed all the same; an earlier suppression's reason goes.
            let nobody = try await store.consent.erase(try email("nobody@example.org"), at: m(31))
            #expect(nobody == Erasure(subscriberFound: false, subscriptions: 0, consentRecords: 0))

            let rows = try await store.database.withSession { db in
                try await db.raw("SELECT address_hash, reason, source, created_at_us FROM suppressions ORDER BY created_at_us").all().map { row in
                    [
                        try row.decode(column: "address_hash", as: String.self), try row.decode(column: "reason", as: String?.self) ?? "-",
                        try row.decode(column: "source", as: String.self), String(try row.decode(column: "created_at_us", as: Int64.self)),
                    ]
                }
            }
            // printf '%s' 'ada@example.org' | sha256sum, and the same for nobody@example.org.
            #expect(rows == [
                ["cfe00dde46ef942601ffafb9e2825e802858b460e586b8305b344c1eb826357d", "-", "erased", "1772443800000000"],
                ["562b23229c385803090e3a1e8ec8e846ed154fbf0a9027c8065e43f19ea02264", "-", "erased", "1772443860000000"],
            ])
        }
    }

    @Test("an erased address cannot subscribe again and the refusal writes nothing, until the suppression is lifted", arguments: TestEngine.available)
    func erasedAddressRefused(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            _ = try await store.confirmed("ada@example.org", listID: listID, at: t0)
            try await store.consent.erase(try email("ada@example.org"), at: m(10))
            let before = try await store.database.rowCounts(subscriptionTables)
            #expect(before == counts(lists: 1, subscribers: 0, subscriptions: 0, consent: 0, events: 0, suppressions: 1))

            await #expect(throws: SubscriptionError.suppressed(address: "Ada@example.org", source: .erased)) {
                _ = try await store.subscriptions.subscribe(address: try email("Ada@example.org"), name: "Ada", listID: listID, consent: web, at: m(11))
            }
            await #expect(throws: SubscriptionError.suppressed(address: "ada@example.org", source: .erased)) {
                _ = try await store.subscriptions.subscriber(for: try email("ada@example.org"), at: m(11))
            }
            #expect(try await store.database.rowCounts(subscriptionTables) == before)
            #expect(SubscriptionError.suppressed(address: "ada@example.org", source: .erased).description
                == "'ada@example.org' is suppressed (its data was erased on request) and cannot be subscribed; an administrator can lift the suppression first")

            #expect(try await store.suppressions.unsuppress(try email("ada@example.org"), by: cli.method, at: m(20)))
            let again = try await store.subscriptions.subscribe(address: try email("ada@example.org"), listID: listID, consent: web, at: m(21))
            #expect(again.effect == .created)
            #expect(try await store.consent.records(for: try email("ada@example.org")).map(\.action) == [.subscribed])
        }
    }
}
