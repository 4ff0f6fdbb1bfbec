import Domain
import Foundation
import Storage

/// The mail that asks a person to confirm a subscription: transactional, one sentence, one link.
struct ConfirmationMail {
    var list: MailingList
    var subscriber: Subscriber
    var subscriptionID: Int64
    var confirmURL: URL
    /// Unique per subscription and rate-limit window, so a retry or a second instance stores one mail.
    var idempotencyKey: String
    var at: Instant

    /// Confirmations go before digests in the outbox.
    static let priority = 0
    static let kind = "confirmation"

    /// The mail as the outbox keeps it: rendered bytes, envelope and key.
    func outboxMessage() throws -> NewOutboxMessage {
        let message = try mailMessage()
        return NewOutboxMessage(
            idempotencyKey: idempotencyKey, kind: Self.kind, priority: Self.priority, sender: list.sender.address.address,
            recipients: [subscriber.address.address], messageID: message.messageID,
            data: try MIMEEncoder.render(message, boundarySeed: idempotencyKey)
        )
    }

    func mailMessage() throws -> MailMessage {
        let title = list.title
        let address = subscriber.address.address
        let link = confirmURL.absoluteString
        // One sentence on what confirming does, the link, and that ignoring the mail changes nothing.
        let sentence = "Confirming subscribes \(address) to the list \"\(title)\"; if you did not ask for this, ignore this mail and nothing changes."
        let text = sentence + "\n\nConfirm: " + link + "\n"
        let html = """
            <!DOCTYPE html>
            <html><body>
            <p>\(HTMLText.escaped(sentence))</p>
            <p><a href="\(HTMLText.escaped(link))">Confirm subscription</a></p>
            </body></html>

            """
        return try MailMessage(
            from: try MailAddress(list.sender.address.address, displayName: list.sender.name),
            to: [try MailAddress(address, displayName: subscriber.name)],
            replyTo: try list.replyTo.map { try MailAddress($0.address) },
            subject: "Confirm your subscription to \(title)",
            textBody: text, htmlBody: html, date: at,
            // Message-ID from the idempotency key: a duplicate is recognisable ("confirm:12:34" -> "confirm.12.34").
            messageIDLocalPart: idempotencyKey.replacingOccurrences(of: ":", with: "."),
            extraHeaders: .transactionalMail
        )
    }
}
