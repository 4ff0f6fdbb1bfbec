import Domain

/// One mail to send: envelope-visible headers, a plain-text body and an optional HTML body.
///
/// The initialiser refuses anything that could not be written safely, so every value renders.
/// A CR, LF or other control character in the subject, a display name, the Message-ID or an
/// extra header is refused (`MIMEError.invalidHeaderValue`), not encoded: no legitimate value
/// holds one. Non-ASCII subjects and names are fine and become RFC 2047 encoded-words.
public struct MailMessage: Hashable, Sendable {
    public let from: MailAddress
    public let to: [MailAddress]
    public let replyTo: MailAddress?
    public let subject: String
    public let textBody: String
    public let htmlBody: String?
    public let date: Instant
    /// The Message-ID's local part, chosen by the caller (derived from the send's idempotency key,
    /// so a duplicate send is recognisable).
    public let messageIDLocalPart: String
    public let extraHeaders: [ExtraHeader]

    public init(
        from: MailAddress,
        to: [MailAddress],
        replyTo: MailAddress? = nil,
        subject: String,
        textBody: String,
        htmlBody: String? = nil,
        date: Instant,
        messageIDLocalPart: String,
        extraHeaders: [ExtraHeader]
    ) throws(MIMEError) {
        guard !to.isEmpty else { throw .noRecipients }
        if HeaderText.hasControlCharacter(subject) { throw .invalidHeaderValue(field: "subject") }
        try Self.checkMessageID(localPart: messageIDLocalPart, domain: from.domain)
        try ExtraHeader.check(extraHeaders)
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.date = date
        self.messageIDLocalPart = messageIDLocalPart
        self.extraHeaders = extraHeaders
    }

    /// `local@domain`, the domain being the From address's; written in `<>` as the Message-ID.
    public var messageID: String { messageIDLocalPart + "@" + from.domain }

    private static func checkMessageID(localPart: String, domain: String) throws(MIMEError) {
        if HeaderText.hasControlCharacter(localPart) { throw .invalidHeaderValue(field: "messageID") }
        guard HeaderText.isDotAtom(localPart, allowUTF8: false), localPart.utf8.count <= 200 else {
            throw .invalidValue(
                field: "messageID", value: localPart,
                expected: "1 to 200 ASCII letters, digits and !#$%&'*+-/=?^_`{|}~ joined by single dots"
            )
        }
        guard HeaderText.isPrintableASCII(domain) else {
            throw .invalidValue(
                field: "messageID", value: localPart + "@" + domain,
                expected: "an ASCII From domain (write an internationalised domain in its xn-- form)"
            )
        }
    }
}
