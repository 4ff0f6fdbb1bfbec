import Domain
import Foundation
import Notifications
import Reporting
import Storage

/// What `itsm digest send LIST --to EMAIL` enqueued: one marked copy, outside the list's runs.
public struct DigestTestSend: Sendable, Hashable {
    public var listSlug: String
    public var period: ReportingPeriod
    public var address: EmailAddress
    /// The subject as mailed, with the test prefix.
    public var subject: String
    /// Unique per test send (`digest-test:<list>:<period>:<uuid>`): a second test send is a second mail.
    public var idempotencyKey: String
    public var messageID: String
    /// Whether the address is subscribed to the list (then the copy carries its own unsubscribe link).
    public var isSubscriber: Bool
}

extension DigestRunner {
    /// Marks a test copy's subject, so nobody takes it for the list's real digest.
    public static let testSubjectPrefix = "[TEST] "

    /// A test copy of `listSlug`'s digest for its latest complete period (the period `sendNow` would
    /// send), rendered for `address` and enqueued under a key of its own: no run is recorded or
    /// claimed, so the list's real digest for that period still goes out. A subscriber of the list
    /// gets their own greeting and links; anyone else the list's page in place of an unsubscribe link.
    public func sendTest(listSlug: String, to address: EmailAddress, uniqueID: String = UUID().uuidString.lowercased()) async throws -> DigestTestSend {
        guard let list = try await store.mailingLists.get(slug: listSlug), let listID = list.id else { throw DigestRunError.unknownList(listSlug) }
        let at = now()
        let clock = try LocalClock(timeZoneIdentifier: list.timeZoneIdentifier)
        let kind = try DigestSchedule(parsing: list.schedule).period.reportingKind
        let period = try ReportingPeriod.previous(kind, before: at, clock: clock)
        let digest = try await DigestBuilder(store: store, now: now).build(list: list, period: period)
        let renderer = try DigestRenderer(digest: digest, templateFolder: list.templateFolder)

        let listPage = subscriptions.publicBaseURL.appendingPathComponent("lists").appendingPathComponent(list.slug)
        let subscriptionID = try await store.subscriptions.subscription(listID: listID, address: address)?.id
        let name = try await store.subscriptions.existingSubscriber(address)?.name
        let recipient = try Recipient(
            name: name, unsubscribeURL: subscriptionID.map { subscriptions.unsubscribeLink(subscriptionID: $0) }?.absoluteString ?? listPage.absoluteString,
            manageURL: listPage.absoluteString)
        let listIdentifier = "\(list.slug).\(list.sender.address.domain)"
        let headers: [MailMessage.ExtraHeader] = subscriptionID.map { subscriptions.listHeaders(for: list, subscriptionID: $0) }
            ?? [.listID(listIdentifier, name: list.title), .autoSubmitted]
        let rendered = renderer.render(for: recipient)
        let key = "digest-test:\(list.slug):\(period.firstDay)..\(period.lastDay):\(uniqueID)"
        let mail = DigestMail(
            list: list, idempotencyKey: key, messageIDLocalPart: "digest-test.\(uniqueID)", kind: "digest-test",
            // Ahead of digest fan-outs (10): the operator is waiting for this one.
            priority: 0, address: address, name: name,
            rendered: rendered, subjectPrefix: Self.testSubjectPrefix, headers: headers, at: at)
        let message = try mail.outboxMessage()
        try await store.outbox.enqueue(message, at: at)
        return DigestTestSend(
            listSlug: list.slug, period: period, address: address, subject: mail.subject, idempotencyKey: key,
            messageID: message.messageID, isSubscriber: subscriptionID != nil)
    }
}
