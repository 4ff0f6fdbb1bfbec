import Domain
import SQLKit
import Storage
import Testing

/// Mailing lists, subscribers, double opt-in, consent records, suppression and erasure on both engines.
@Suite("Subscription storage")
struct SubscriptionStorageTests {
    // MARK: Lists

    @Test("a list keeps every field through create, save and read; a taken slug and a stale save are refused", arguments: TestEngine.available)
    func listRoundTrip(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let list = try opsWeekly()
            let created = try await store.mailingLists.create(list, at: t0)
            let id = try #require(created.id)
            var expected = list
            expected.id = id
            expected.version = 1
            #expect(created == expected)
            #expect(created.slug == "ops-weekly")
            #expect(created.title == "Operations weekly")
            #expect(created.description == "What happened in operations.\nEvery Monday.")
            #expect(created.sender.address.address == "itsm@example.org")
            #expect(created.sender.name == "ITSM desk")
            #expect(created.replyTo?.address == "ops@example.org")
            #expect(created.digest.stages == [.operation, .transition])
            #expect(created.digest.serviceIDs == [3, 7])  // given as [7, 3, 7]
            #expect(created.digest.minimumPriority == .p2)
            #expect(created.schedule == "weekly MON 08:00")
            #expect(created.timeZoneIdentifier == "Europe/Berlin")
            #expect(created.templateFolder == "/etc/itsm/templates/ops")
            #expect(created.requiresConfirmation == false)

            let row = try #require(try await store.database.withSession { db in
                try await db.raw("SELECT digest_stages, digest_service_ids, created_at_us FROM mailing_lists").first()
            })
            #expect(try row.decode(column: "digest_stages", as: String.self) == #"["transition","operation"]"#)  // lifecycle order
            #expect(try row.decode(column: "digest_service_ids", as: String.self) == "[3,7]")
            #expect(try row.decode(column: "created_at_us", as: Int64.self) == 1_772_442_000_000_000)

            // The fields left empty read back empty; confirmation is required unless turned off.
            let bare = try await store.mailingLists.create(
                try MailingList(
                    slug: "changes", title: "Changes", sender: try ListSender(address: try email("itsm@example.org")),
                    digest: try DigestSelection(stages: [.transition]), schedule: "daily 07:00", timeZoneIdentifier: "UTC"
                ),
                at: m(1)
            )
            #expect(bare.description == nil && bare.sender.name == nil && bare.replyTo == nil && bare.templateFolder == nil)
            #expect(bare.digest.serviceIDs == [] && bare.digest.minimumPriority == .p4 && bare.requiresConfirmation)

            await #expect(throws: StorageError.duplicate(record: "mailing list", field: "slug", value: "ops-weekly")) {
                _ = try await store.mailingLists.create(try opsWeekly(title: "Another"), at: m(2))
            }

            var edited = created
            edited.title = "Ops weekly"
            edited.digest = try DigestSelection(stages: [.improvement], serviceIDs: [], minimumPriority: .p1)
            edited.requiresConfirmation = true
            let saved = try await store.mailingLists.save(edited)
            edited.version = 2
            #expect(saved == edited)
            #expect(try await store.mailingLists.get(id) == edited)
            #expect(try await store.mailingLists.get(slug: "ops-weekly") == edited)
            #expect(try await store.mailingLists.get(slug: "nope") == nil)
            #expect(try await store.mailingLists.list().map(\.slug) == ["changes", "ops-weekly"])

            await #expect(throws: StorageError.concurrentUpdate(record: "mailing list", id: id)) {
                _ = try await store.mailingLists.save(created)  // still at version 1
            }
            var clash = saved
            clash.slug = "changes"
            await #expect(throws: StorageError.duplicate(record: "mailing list", field: "slug", value: "changes")) {
                _ = try await store.mailingLists.save(clash)
            }
            #expect(try await store.database.rowCount("mailing_lists") == 2)
        }
    }

    // MARK: Double opt-in

    @Test("subscribing makes a pending subscription and a consent record; subscribing again adds only a consent record", arguments: TestEngine.available)
    func subscribeTwice(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let first = try await store.subscriptions.subscribe(address: try email("ada@example.org"), name: "Ada Lovelace", listID: listID, consent: web, at: t0)
            let id = try #require(first.subscription.id)
            #expect(first.effect == .created)
            #expect(first.subscription.state == .pending)
            #expect(first.subscription.version == 1)
            #expect(first.subscription.listID == listID)
            #expect(first.subscription.subscriberID == first.subscriber.id)
            #expect(first.subscription.subscribedAt == t0)
            #expect(first.subscriber.address.address == "ada@example.org")
            #expect(first.subscriber.name == "Ada Lovelace")
            #expect(first.subscriber.createdAt == t0)
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 1, subscribers: 1, subscriptions: 1, consent: 1, events: 1))

            let consent = try #require(try await store.database.withSession { db in
                try await db.raw("SELECT * FROM consent_records").first()
            })
            #expect(try consent.decode(column: "subscriber_id", as: Int64.self) == first.subscriber.id)
            #expect(try consent.decode(column: "list_slug", as: String?.self) == "ops-weekly")
            #expect(try consent.decode(column: "at_us", as: Int64.self) == 1_772_442_000_000_000)
            #expect(try consent.decode(column: "action", as: String.self) == "subscribed")
            #expect(try consent.decode(column: "method", as: String.self) == "web")
            #expect(try consent.decode(column: "ip_address", as: String?.self) == "192.0.2.7")
            #expect(try consent.decode(column: "user_agent", as: String?.self) == "Mozilla/5.0 (X11; Linux x86_64)")
            #expect(try consent.decode(column: "operator", as: String?.self) == nil)
            #expect(try consent.decode(column: "reason", as: String?.self) == nil)
            #expect(try consent.decode(column: "confirmation_text", as: String?.self) == "Send me the weekly operations digest.")

            // A public form must not rename somebody: the name given again is not taken.
            let again = try await store.subscriptions.subscribe(address: try email("ada@example.org"), name: "Mallory", listID: listID, consent: web, at: m(3))
            #expect(again.effect == .existing(.alreadyPending))
            #expect(again.subscription == first.subscription)
            #expect(again.subscriber == first.subscriber)
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 1, subscribers: 1, subscriptions: 1, consent: 2, events: 1))
            #expect(try await store.subscriptions.get(id) == first.subscription)

            // A name that could break a header is refused, and nothing is written.
            await #expect(throws: DomainError.invalidField(field: "name", value: "Eve\r\nBcc: x@example.net", expected: "one line of text without control characters")) {
                _ = try await store.subscriptions.subscribe(
                    address: try email("eve@example.org"), name: "Eve\r\nBcc: x@example.net", listID: listID, consent: web, at: m(4)
                )
            }
            await #expect(throws: StorageError.notFound(record: "mailing list", id: listID + 100)) {
                _ = try await store.subscriptions.subscribe(address: try email("eve@example.org"), listID: listID + 100, consent: web, at: m(4))
            }
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 1, subscribers: 1, subscriptions: 1, consent: 2, events: 1))
        }
    }

    @Test("confirm, unsubscribe and subscribe again follow the domain's outcomes; every move is in the audit trail", arguments: TestEngine.available)
    func lifecycle(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let ada = try email("ada@example.org")
            let id = try #require(try await store.subscriptions.subscribe(address: ada, listID: listID, consent: web, at: t0).subscription.id)

            let confirmed = try await store.subscriptions.confirm(subscriptionID: id, consent: webConfirm, at: m(5))
            #expect(confirmed.outcome == .confirmed)
            #expect(confirmed.subscription.state == .confirmed)
            #expect(confirmed.subscription.version == 2)
            #expect(confirmed.subscription.confirmedAt == m(5))
            #expect(try await store.database.rowCount("consent_records") == 2)

            let twice = try await store.subscriptions.confirm(subscriptionID: id, consent: webConfirm, at: m(6))
            #expect(twice.outcome == .alreadyConfirmed)
            #expect(twice.subscription == confirmed.subscription)
            #expect(try await store.database.rowCount("consent_records") == 2)  // nothing changed, nothing written

            let subscribedWhileConfirmed = try await store.subscriptions.subscribe(address: ada, listID: listID, consent: web, at: m(10))
            #expect(subscribedWhileConfirmed.effect == .existing(.alreadyConfirmed))
            #expect(subscribedWhileConfirmed.subscription == confirmed.subscription)
            #expect(try await store.database.rowCount("consent_records") == 3)

            let left = try await store.subscriptions.unsubscribe(subscriptionID: id, consent: cli, at: m(60))
            #expect(left.outcome == .unsubscribed)
            #expect(left.subscription.state == .unsubscribed)
            #expect(left.subscription.version == 3)
            #expect(left.subscription.unsubscribedAt == m(60))
            #expect(left.subscription.confirmedAt == nil)
            let leftTwice = try await store.subscriptions.unsubscribe(subscriptionID: id, consent: cli, at: m(61))
            #expect(leftTwice.outcome == .alreadyUnsubscribed)
            #expect(leftTwice.subscription == left.subscription)
            #expect(try await store.database.rowCount("consent_records") == 4)

            // An old confirm link must not re-subscribe.
            await #expect(throws: DomainError.illegalTransition(record: "subscription", from: "unsubscribed", to: "confirmed")) {
                _ = try await store.subscriptions.confirm(subscriptionID: id, consent: webConfirm, at: m(62))
            }

            let back = try await store.subscriptions.subscribe(address: ada, listID: listID, consent: web, at: m(120))
            #expect(back.effect == .existing(.resubscribed))
            #expect(back.subscription.id == id)
            #expect(back.subscription.state == .pending)
            #expect(back.subscription.version == 4)
            #expect(back.subscription.subscribedAt == m(120))
            #expect(back.subscription.unsubscribedAt == nil)
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 1, subscribers: 1, subscriptions: 1, consent: 5, events: 4))

            let read = try await store.subscriptions.get(id)
            #expect(read == back.subscription)
            #expect(read.withoutEventIDs.events == [
                event(t0, "subscriber (web)", .created, to: SubscriptionState.pending),
                event(m(5), "subscriber (web)", .transitioned, from: SubscriptionState.pending, to: .confirmed),
                event(m(60), "grace", .transitioned, from: SubscriptionState.confirmed, to: .unsubscribed),
                event(m(120), "subscriber (web)", .transitioned, from: SubscriptionState.unsubscribed, to: .pending),
            ])
            #expect(areAscending(read.eventIDs))

            let trail = try await store.database.withSession { db in
                try await db.raw("""
                    SELECT record_id, at_us, actor, action, from_state, to_state FROM record_events
                    WHERE record_kind = 'subscription' ORDER BY id
                    """).all().map { row in
                    [
                        String(try row.decode(column: "record_id", as: Int64.self)), String(try row.decode(column: "at_us", as: Int64.self)),
                        try row.decode(column: "actor", as: String.self), try row.decode(column: "action", as: String.self),
                        try row.decode(column: "from_state", as: String?.self) ?? "-", try row.decode(column: "to_state", as: String?.self) ?? "-",
                    ]
                }
            }
            #expect(trail == [
                ["\(id)", "1772442000000000", "subscriber (web)", "created", "-", "pending"],
                ["\(id)", "1772442300000000", "subscriber (web)", "transitioned", "pending", "confirmed"],
                ["\(id)", "1772445600000000", "grace", "transitioned", "confirmed", "unsubscribed"],
                ["\(id)", "1772449200000000", "subscriber (web)", "transitioned", "unsubscribed", "pending"],
            ])
            let columns = try #require(try await store.database.withSession { db in
                try await db.raw("SELECT state, subscribed_at_us, confirmed_at_us, unsubscribed_at_us FROM subscriptions").first()
            })
            #expect(try columns.decode(column: "state", as: String.self) == "pending")
            #expect(try columns.decode(column: "subscribed_at_us", as: Int64.self) == 1_772_449_200_000_000)
            #expect(try columns.decode(column: "confirmed_at_us", as: Int64?.self) == nil)
            #expect(try columns.decode(column: "unsubscribed_at_us", as: Int64?.self) == nil)
            #expect(try await store.subscriptions.subscriptions(listID: listID, state: .pending).map(\.id) == [id])
            #expect(try await store.subscriptions.subscriptions(listID: listID, state: .confirmed).isEmpty)
        }
    }

    @Test("an address differing only in case is the same subscriber, kept as first given", arguments: TestEngine.available)
    func caseInsensitiveAddress(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let first = try await store.subscriptions.subscribe(address: try email("Ada@Example.org"), name: "Ada", listID: listID, consent: web, at: t0)
            let second = try await store.subscriptions.subscribe(address: try email("ada@example.org"), listID: listID, consent: web, at: m(1))
            #expect(second.effect == .existing(.alreadyPending))
            #expect(second.subscriber.id == first.subscriber.id)
            #expect(second.subscription.id == first.subscription.id)
            #expect(first.subscriber.address.address == "Ada@example.org")  // the domain is lower-cased, the local part kept
            #expect(try await store.database.rowCount("subscribers") == 1)
            #expect(try await store.subscriptions.existingSubscriber(try email("ADA@EXAMPLE.ORG"))?.address.address == "Ada@example.org")
            #expect(try await store.subscriptions.subscription(listID: listID, address: try email("aDa@example.ORG"))?.id == first.subscription.id)
            #expect(try await store.subscriptions.subscription(listID: listID, address: try email("bob@example.org")) == nil)
            #expect(try await store.subscriptions.subscriber(for: try email("ADA@example.org"), at: m(2)).id == first.subscriber.id)
            #expect(try await store.consent.records(for: try email("ADA@EXAMPLE.ORG")).count == 2)
        }
    }

    @Test("concurrent subscribe requests for one address make one subscriber and one subscription", arguments: TestEngine.available)
    func concurrentSubscribes(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let subscriptions = store.subscriptions
            let effects = try await withThrowingTaskGroup(of: SubscribeEffect.self) { group in
                for request in 0..<6 {
                    group.addTask {
                        try await subscriptions.subscribe(address: try email("ada@example.org"), listID: listID, consent: web, at: m(Int64(request))).effect
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(effects.filter { $0 == .created }.count == 1)
            #expect(effects.filter { $0 == .existing(.alreadyPending) }.count == 5)
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 1, subscribers: 1, subscriptions: 1, consent: 6, events: 1))
        }
    }

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

    // MARK: Deleting lists, transactions

    @Test("a list with confirmed subscribers is deleted only with force, taking its subscriptions and their trails", arguments: TestEngine.available)
    func deleteList(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let pendingOnlyID = try await store.makeList("changes")
            _ = try await store.confirmed("ada@example.org", listID: listID, at: t0)
            _ = try await store.subscriptions.subscribe(address: try email("bob@example.org"), listID: listID, consent: web, at: m(2))
            _ = try await store.subscriptions.subscribe(address: try email("grace@example.org"), listID: pendingOnlyID, consent: web, at: m(3))
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 2, subscribers: 3, subscriptions: 3, consent: 4, events: 4))

            #expect(try await store.mailingLists.delete(pendingOnlyID) == 1)
            await #expect(throws: SubscriptionError.listHasConfirmedSubscribers(slug: "ops-weekly", count: 1)) {
                try await store.mailingLists.delete(listID)
            }
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 1, subscribers: 3, subscriptions: 2, consent: 4, events: 3))

            #expect(try await store.mailingLists.delete(listID, force: true) == 2)
            // Subscribers and their consent records stay; the records name the list by slug.
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 0, subscribers: 3, subscriptions: 0, consent: 4, events: 0))
            await #expect(throws: StorageError.notFound(record: "mailing list", id: listID)) { _ = try await store.mailingLists.get(listID) }
            await #expect(throws: StorageError.notFound(record: "mailing list", id: listID)) { try await store.mailingLists.delete(listID) }
        }
    }

    @Test("a transaction that throws after subscribing leaves nothing; one that returns keeps the subscription and its mail", arguments: TestEngine.available)
    func subscribeFollowsItsTransaction(engine: TestEngine) async throws {
        try await withStore(engine) { store in
            let listID = try await store.makeList()
            let subscriptions = store.subscriptions
            let outbox = store.outbox
            await #expect(throws: MailRefused.self) {
                try await store.transaction { transaction in
                    let receipt = try await subscriptions.subscribe(
                        address: try email("ada@example.org"), listID: listID, consent: web, at: t0, in: transaction
                    )
                    #expect(receipt.effect == .created)
                    try await outbox.enqueue(confirmationMail("ada"), at: t0, in: transaction)
                    throw MailRefused()
                }
            }
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 1, subscribers: 0, subscriptions: 0, consent: 0, events: 0))

            let id = try await store.transaction { transaction in
                let receipt = try await subscriptions.subscribe(address: try email("ada@example.org"), listID: listID, consent: web, at: m(1), in: transaction)
                try await outbox.enqueue(confirmationMail("ada"), at: m(1), in: transaction)
                return try #require(receipt.subscription.id)
            }
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 1, subscribers: 1, subscriptions: 1, consent: 1, events: 1, outbox: 1))

            // A confirmation rolled back with its transaction leaves the subscription pending.
            await #expect(throws: MailRefused.self) {
                try await store.transaction { transaction in
                    let confirmed = try await subscriptions.confirm(subscriptionID: id, consent: webConfirm, at: m(5), in: transaction)
                    #expect(confirmed.outcome == .confirmed)
                    throw MailRefused()
                }
            }
            #expect(try await store.subscriptions.get(id).state == .pending)
            #expect(try await store.database.rowCounts(subscriptionTables) == counts(lists: 1, subscribers: 1, subscriptions: 1, consent: 1, events: 1, outbox: 1))
        }
    }
}

