import Domain
import Foundation
import ITSMTestSupport
import Notifications
import Storage
import Testing

/// Runs `body` with a `deliver` function: one outbox delivery round over a real `SMTPTransport`
/// (libcurl) to `sink`, on the pages' clock. The transport is shut down afterwards.
func withSMTPDelivery<R>(
    _ pages: LivePages, to sink: SMTPSink, _ body: (_ deliver: () async throws -> DeliveryRound) async throws -> R
) async throws -> R {
    let url = try #require(URL(string: "smtp://127.0.0.1:\(sink.port)"))
    let transport = try SMTPTransport(
        settings: SMTPSettings(url: url, connectTimeout: .seconds(5), totalTimeout: .seconds(30), connections: 1), logger: quietLogger)
    let clock = pages.clock
    let delivery = OutboxDelivery(
        outbox: pages.store.outbox, transport: transport, workerName: "pages-tests", now: { clock.now }, jitter: { 1.0 }, logger: quietLogger)
    do {
        let result = try await body { try await delivery.deliverDueMessages() }
        await transport.shutdown()
        return result
    } catch {
        await transport.shutdown()
        throw error
    }
}

/// Puts one list message (a stand-in for a digest) for the list's only confirmed subscriber into the
/// outbox, with the headers the service makes for list mail.
func enqueueListMessage(_ pages: LivePages) async throws {
    let list = try #require(try await pages.store.mailingLists.get(slug: "ops-weekly"))
    let recipients = try await pages.store.subscriptions.confirmedRecipients(listID: try #require(list.id))
    try #require(recipients.count == 1)
    let recipient = recipients[0]
    let key = "digest:ops-weekly:1:\(recipient.subscriptionID)"
    let message = try MailMessage(
        from: MailAddress("digest@itsm.example.org", displayName: "ITSM digests"), to: [MailAddress(recipient.address.address)],
        subject: list.title, textBody: "Nothing happened this week.\n", date: pages.clock.now,
        messageIDLocalPart: "digest.1.\(recipient.subscriptionID)",
        extraHeaders: pages.service.listHeaders(for: list, subscriptionID: recipient.subscriptionID))
    let stored = try await pages.store.outbox.enqueue(
        NewOutboxMessage(
            idempotencyKey: key, kind: "digest", priority: 10, sender: "digest@itsm.example.org",
            recipients: [recipient.address.address], messageID: message.messageID, data: try MIMEEncoder.render(message, boundarySeed: key)),
        at: pages.clock.now)
    try #require(stored)
}

/// The confirm link in a confirmation mail's bytes: read from the text part as Python's parser
/// decodes it, and required to be the very link the HTML part's button points at.
func confirmLink(inMail bytes: [UInt8], origin: String) throws -> String {
    let mail = try PythonMailParser.parse(bytes)
    try #require(mail.error == nil, "the confirmation mail does not parse: \(mail.error ?? "")")
    let text = try #require(mail.text(of: "text/plain"))
    let html = try #require(mail.text(of: "text/html"))
    let link = try linkText(startingWith: origin + "/confirm?token=", in: text)
    #expect(html.contains("<a href=\"\(link)\">Confirm subscription</a>"))
    return link
}

/// The confirm link in the newest message of the outbox (queued, not delivered).
func confirmLinkInOutbox(_ pages: LivePages) async throws -> String {
    let message = try #require(try await pages.store.outbox.list().max { $0.id < $1.id })
    return try confirmLink(inMail: message.data, origin: pages.origin)
}

/// The link a list mail's List-Unsubscribe header names, once its List-Unsubscribe-Post says one-click.
func oneClickUnsubscribeLink(inMail bytes: [UInt8]) throws -> String {
    let mail = try PythonMailParser.parse(bytes)
    try #require(mail.error == nil, "the list mail does not parse: \(mail.error ?? "")")
    #expect(mail.values("List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"])
    let header = try #require(mail.values("List-Unsubscribe").first)
    try #require(header.hasPrefix("<") && header.hasSuffix(">"), "List-Unsubscribe is \(header)")
    return String(header.dropFirst().dropLast())
}

/// The link in `text` that starts with `prefix`, up to the next white space; a confirm link's token
/// (version 2, with its issue time) is 78 characters, an unsubscribe link's (version 1) 67.
func linkText(startingWith prefix: String, in text: String) throws -> String {
    let start = try #require(text.range(of: prefix), "no \(prefix) in \(text)")
    let link = String(text[start.lowerBound...].prefix { !$0.isWhitespace })
    let token = link.dropFirst(prefix.count)
    try #require(token.count == (prefix.hasSuffix("/confirm?token=") ? 78 : 67) && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }, "token \(token)")
    return link
}

/// The value of the page form's hidden `token` input: what the button posts back.
func hiddenToken(in html: String) throws -> String {
    let marker = "<input type=\"hidden\" name=\"token\" value=\""
    let start = try #require(html.range(of: marker), "no hidden token input in \(html)")
    let value = html[start.upperBound...].prefix { $0 != "\"" }
    try #require([67, 78].contains(value.count), "token \(value)")
    return String(value)
}

/// The query's token in a link to the pages.
func linkToken(in link: String) throws -> String {
    let components = try #require(URLComponents(string: link))
    return try #require(components.queryItems?.first { $0.name == "token" }?.value)
}
