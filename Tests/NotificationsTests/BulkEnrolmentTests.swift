import Domain
import Foundation
import ITSMTestSupport
import Notifications
import Storage
import Testing

/// The file import's bulk path must leave exactly what one `enrol` per address leaves: the same
/// subscriptions, audit trails, consent records and confirmation mails.
struct BulkEnrolmentTests {
    private static let at = Instant(secondsSinceEpoch: 1_772_445_600)  // 2026-03-02 10:00 UTC
    private static let consent = ConsentEvidence(method: .cli(operator: "ops", reason: "migrated from the old tool"))

    /// Fresh addresses (one in mixed case, one already a subscriber of the other list), one pending on
    /// the list already, one suppressed (with a bad name too), one hard-bounced, one with a name that
    /// is not one line, one confirmed on the list already.
    private static let rows: [(address: String, name: String?)] = [
        ("ada@example.org", "Ada Lovelace"),
        ("Grace@Example.ORG", nil),
        ("linus@example.org", "Linus"),
        ("already@example.org", "Already"),
        ("mallory@example.org", "Mallory\r\nMalicious"),  // suppressed: that is the answer, before the name
        ("bounced@example.org", nil),
        ("dora@example.org", "Dora\r\nExplorer"),
        ("kept@example.org", "Kept"),
    ]