// MARK: Fixtures

private struct MailRefused: Error {}

private func email(_ text: String) throws -> EmailAddress { try EmailAddress(parsing: text) }

/// Consent given on the subscribe form.
private let web = ConsentEvidence(
    method: .web(ipAddress: "192.0.2.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64)"), confirmationText: "Send me the weekly operations digest."
)
/// Consent given with the confirm page's button, from a browser that sent no User-Agent.
private let webConfirm = ConsentEvidence(method: .web(ipAddress: "2001:db8::7", userAgent: nil), confirmationText: "Confirm subscription")
/// A change made by an operator with the CLI.
private let cli = ConsentEvidence(method: .cli(operator: "grace", reason: "asked by phone"))

/// The tables subscriptions write, plus the ones erasure and transactions touch.
private let subscriptionTables = [
    "mailing_lists", "subscribers", "subscriptions", "consent_records", "record_events", "suppressions", "mail_bounces", "outbox_messages",
]

/// Expected row counts of `subscriptionTables`.
private func counts(
    lists: Int64, subscribers: Int64, subscriptions: Int64, consent: Int64, events: Int64, suppressions: Int64 = 0, bounces: Int64 = 0, outbox: Int64 = 0
) -> [String: Int64] {
    [
        "mailing_lists": lists, "subscribers": subscribers, "subscriptions": subscriptions, "consent_records": consent,
        "record_events": events, "suppressions": suppressions, "mail_bounces": bounces, "outbox_messages": outbox,
    ]
}

