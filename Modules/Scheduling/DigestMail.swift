import Domain
import Foundation
import Notifications
import Reporting
import Storage

/// One copy of a digest, as the outbox stores it: a subscriber's copy of a run, or an operator's
/// test copy (`itsm digest send LIST --to EMAIL`).
struct DigestMail {
    /// Digests go after confirmations (0) in the outbox.
    static let priority = 10
    static let kind = "digest"

    var list: MailingList
    /// Unique per copy: enqueueing the same key twice stores one mail.
    var idempotencyKey: String
    /// Derived from the key, so a duplicate is recognisable by its Message-ID.
    var messageIDLocalPart: String
    var kind = Self.kind
    var priority = Self.priority
    var address: EmailAddress
    var name: String?
    var rendered: RenderedDigest
    /// Put before the rendered subject ("[TEST] " on a test copy).
    var subjectPrefix = ""
    var headers: [MailMessage.ExtraHeader]
    var at: Instant

    var subject: String { subjectPrefix + rendered.subject }

    /// A subscriber's copy of run `run`: `digest:<run>:<subscription>`, so a page enqueued twice
    /// (a resumed fan-out) stores one mail.
    init(list: MailingList, run: DigestRun, recipient: ListRecipient, rendered: RenderedDigest, headers: [MailMessage.ExtraHeader], at: Instant) {
        self.list = list
        self.idempotencyKey = "digest:\(run.id):\(recipient.subscriptionID)"
        self.messageIDLocalPart = "digest.\(run.id).\(recipient.subscriptionID)"
        self.address = recipient.address
        self.name = recipient.name
        self.rendered = rendered
        self.headers = headers
        self.at = at
    }

    init(
        list: MailingList, idempotencyKey: String, messageIDLocalPart: String, kind: String, priority: Int, address: EmailAddress, name: String?,
        rendered: RenderedDigest, subjectPrefix: String, headers: [MailMessage.ExtraHeader], at: Instant
    ) {
        self.list = list
        self.idempotencyKey = idempotencyKey
        self.messageIDLocalPart = messageIDLocalPart
        self.kind = kind
        self.priority = priority
        self.address = address
        self.name = name
        self.rendered = rendered
        self.subjectPrefix = subjectPrefix
        self.headers = headers
        self.at = at
    }

    func outboxMessage() throws -> NewOutboxMessage {
        let message = try MailMessage(
            from: try MailAddress(list.sender.address.address, displayName: list.sender.name),
            to: [try MailAddress(address.address, displayName: name)],
            replyTo: try list.replyTo.map { try MailAddress($0.address) },
            subject: subject, textBody: rendered.text, htmlBody: rendered.html, date: at,
            messageIDLocalPart: messageIDLocalPart, extraHeaders: headers)
        return NewOutboxMessage(
            idempotencyKey: idempotencyKey, kind: kind, priority: priority, sender: list.sender.address.address,
            recipients: [address.address], messageID: message.messageID,
            data: try MIMEEncoder.render(message, boundarySeed: idempotencyKey))
    }
}
