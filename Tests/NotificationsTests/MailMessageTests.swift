import Foundation
import Notifications
import Testing

@Suite("MailMessage: what the initialiser refuses")
struct MailMessageTests {
    @Test("a subject carrying CRLF and a Bcc header is refused, naming subject")
    func subjectInjection() {
        #expect(throws: MIMEError.invalidHeaderValue(field: "subject")) {
            try MailFixture.message(subject: "Hello\r\nBcc: x@y")
        }
    }

    @Test("a lone LF, a lone CR, a tab or NUL in the subject is refused too", arguments: ["a\nb", "a\rb", "a\tb", "a\u{0}b"])
    func subjectControls(_ subject: String) {
        #expect(throws: MIMEError.invalidHeaderValue(field: "subject")) { try MailFixture.message(subject: subject) }
    }

    @Test("line breaks in list headers and the Message-ID are refused, naming the field")
    func headerInjection() throws {
        let url = try #require(URL(string: "https://itsm.example.org/u/t"))
        #expect(throws: MIMEError.invalidHeaderValue(field: "listID")) {
            try MailFixture.message(extraHeaders: [.listID("weekly.example.org\r\nBcc: x@y")])
        }
        #expect(throws: MIMEError.invalidHeaderValue(field: "listID.name")) {
            try MailFixture.message(extraHeaders: [.listID("weekly.example.org", name: "Weekly\nBcc: x@y")])
        }
        #expect(throws: MIMEError.invalidHeaderValue(field: "listUnsubscribe.mailto")) {
            try MailFixture.message(extraHeaders: [.listUnsubscribe(url: url, mailto: "u@example.org\r\nBcc: x@y")])
        }
        #expect(throws: MIMEError.invalidHeaderValue(field: "messageID")) {
            try MailFixture.message(messageID: "abc\r\nBcc: x@y")
        }
    }

    @Test("a line break in an unsubscribe URL reaches the header percent-encoded, never as a new line")
    func urlInjection() throws {
        // Foundation's URL percent-encodes the break; the encoder's own control check is a second wall.
        let url = try #require(URL(string: "https://itsm.example.org/u/t\r\nBcc: x@y"))
        let bytes = try MIMEEncoder.render(MailFixture.message(extraHeaders: [.listUnsubscribe(url: url)]), boundarySeed: "s")
        let header = MailFixture.headerBlock(bytes)
        #expect(header.contains("\r\nList-Unsubscribe: <https://itsm.example.org/u/t%0D%0ABcc:%20x@y>\r\n"))
        #expect(!header.components(separatedBy: "\r\n").contains { $0.hasPrefix("Bcc") })
    }

    @Test("a non-web unsubscribe URL and a malformed list id are refused with what was expected")
    func malformedValues() throws {
        let ftp = try #require(URL(string: "ftp://itsm.example.org/u"))
        #expect(throws: MIMEError.invalidValue(
            field: "listUnsubscribe.url", value: "ftp://itsm.example.org/u",
            expected: "an https:// (or http:// for tests) URL in printable ASCII without spaces, <> or quotes"
        )) {
            try MailFixture.message(extraHeaders: [.listUnsubscribe(url: ftp)])
        }
        #expect(throws: MIMEError.invalidValue(
            field: "listID", value: "weekly",
            expected: "a list label and a domain, such as weekly-digest.itsm.example.org (RFC 2919)"
        )) {
            try MailFixture.message(extraHeaders: [.listID("weekly")])
        }
    }

    @Test("a Message-ID local part must be a dot-atom and the From domain ASCII")
    func messageID() throws {
        #expect(throws: MIMEError.invalidValue(
            field: "messageID", value: "a b",
            expected: "1 to 200 ASCII letters, digits and !#$%&'*+-/=?^_`{|}~ joined by single dots"
        )) {
            try MailFixture.message(messageID: "a b")
        }
        #expect(throws: MIMEError.invalidValue(
            field: "messageID", value: "m1@bücher.example",
            expected: "an ASCII From domain (write an internationalised domain in its xn-- form)"
        )) {
            try MailFixture.message(from: MailAddress("news@bücher.example"), messageID: "m1")
        }
    }

    @Test("no recipients, a repeated header and one-click without List-Unsubscribe are refused")
    func structure() {
        #expect(throws: MIMEError.noRecipients) { try MailFixture.message(to: []) }
        #expect(throws: MIMEError.duplicateHeader(field: "Auto-Submitted")) {
            try MailFixture.message(extraHeaders: [.autoSubmitted, .autoSubmitted])
        }
        #expect(throws: MIMEError.missingHeader(field: "List-Unsubscribe", requiredBy: "List-Unsubscribe-Post")) {
            try MailFixture.message(extraHeaders: [.listUnsubscribeOneClick])
        }
    }

    @Test("the Message-ID takes its domain from the From address")
    func messageIDDomain() throws {
        let message = try MailFixture.message(from: MailAddress("noreply@mail.itsm.example.org"), messageID: "confirm.9")
        #expect(message.messageID == "confirm.9@mail.itsm.example.org")
    }

    @Test("list mail carries every list header; transactional mail only Auto-Submitted")
    func conveniences() throws {
        let url = try #require(URL(string: "https://itsm.example.org/u/t"))
        let list: [MailMessage.ExtraHeader] = .listMail(id: "weekly.itsm.example.org", unsubscribeURL: url)
        #expect(list == [
            .listID("weekly.itsm.example.org", name: nil), .listUnsubscribe(url: url, mailto: nil),
            .listUnsubscribeOneClick, .autoSubmitted, .precedenceBulk,
        ])
        #expect([MailMessage.ExtraHeader].transactionalMail == [.autoSubmitted])
    }

    @Test("errors say which field and what to do")
    func descriptions() {
        #expect(MIMEError.invalidHeaderValue(field: "subject").description
            == "subject: contains a line break or another control character, which could inject headers; remove it")
        #expect(MIMEError.headerLineTooLong(field: "List-Unsubscribe", octets: 1200).description
            == "List-Unsubscribe: a line of 1200 octets cannot be folded to the 998 allowed; shorten the value")
    }
}