    @Test("bulk enrolment writes what one enrol per address writes: subscriptions, events, consent, mails", arguments: StoreEngine.available, [false, true])
    func sameAsOneByOne(engine: StoreEngine, confirmed: Bool) async throws {
        let bulk = try await withSubscriptionFixture(engine) { fixture in
            let list = try await Self.prepare(fixture)
            let rows = try Self.rows.map { BulkEnrolmentRow(address: try EmailAddress(parsing: $0.address), name: $0.name) }
            let results = try await fixture.store.transaction { tx in
                try await fixture.service.enrolNew(list: list, rows: rows, consent: Self.consent, confirmedByOperator: confirmed, at: Self.at, in: tx)
            }
            // The address pending on the list is left to the one-row path, which the import then takes;
            // the confirmed one gets its request recorded here.
            #expect(results.map(Self.kind) == ["enrolled", "enrolled", "enrolled", "oneByOne", "refused", "refused", "refused", "enrolled"])
            if case let .enrolled(enrolment) = results[7] {
                #expect(enrolment.effect == .existing(.alreadyConfirmed))
                #expect(enrolment.subscription.state == .confirmed && !enrolment.confirmationEnqueued)
            }
            if case let .refused(error) = results[4] {
                #expect(error as? SubscriptionError == .suppressed(address: "mallory@example.org", source: .admin))
            }
            if case let .refused(error) = results[5] {
                #expect(error as? SubscriptionError == .suppressed(address: "bounced@example.org", source: .bounce))
            }
            if case let .refused(error) = results[6] {
                #expect("\(error)".hasPrefix("name: "), "\(error)")
            }
            if case let .enrolled(enrolment) = results[0] {
                #expect(enrolment.subscription.state == (confirmed ? .confirmed : .pending))
                #expect(enrolment.confirmationEnqueued == !confirmed)
                #expect(enrolment.subscriber.name == "Ada Lovelace")
            }
            _ = try await fixture.store.transaction { tx in
                try await fixture.service.enrol(
                    list: list, address: try EmailAddress(parsing: "already@example.org"), name: "Already", consent: Self.consent,
                    confirmedByOperator: confirmed, at: Self.at, in: tx)
            }
            return try await Self.snapshot(fixture, list: list)
        }
        let oneByOne = try await withSubscriptionFixture(engine) { fixture in
            let list = try await Self.prepare(fixture)
            for row in Self.rows {
                let address = try EmailAddress(parsing: row.address)
                do {
                    _ = try await fixture.store.transaction { tx in
                        try await fixture.service.enrol(
                            list: list, address: address, name: row.name, consent: Self.consent, confirmedByOperator: confirmed, at: Self.at, in: tx)
                    }
                } catch is SubscriptionError {
                } catch is DomainError {}
            }
            return try await Self.snapshot(fixture, list: list)
        }
        #expect(bulk == oneByOne)

        // By hand: three new subscriptions, each created (and confirmed) with a consent record per move.
        let ada = try #require(bulk.subscriptions["ada@example.org"])
        #expect(ada.state == (confirmed ? "confirmed" : "pending"))
        #expect(ada.version == (confirmed ? 2 : 1))
        #expect(ada.events == (confirmed
            ? ["ops created pending @1772445600", "ops transitioned pending -> confirmed @1772445600"]
            : ["ops created pending @1772445600"]))
        #expect(bulk.consent["ada@example.org"] == (confirmed
            ? ["subscribed ops-weekly ops", "confirmed ops-weekly ops"] : ["subscribed ops-weekly ops"]))
        #expect(bulk.subscriptions["grace@example.org"] != nil)
        #expect(bulk.names["grace@example.org"] == "Grace")  // the existing subscriber's name is kept
        #expect(bulk.subscriptions["mallory@example.org"] == nil && bulk.subscriptions["dora@example.org"] == nil)
        #expect(bulk.subscriptions["bounced@example.org"] == nil)
        // Confirmed a day before: unchanged, with this request's consent record only.
        #expect(bulk.subscriptions["kept@example.org"]?.state == "confirmed")
        #expect(bulk.subscriptions["kept@example.org"]?.version == 2)
        #expect(bulk.consent["kept@example.org"] == ["subscribed ops-weekly ops"])
        #expect(bulk.mails == (confirmed ? [] : ["ada@example.org", "already@example.org", "grace@example.org", "linus@example.org"]))
    }

    @Test("a batch with an address twice is refused whole, before anything is written", arguments: StoreEngine.available)
    func duplicatesRefused(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            let list = try await Self.prepare(fixture)
            let rows = try ["ada@example.org", "ADA@example.org"].map { BulkEnrolmentRow(address: try EmailAddress(parsing: $0), name: nil) }
            await #expect(throws: DomainError.self) {
                try await fixture.store.transaction { tx in
                    try await fixture.service.enrolNew(list: list, rows: rows, consent: Self.consent, confirmedByOperator: true, at: Self.at, in: tx)
                }
            }
            #expect(try await fixture.store.subscriptions.existingSubscriber(try EmailAddress(parsing: "ada@example.org")) == nil)
        }
    }

    @Test("an address confirmed on the list and asked for at this instant before (an earlier row of the same import) is left to the one-row path", arguments: StoreEngine.available)
    func confirmedAskedBefore(engine: StoreEngine) async throws {
        try await withSubscriptionFixture(engine) { fixture in
            let list = try await Self.prepare(fixture)
            let kept = try EmailAddress(parsing: "kept@example.org")
            _ = try await fixture.store.transaction { tx in
                try await fixture.service.enrol(list: list, address: kept, name: nil, consent: Self.consent, confirmedByOperator: true, at: Self.at, in: tx)
            }
            let results = try await fixture.store.transaction { tx in
                try await fixture.service.enrolNew(
                    list: list, rows: [BulkEnrolmentRow(address: kept, name: nil)], consent: Self.consent, confirmedByOperator: true, at: Self.at, in: tx)
            }
            #expect(results.map(Self.kind) == ["oneByOne"])
            // One request recorded at this instant: the first one's.
            let records = try await fixture.store.consent.records(for: kept).filter { $0.at == Self.at }
            #expect(records.map(\.action) == [.subscribed])
        }
    }

    /// The list, with Grace subscribed to the other list, "already" pending on this one, "kept"
    /// confirmed on it, Mallory
    /// suppressed and "bounced" past the hard-bounce threshold; the outbox emptied.
    private static func prepare(_ fixture: SubscriptionFixture) async throws -> MailingList {
        let list = try #require(try await fixture.store.mailingLists.get(slug: "ops-weekly"))
        let open = try #require(try await fixture.store.mailingLists.get(slug: "ops-open"))
        let earlier = at - .hours(24)
        _ = try await fixture.store.transaction { tx in
            _ = try await fixture.service.enrol(
                list: open, address: try EmailAddress(parsing: "grace@example.org"), name: "Grace", consent: consent,
                confirmedByOperator: true, at: earlier, in: tx)
            _ = try await fixture.service.enrol(
                list: list, address: try EmailAddress(parsing: "kept@example.org"), name: "Kept", consent: consent,
                confirmedByOperator: true, at: earlier, in: tx)
            return try await fixture.service.enrol(
                list: list, address: try EmailAddress(parsing: "already@example.org"), name: "Already", consent: consent,
                confirmedByOperator: false, at: earlier, in: tx)
        }
        try await fixture.store.suppressions.suppress(
            try EmailAddress(parsing: "mallory@example.org"), source: .admin, reason: "asked never to be mailed", by: .cli(operator: "ops", reason: nil),
            at: earlier)
        _ = try await fixture.store.outbox.recordPermanentRefusal(of: ["bounced@example.org"], reply: "550 no such user", at: earlier, threshold: 1)
        let queued = try await fixture.store.outbox.claim(limit: 100, worker: "test", now: earlier, lease: .seconds(60))
        try await fixture.store.outbox.markSent(queued.map { ($0.id, "250 test") }, at: earlier)
        return list
    }

    private struct Snapshot: Equatable {
        struct Row: Equatable {
            var state: String
            var version: Int
            var events: [String]
        }

        var subscriptions: [String: Row] = [:]
        var names: [String: String?] = [:]
        var consent: [String: [String]] = [:]
        var mails: [String] = []
    }

    /// What the public API shows after an import, keyed by lower-cased address (ids differ between databases).
    private static func snapshot(_ fixture: SubscriptionFixture, list: MailingList) async throws -> Snapshot {
        var snapshot = Snapshot()
        for row in rows {
            let address = try EmailAddress(parsing: row.address)
            let key = address.address.lowercased()
            if let subscriber = try await fixture.store.subscriptions.existingSubscriber(address) { snapshot.names.updateValue(subscriber.name, forKey: key) }
            if let subscription = try await fixture.store.subscriptions.subscription(listID: try #require(list.id), address: address) {
                snapshot.subscriptions[key] = Snapshot.Row(
                    state: subscription.state.rawValue, version: subscription.version,
                    events: subscription.events.map { event in
                        let move = [event.from?.rawValue, event.to?.rawValue].compactMap { $0 }.joined(separator: " -> ")
                        return "\(event.actor) \(event.action.rawValue) \(move) @\(event.at.microsecondsSinceEpoch / 1_000_000)"
                    })
            }
            let records = try await fixture.store.consent.records(for: address).filter { $0.listSlug == list.slug && $0.at == at }
            if !records.isEmpty {
                snapshot.consent[key] = records.map { record in
                    let who = if case let .cli(name, _) = record.method { name } else { "?" }
                    return "\(record.action.rawValue) \(record.listSlug ?? "-") \(who)"
                }
            }
        }
        snapshot.mails = try await fixture.store.outbox.list(status: .queued).flatMap(\.recipients).sorted()
        return snapshot
    }

    private static func kind(_ result: BulkEnrolment) -> String {
        switch result {
        case .enrolled: "enrolled"
        case .refused: "refused"
        case .oneByOne: "oneByOne"
        }
    }
}
