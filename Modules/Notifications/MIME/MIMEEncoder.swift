/// Writes a `MailMessage` as RFC 5322 / MIME bytes for libcurl to send.
///
/// CRLF line ends throughout; no dot-stuffing and no end-of-data marker, which libcurl adds.
public enum MIMEEncoder {
    /// The message's bytes; `boundarySeed` (e.g. the idempotency key) makes the boundary, and so the
    /// bytes, the same on every render of the same message.
    public static func render(_ message: MailMessage, boundarySeed: String) throws(MIMEError) -> [UInt8] {
        var head = try headers(of: message)
        guard let html = message.htmlBody else {
            head += try contentHeaders(type: "text/plain")
            return Array((head + "\r\n").utf8) + QuotedPrintable.encode(message.textBody, endWithLineBreak: true)
        }

        let parts = [
            Array(try contentHeaders(type: "text/plain").utf8) + crlf
                + QuotedPrintable.encode(message.textBody, endWithLineBreak: false),
            Array(try contentHeaders(type: "text/html").utf8) + crlf
                + QuotedPrintable.encode(html, endWithLineBreak: false),
        ]
        let boundary = try self.boundary(seed: boundarySeed, avoiding: parts)
        head += try HeaderField(
            name: "Content-Type", words: ["multipart/alternative;", "boundary=\"\(boundary)\""]
        ).rendered()

        var bytes = Array((head + "\r\n").utf8)
        for part in parts {
            // The CRLF before each delimiter belongs to the delimiter (RFC 2046 section 5.1.1).
            bytes += Array("--\(boundary)\r\n".utf8) + part + crlf
        }
        bytes += Array("--\(boundary)--\r\n".utf8)
        return bytes
    }

    private static let crlf: [UInt8] = [0x0D, 0x0A]

    private static func headers(of message: MailMessage) throws(MIMEError) -> String {
        var fields = [
            HeaderField(name: "Date", words: RFC5322Date.format(message.date).split(separator: " ").map(String.init)),
            HeaderField(name: "Message-ID", words: ["<\(message.messageID)>"]),
            addressField("From", [message.from]),
            addressField("To", message.to),
        ]
        if let replyTo = message.replyTo { fields.append(addressField("Reply-To", [replyTo])) }
        fields.append(subjectField(message.subject))
        fields.append(HeaderField(name: "MIME-Version", words: ["1.0"]))
        fields += message.extraHeaders.sorted { $0.order < $1.order }.map { $0.field() }

        var text = ""
        for field in fields { text += try field.rendered() }
        return text
    }

    private static func contentHeaders(type: String) throws(MIMEError) -> String {
        try HeaderField(name: "Content-Type", words: ["\(type);", "charset=utf-8"]).rendered()
            + HeaderField(name: "Content-Transfer-Encoding", words: ["quoted-printable"]).rendered()
    }

    /// A mailbox list, folding between mailboxes and between a display name's words.
    private static func addressField(_ name: String, _ addresses: [MailAddress]) -> HeaderField {
        var words: [String] = []
        for (index, address) in addresses.enumerated() {
            let firstWordLimit = index == 0
                ? HeaderField.Limit.encodedWords.rawValue - name.utf8.count - 2
                : EncodedWord.maximumLength
            var mailbox = address.headerWords(firstWordLimit: firstWordLimit)
            if index < addresses.count - 1 { mailbox[mailbox.count - 1] += "," }
            words += mailbox
        }
        let hasEncodedWords = words.contains { $0.hasPrefix("=?") }
        return HeaderField(name: name, words: words, limit: hasEncodedWords ? .encodedWords : .text)
    }

    /// Printable ASCII stays as it is, folded at its spaces; anything else (non-ASCII, text a decoder
    /// could take for an encoded-word, edge spaces, a word too long to fold) becomes encoded-words.
    private static func subjectField(_ subject: String) -> HeaderField {
        let words = subject.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        let prefix = "Subject: ".utf8.count
        let plain = HeaderText.isPrintableASCII(subject)
            && !subject.contains("=?")
            && !subject.hasPrefix(" ") && !subject.hasSuffix(" ")
            && words.allSatisfy { prefix + $0.utf8.count <= HeaderField.hardLimit }
        if plain { return HeaderField(name: "Subject", words: words) }
        return HeaderField(
            name: "Subject",
            words: EncodedWord.encode(subject, firstWordLimit: HeaderField.Limit.encodedWords.rawValue - prefix),
            limit: .encodedWords
        )
    }

    /// `=_itsm_` and 16 hex digits hashed from the seed. Quoted-printable never writes `=_`, so the
    /// first candidate fits; the search is the check that makes that an invariant, not a hope.
    private static func boundary(seed: String, avoiding parts: [[UInt8]]) throws(MIMEError) -> String {
        for attempt in 0..<16 {
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a, 64 bit
            for byte in Array(seed.utf8) + [UInt8(attempt)] {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            let hex = String(hash, radix: 16)
            let candidate = "=_itsm_" + String(repeating: "0", count: 16 - hex.count) + hex
            let delimiter = Array("--\(candidate)".utf8)
            if !parts.contains(where: { contains($0, delimiter) }) { return candidate }
        }
        throw .noBoundary(seed: seed)
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
