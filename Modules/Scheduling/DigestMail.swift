import Domain
import Foundation
import Notifications
import Reporting
import Storage

/// One subscriber's copy of a digest, as the outbox stores it.
struct DigestMail {
    /// Digests go after confirmations (0) in the outbox.
    static let priority = 10
    static let kind = "digest"

    var list: MailingList
    var run: DigestRun
    var recipient: ListRecipient
    var rendered: RenderedDigest
    var headers: [MailMessage.ExtraHeader]
    var at: Instant

    /// `digest:<run>:<subscription>`: a page enqueued twice (a resumed fan-out) stores one mail.
    var idempotencyKey: String { "digest:\(run.id):\(recipient.subscriptionID)" }

    func outboxMessage() throws -> NewOutboxMessage {
        let message = try MailMessage(
            from: try MailAddress(list.sender.address.address, displayName: list.sender.name),
            to: [try MailAddress(recipient.address.address, displayName: recipient.name)],
            replyTo: try list.replyTo.map { try MailAddress($0.address) },
            subject: rendered.subject, textBody: rendered.text, htmlBody: rendered.html, date: at,
            messageIDLocalPart: "digest.\(run.id).\(recipient.subscriptionID)", extraHeaders: headers)
        return NewOutboxMessage(
            idempotencyKey: idempotencyKey, kind: Self.kind, priority: Self.priority, sender: list.sender.address.address,
            recipients: [recipient.address.address], messageID: message.messageID,
            data: try MIMEEncoder.render(message, boundarySeed: idempotencyKey))
    }
}
