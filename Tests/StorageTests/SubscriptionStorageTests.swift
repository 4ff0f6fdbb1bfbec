import Domain
import SQLKit
import Storage
import Testing

/// Mailing lists, subscribers, double opt-in, list deletion and transactions on both engines.
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

// MARK: Fixtures used only here

private struct MailRefused: Error {}

private func confirmationMail(_ who: String) -> NewOutboxMessage {
    NewOutboxMessage(
        idempotencyKey: "confirm:ops-weekly:\(who)", kind: "confirmation", priority: 0, sender: "itsm@example.org",
        recipients: ["\(who)@example.org"], messageID: "<confirm-\(who)@example.org>", data: Array("Subject: confirm\r\n\r\nlink\r\n".utf8)
    )
}