private func opsWeekly(title: String = "Operations weekly") throws -> MailingList {
    try MailingList(
        slug: "ops-weekly", title: title, description: "What happened in operations.\nEvery Monday.",
        sender: try ListSender(address: try email("itsm@example.org"), name: "ITSM desk"), replyTo: try email("ops@example.org"),
        digest: try DigestSelection(stages: [.operation, .transition], serviceIDs: [7, 3, 7], minimumPriority: .p2),
        schedule: "weekly MON 08:00", timeZoneIdentifier: "Europe/Berlin", templateFolder: "/etc/itsm/templates/ops", requiresConfirmation: false
    )
}

private func confirmationMail(_ who: String) -> NewOutboxMessage {
    NewOutboxMessage(
        idempotencyKey: "confirm:ops-weekly:\(who)", kind: "confirmation", priority: 0, sender: "itsm@example.org",
        recipients: ["\(who)@example.org"], messageID: "<confirm-\(who)@example.org>", data: Array("Subject: confirm\r\n\r\nlink\r\n".utf8)
    )
}

extension Subscription: AuditedRecord {}

private extension Store {
    /// A list with this slug (otherwise `opsWeekly`'s fields); returns its id.
    func makeList(_ slug: String = "ops-weekly") async throws -> Int64 {
        var list = try opsWeekly()
        list.slug = slug
        return try #require(try await mailingLists.create(list, at: t0).id)
    }

    /// Subscribes `address` on the web form at `at` and confirms a minute later; returns the subscription's id.
    func confirmed(_ address: String, name: String? = nil, listID: Int64, at: Instant) async throws -> Int64 {
        let receipt = try await subscriptions.subscribe(address: try email(address), name: name, listID: listID, consent: web, at: at)
        let id = try #require(receipt.subscription.id)
        _ = try await subscriptions.confirm(subscriptionID: id, consent: webConfirm, at: at + .minutes(1))
        return id
    }
}
