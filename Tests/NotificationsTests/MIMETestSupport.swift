import Domain
import Foundation
import Notifications
import Testing

/// Builders for the messages the MIME tests render.
enum MailFixture {
    static let date = Instant(secondsSinceEpoch: 1_780_383_600)  // 2026-06-02T07:00:00Z, a Tuesday

    static func message(
        from: MailAddress? = nil,
        to: [MailAddress]? = nil,
        replyTo: MailAddress? = nil,
        subject: String = "Weekly overview",
        text: String = "Hello\n",
        html: String? = nil,
        messageID: String = "digest-7.subscriber-42",
        extraHeaders: [MailMessage.ExtraHeader] = .transactionalMail
    ) throws -> MailMessage {
        try MailMessage(
            from: from ?? MailAddress("digest@itsm.example.org", displayName: "ITSM Digest"),
            to: to ?? [MailAddress("alice@example.com")],
            replyTo: replyTo,
            subject: subject,
            textBody: text,
            htmlBody: html,
            date: date,
            messageIDLocalPart: messageID,
            extraHeaders: extraHeaders
        )
    }

    static func listHeaders() throws -> [MailMessage.ExtraHeader] {
        .listMail(
            id: "weekly-digest.itsm.example.org", name: "Weekly digest",
            unsubscribeURL: try #require(URL(string: "https://itsm.example.org/u/tok123")),
            unsubscribeMailto: "unsubscribe@itsm.example.org"
        )
    }

    /// The rendered bytes split into lines at CRLF (the last, empty after a final CRLF, dropped).
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0D, bytes[index + 1] == 0x0A {
                lines.append(bytes[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        if start < bytes.count { lines.append(bytes[start...]) }
        return lines
    }

    /// The header block (up to the first empty line) as text, unfolded lines kept as written.
    static func headerBlock(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.components(separatedBy: "\r\n\r\n").first ?? ""
    }
}

/// Messages every structural check runs over, from the plain to the awkward.
enum MailSample: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case transactional, listMultipart, nonASCII, longSubject, longNonASCIISubject, unbreakableSubject
    case awkwardBody, emptyMultipart, emptyTextOnly, manyRecipients, longCJKName

    var testDescription: String { rawValue }

    static let nonASCIISubjectText = "Wöchentlicher Überblick — 3 SLA-Verletzungen ✅"
    static let longSubjectText = (1...40).map { "word\($0)" }.joined(separator: " ")
    static let longNonASCIISubjectText = String(repeating: "Überblick ✅ für Störungen — ", count: 12) + "Ende"
    static let unbreakableSubjectText = String(repeating: "x", count: 1_200)

    /// A line of exactly 998 octets: 996 ASCII letters and one two-octet ö.
    static let line998Text = String(repeating: "abcd", count: 249) + "ö"

    /// Lines that trip naive encoders: leading dots, '=' signs, trailing blanks, mixed line ends.
    static let awkwardText = ".\n..leading dots\n.\r\nprice = 3 =20 ==\ntrailing space \ntrailing tab\t\n"
        + line998Text + "\r\n" + "From the desk\n  \n\tindented\rlone CR\n" + "no final line break ="

    /// `text` with every line end made CRLF, as the decoded body must come back.
    static func crlf(_ text: String) -> [UInt8] {
        Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    func message() throws -> MailMessage {
        switch self {
        case .transactional:
            return try MailFixture.message()
        case .listMultipart:
            return try MailFixture.message(
                text: "Hi Alice,\n\nYour digest.\n", html: "<p>Hi Alice,</p>", extraHeaders: MailFixture.listHeaders()
            )
        case .nonASCII:
            return try MailFixture.message(
                from: MailAddress("digest@itsm.example.org", displayName: "Störungsmeldung Süd ✅"),
                to: [MailAddress("jurgen@example.com", displayName: "Jürgen Weiß")],
                replyTo: MailAddress("desk@itsm.example.org", displayName: "山田 太郎"),
                subject: Self.nonASCIISubjectText, text: "Grüße aus Köln — 3 Verletzungen ✅\n",
                html: "<p>Grüße</p>\n", extraHeaders: MailFixture.listHeaders()
            )
        case .longSubject:
            return try MailFixture.message(subject: Self.longSubjectText)
        case .longNonASCIISubject:
            return try MailFixture.message(subject: Self.longNonASCIISubjectText)
        case .unbreakableSubject:
            return try MailFixture.message(subject: Self.unbreakableSubjectText)
        case .awkwardBody:
            return try MailFixture.message(text: Self.awkwardText, html: Self.awkwardText)
        case .emptyMultipart:
            return try MailFixture.message(subject: "", text: "", html: "")
        case .emptyTextOnly:
            return try MailFixture.message(text: "")
        case .longCJKName:
            // 120 octets with no ASCII word: the one case that needs adjacent encoded-words.
            return try MailFixture.message(
                from: MailAddress("desk@itsm.example.org", displayName: String(repeating: "山田太郎", count: 10))
            )
        case .manyRecipients:
            return try MailFixture.message(to: (1...12).map { index throws(MIMEError) in
                try MailAddress("member\(index)@example.com", displayName: index.isMultiple(of: 2) ? "Member \(index)" : "Mitglied Nr. \(index) — Süd")
            })
        }
    }
}
