import Foundation
import ITSMTestSupport
import Notifications
import Testing

/// Rendered messages read back by another implementation: Python's `email` package, policy.strict.
@Suite("MIME read back by Python's email parser")
struct MIMEParsedByPythonTests {
    private func parse(_ message: MailMessage, seed: String = "seed") throws -> ParsedMail {
        let mail = try PythonMailParser.parse(MIMEEncoder.render(message, boundarySeed: seed))
        #expect(mail.error == nil)
        #expect(mail.defects == [])
        return mail
    }

    private func mailbox(_ name: String, _ address: String) -> ParsedMail.Mailbox {
        ParsedMail.Mailbox(displayName: name, address: address)
    }

    @Test("the reader reports broken mail, so its silence about ours means something")
    func readerCatchesBrokenMail() throws {
        let unclosed = "From: a@b.example\r\nContent-Type: multipart/alternative; boundary=\"x\"\r\n\r\n--x\r\n\r\nbody\r\n"
        #expect(try PythonMailParser.parse(Array(unclosed.utf8)).error?.hasPrefix("CloseBoundaryNotFoundDefect") == true)
        let badAddress = "From: Alice <a@@b.example>\r\nSubject: hi\r\n\r\nbody\r\n"
        #expect(try PythonMailParser.parse(Array(badAddress.utf8)).defects.contains("From: InvalidHeaderDefect: invalid address in address-list"))
    }

    @Test("every sample parses with no defect and no error", arguments: MailSample.allCases)
    func noDefects(_ sample: MailSample) throws {
        let mail = try parse(sample.message(), seed: sample.rawValue)
        #expect(!mail.parts.isEmpty)
    }

    @Test("a transactional mail reads back header by header, its body exact")
    func transactional() throws {
        let mail = try parse(MailFixture.message(subject: "Please confirm", text: "Hello Alice,\n\nConfirm: https://x.example/c?t=abc\n"))
        #expect(mail.headers.map(\.name) == [
            "Date", "Message-ID", "From", "To", "Subject", "MIME-Version", "Auto-Submitted",
            "Content-Type", "Content-Transfer-Encoding",
        ])
        #expect(mail.values("Date") == ["Tue, 02 Jun 2026 07:00:00 +0000"])
        #expect(mail.values("Message-ID") == ["<digest-7.subscriber-42@itsm.example.org>"])
        #expect(mail.addresses("From") == [mailbox("ITSM Digest", "digest@itsm.example.org")])
        #expect(mail.addresses("To") == [mailbox("", "alice@example.com")])
        #expect(mail.values("Subject") == ["Please confirm"])
        #expect(mail.values("MIME-Version") == ["1.0"])
        #expect(mail.values("Auto-Submitted") == ["auto-generated"])
        #expect(mail.contentType == "text/plain")
        let part = try #require(mail.parts.first)
        #expect(mail.parts.count == 1)
        #expect(part.charset == "utf-8")
        #expect(part.transferEncoding == "quoted-printable")
        #expect(part.payload == Array("Hello Alice,\r\n\r\nConfirm: https://x.example/c?t=abc\r\n".utf8))
    }

    @Test("list mail: text then HTML, both exact, and the list headers as RFC 2369, 2919 and 8058 spell them")
    func listMail() throws {
        let mail = try parse(MailSample.listMultipart.message())
        #expect(mail.contentType == "multipart/alternative")
        #expect(mail.parts.map(\.contentType) == ["text/plain", "text/html"])
        #expect(mail.parts.map(\.charset) == ["utf-8", "utf-8"])
        #expect(mail.parts.map(\.headerNames) == Array(repeating: ["Content-Type", "Content-Transfer-Encoding"], count: 2))
        #expect(mail.parts.map(\.payload) == [Array("Hi Alice,\r\n\r\nYour digest.\r\n".utf8), Array("<p>Hi Alice,</p>".utf8)])
        #expect(mail.values("List-Id") == ["Weekly digest <weekly-digest.itsm.example.org>"])
        #expect(mail.values("List-Unsubscribe") == ["<https://itsm.example.org/u/tok123>, <mailto:unsubscribe@itsm.example.org>"])
        #expect(mail.values("List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"])
        #expect(mail.values("Auto-Submitted") == ["auto-generated"])
        #expect(mail.values("Precedence") == ["bulk"])
    }

    @Test("an awkward body round-trips byte for byte: dots, '=', trailing blanks, a 998-octet line, mixed line ends")
    func awkwardBody() throws {
        let mail = try parse(MailSample.awkwardBody.message())
        let expected = MailSample.crlf(MailSample.awkwardText)
        #expect(mail.parts.map(\.payload) == [expected, expected])
        let lines = String(decoding: try #require(mail.parts.first).payload, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.prefix(3) == [".", "..leading dots", "."])
        #expect(lines.contains { $0.utf8.count == 998 && $0 == MailSample.line998Text })
        #expect(lines.last == "no final line break =")
    }

    @Test("a non-ASCII subject and display names decode to exactly what was given")
    func nonASCII() throws {
        let mail = try parse(MailSample.nonASCII.message())
        #expect(mail.values("Subject") == ["Wöchentlicher Überblick — 3 SLA-Verletzungen ✅"])
        #expect(mail.addresses("From") == [mailbox("Störungsmeldung Süd ✅", "digest@itsm.example.org")])
        #expect(mail.addresses("To") == [mailbox("Jürgen Weiß", "jurgen@example.com")])
        #expect(mail.addresses("Reply-To") == [mailbox("山田 太郎", "desk@itsm.example.org")])
        #expect(mail.parts.map(\.payload) == [Array("Grüße aus Köln — 3 Verletzungen ✅\r\n".utf8), Array("<p>Grüße</p>\r\n".utf8)])
    }

    @Test(
        "long and odd subjects fold or encode and read back equal",
        arguments: [
            MailSample.longSubjectText, MailSample.longNonASCIISubjectText, MailSample.unbreakableSubjectText,
            "spaces  kept   as    written", " edge spaces ", "=?utf-8?q?not_an_encoded_word?=", "", "✅",
            String(repeating: "👩‍👩‍👧‍👦", count: 30),  // four-person family emoji: one grapheme of 25 octets
            "e" + String(repeating: "\u{301}", count: 30),  // one grapheme of 61 octets: split between scalars
        ]
    )
    func subjects(_ subject: String) throws {
        let mail = try parse(MailFixture.message(subject: subject))
        // Scalar by scalar: String's == would forgive a change of normalisation.
        #expect(mail.values("Subject").map { Array($0.unicodeScalars) } == [Array(subject.unicodeScalars)])
    }

    @Test(
        "display names with specials, quotes and encoded-word look-alikes read back as given",
        arguments: [
            "Ops, EU (24/7)", "The \"Night\" Shift \\ Ops", "=?x?", "Müller; Schmidt <Team>", "O'Brien", "Jürgen  Weiss Ops", " Edge  Spaces ",
            String(repeating: "Servicedesk Süd-Ost ", count: 8) + "Ende",
            String(repeating: "Service Desk Europe ", count: 8) + "(end)",
        ]
    )
    func displayNames(_ name: String) throws {
        let mail = try parse(MailFixture.message(from: MailAddress("desk@itsm.example.org", displayName: name)))
        #expect(mail.addresses("From") == [mailbox(name, "desk@itsm.example.org")])
    }

    @Test("an empty body is valid, alone or as both alternatives")
    func emptyBodies() throws {
        let textOnly = try parse(MailSample.emptyTextOnly.message())
        #expect(textOnly.parts.map(\.payload) == [[]])
        let both = try parse(MailSample.emptyMultipart.message())
        #expect(both.parts.map(\.payload) == [[], []])
        #expect(both.values("Subject") == [""])
    }

    @Test("twelve recipients fold between mailboxes and read back in order")
    func manyRecipients() throws {
        let mail = try parse(MailSample.manyRecipients.message())
        #expect(mail.addresses("To") == (1...12).map {
            mailbox($0.isMultiple(of: 2) ? "Member \($0)" : "Mitglied Nr. \($0) — Süd", "member\($0)@example.com")
        })
    }
}
