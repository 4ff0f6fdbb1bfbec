import Foundation
import Notifications
import Testing

@Suite("MIMEEncoder: bytes on the wire")
struct MIMEEncoderTests {
    @Test("a transactional text-only message renders exactly, headers and quoted-printable body")
    func exactTransactional() throws {
        let message = try MailFixture.message(
            subject: "Please confirm your subscription",
            text: "Hello Alice,\n\nconfirm here: https://x.example/c?t=abc\n",
            messageID: "confirm-42"
        )
        let expected = "Date: Tue, 02 Jun 2026 07:00:00 +0000\r\n"
            + "Message-ID: <confirm-42@itsm.example.org>\r\n"
            + "From: ITSM Digest <digest@itsm.example.org>\r\n"
            + "To: alice@example.com\r\n"
            + "Subject: Please confirm your subscription\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Auto-Submitted: auto-generated\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: quoted-printable\r\n"
            + "\r\n"
            + "Hello Alice,\r\n"
            + "\r\n"
            + "confirm here: https://x.example/c?t=3Dabc\r\n"
        #expect(String(decoding: try MIMEEncoder.render(message, boundarySeed: "confirm-42"), as: UTF8.self) == expected)
    }

    @Test("list mail renders as multipart/alternative, text first, with every list header")
    func exactListMultipart() throws {
        let message = try MailFixture.message(
            replyTo: MailAddress("desk@itsm.example.org", displayName: "Service Desk"),
            text: "Hi Alice,\n\nYour digest.\n", html: "<p>Hi Alice,</p>", extraHeaders: MailFixture.listHeaders()
        )
        let text = String(decoding: try MIMEEncoder.render(message, boundarySeed: "digest-7/42"), as: UTF8.self)
        let boundary = try #require(text.firstRange(of: "boundary=\"").map { text[$0.upperBound...].prefix(23) })
        #expect(boundary.hasPrefix("=_itsm_"))
        #expect(boundary.dropFirst(7).allSatisfy { $0.isHexDigit })
        let expected = "Date: Tue, 02 Jun 2026 07:00:00 +0000\r\n"
            + "Message-ID: <digest-7.subscriber-42@itsm.example.org>\r\n"
            + "From: ITSM Digest <digest@itsm.example.org>\r\n"
            + "To: alice@example.com\r\n"
            + "Reply-To: Service Desk <desk@itsm.example.org>\r\n"
            + "Subject: Weekly overview\r\n"
            + "MIME-Version: 1.0\r\n"
            + "List-Id: Weekly digest <weekly-digest.itsm.example.org>\r\n"
            + "List-Unsubscribe: <https://itsm.example.org/u/tok123>,\r\n"
            + " <mailto:unsubscribe@itsm.example.org>\r\n"
            + "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
            + "Auto-Submitted: auto-generated\r\n"
            + "Precedence: bulk\r\n"
            + "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n"
            + "\r\n"
            + "--\(boundary)\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: quoted-printable\r\n"
            + "\r\n"
            + "Hi Alice,\r\n\r\nYour digest.\r\n"
            + "\r\n--\(boundary)\r\n"
            + "Content-Type: text/html; charset=utf-8\r\n"
            + "Content-Transfer-Encoding: quoted-printable\r\n"
            + "\r\n"
            + "<p>Hi Alice,</p>"
            + "\r\n--\(boundary)--\r\n"
        #expect(text == expected)
    }

    @Test("every line ends in CRLF, none is over 998 octets, and no CR or LF stands alone", arguments: MailSample.allCases)
    func lineDiscipline(_ sample: MailSample) throws {
        let bytes = try MIMEEncoder.render(sample.message(), boundarySeed: sample.rawValue)
        #expect(bytes.suffix(2) == [0x0D, 0x0A])
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0D { #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "bare CR at \(index)") }
            if byte == 0x0A { #expect(index > 0 && bytes[index - 1] == 0x0D, "bare LF at \(index)") }
        }
        for line in MailFixture.lines(bytes) { #expect(line.count <= 998) }
    }

    @Test("header lines stay within 78 octets, 76 where they hold encoded-words", arguments: MailSample.allCases)
    func headerLineLengths(_ sample: MailSample) throws {
        let bytes = try MIMEEncoder.render(sample.message(), boundarySeed: sample.rawValue)
        let header = MailFixture.headerBlock(bytes)
        var fieldHasEncodedWords = false
        for line in header.components(separatedBy: "\r\n") {
            if !line.hasPrefix(" ") { fieldHasEncodedWords = false }
            fieldHasEncodedWords = fieldHasEncodedWords || line.contains("=?utf-8?")
            #expect(line.utf8.count <= (fieldHasEncodedWords ? 76 : 78), "\(line)")
            #expect(line.trimmingCharacters(in: .whitespaces) != "", "a folded line of only whitespace")
            for word in line.split(separator: " ") where word.hasPrefix("=?") {
                #expect(word.utf8.count <= 75, "\(word)")
            }
        }
    }

    @Test("quoted-printable body lines are at most 76 characters", arguments: MailSample.allCases)
    func bodyLineLengths(_ sample: MailSample) throws {
        let bytes = try MIMEEncoder.render(sample.message(), boundarySeed: sample.rawValue)
        let headerLength = MailFixture.headerBlock(bytes).utf8.count + 4
        for line in MailFixture.lines(Array(bytes[headerLength...])) {
            #expect(line.count <= 76, "\(String(decoding: line, as: UTF8.self))")
        }
    }

    @Test("'=', trailing blanks and non-ASCII are escaped; long lines break softly; dots are left alone")
    func quotedPrintableDetails() throws {
        let text = "a=b \nc\t\n.\n..x\nö\n" + String(repeating: "y", count: 80)
        let bytes = try MIMEEncoder.render(MailFixture.message(text: text), boundarySeed: "s")
        let body = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(body == "a=3Db=20\r\nc=09\r\n.\r\n..x\r\n=C3=B6\r\n"
            + String(repeating: "y", count: 75) + "=\r\n" + "yyyyy=\r\n")
        // No end-of-data marker: libcurl writes it.
        #expect(!String(decoding: bytes, as: UTF8.self).hasSuffix("\r\n.\r\n"))
    }

    @Test("a 76-character last line fits as is; with a closing soft break it moves one character on")
    func quotedPrintableEdge() throws {
        let line = String(repeating: "z", count: 76)
        let withBreak = try MIMEEncoder.render(MailFixture.message(text: line + "\n"), boundarySeed: "s")
        #expect(String(decoding: withBreak, as: UTF8.self).hasSuffix("\r\n\r\n" + line + "\r\n"))
        let withoutBreak = try MIMEEncoder.render(MailFixture.message(text: line), boundarySeed: "s")
        #expect(String(decoding: withoutBreak, as: UTF8.self).hasSuffix(
            "\r\n\r\n" + String(repeating: "z", count: 75) + "=\r\nz=\r\n"
        ))
    }

    @Test("a soft line break never falls inside a UTF-8 sequence")
    func softBreaksBetweenCharacters() throws {
        // "x" then 12 ä (=C3=A4, six characters each) is 73; a 13th would pass 75, so the line breaks.
        let bytes = try MIMEEncoder.render(MailFixture.message(text: "x" + String(repeating: "ä", count: 40) + "\n"), boundarySeed: "s")
        let twelve = String(repeating: "=C3=A4", count: 12)
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix(
            "\r\n\r\nx" + twelve + "=\r\n" + twelve + "=\r\n" + twelve + "=\r\n" + String(repeating: "=C3=A4", count: 4) + "\r\n"
        ))
    }

    @Test("a long ASCII subject folds at its spaces, each line within 78")
    func foldedSubject() throws {
        let bytes = try MIMEEncoder.render(MailFixture.message(subject: MailSample.longSubjectText), boundarySeed: "s")
        let header = MailFixture.headerBlock(bytes)
        let start = try #require(header.range(of: "Subject: "))
        let end = try #require(header.range(of: "\r\nMIME-Version"))
        let folded = String(header[start.lowerBound..<end.lowerBound])
        #expect(folded.contains("\r\n "))
        #expect(folded.replacingOccurrences(of: "\r\n", with: "") == "Subject: " + MailSample.longSubjectText)
    }

    @Test("a non-ASCII subject becomes Q encoded-words split between characters")
    func encodedSubject() throws {
        let bytes = try MIMEEncoder.render(MailFixture.message(subject: "Grüße ✅"), boundarySeed: "s")
        // 11 octets (ü C3 BC, ß C3 9F, ✅ E2 9C 85): Q costs 25, B 4 * ceil(11 / 3) = 16, so B.
        #expect(MailFixture.headerBlock(bytes).contains("\r\nSubject: =?utf-8?b?R3LDvMOfZSDinIU=?=\r\n"))
        let mostlyASCII = try MIMEEncoder.render(MailFixture.message(subject: "Weekly Überblick"), boundarySeed: "s")
        // 17 octets: Q costs 21 (Ü as =C3=9C, space as _), B costs 24.
        #expect(MailFixture.headerBlock(mostlyASCII).contains("\r\nSubject: =?utf-8?q?Weekly_=C3=9Cberblick?=\r\n"))
    }

    @Test("the Message-ID uses the From address's domain")
    func messageIDDomain() throws {
        let message = try MailFixture.message(from: MailAddress("noreply@mail.itsm.example.org"), messageID: "d7.s42")
        let header = MailFixture.headerBlock(try MIMEEncoder.render(message, boundarySeed: "s"))
        #expect(header.contains("\r\nMessage-ID: <d7.s42@mail.itsm.example.org>\r\n"))
    }

    @Test("list mail has each list header once; transactional mail has Auto-Submitted and nothing else")
    func listVersusTransactional() throws {
        let listNames = ["List-Id:", "List-Unsubscribe:", "List-Unsubscribe-Post:", "Auto-Submitted:", "Precedence:"]
        func count(_ name: String, in header: String) -> Int {
            header.components(separatedBy: "\r\n").filter { $0.hasPrefix(name) }.count
        }
        let list = MailFixture.headerBlock(try MIMEEncoder.render(MailSample.listMultipart.message(), boundarySeed: "s"))
        for name in listNames { #expect(count(name, in: list) == 1, "\(name)") }
        #expect(list.contains("\r\nPrecedence: bulk\r\n"))
        #expect(list.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))

        let transactional = MailFixture.headerBlock(try MIMEEncoder.render(MailSample.transactional.message(), boundarySeed: "s"))
        #expect(count("Auto-Submitted:", in: transactional) == 1)
        for name in listNames where name != "Auto-Submitted:" { #expect(count(name, in: transactional) == 0, "\(name)") }
    }

    @Test("the same message and seed give the same bytes; another seed another boundary")
    func deterministic() throws {
        let message = try MailSample.listMultipart.message()
        let first = try MIMEEncoder.render(message, boundarySeed: "digest-7/42")
        #expect(try MIMEEncoder.render(message, boundarySeed: "digest-7/42") == first)
        #expect(try MIMEEncoder.render(message, boundarySeed: "digest-7/43") != first)
    }

    @Test("extra headers render in one fixed order whatever order they are given in")
    func headerOrder() throws {
        let headers = try MailFixture.listHeaders()
        let given = try MIMEEncoder.render(MailFixture.message(extraHeaders: headers), boundarySeed: "s")
        let reversed = try MIMEEncoder.render(MailFixture.message(extraHeaders: headers.reversed()), boundarySeed: "s")
        #expect(reversed == given)
    }

    @Test("the boundary does not occur inside any part, even a body quoting a boundary-like line")
    func boundaryAbsentFromParts() throws {
        let text = "--=_itsm_0000000000000000\n--=_itsm_\n"
        let bytes = try MIMEEncoder.render(MailFixture.message(text: text, html: text), boundarySeed: "s")
        let rendered = String(decoding: bytes, as: UTF8.self)
        let start = try #require(rendered.range(of: "boundary=\""))
        let boundary = String(rendered[start.upperBound...].prefix(23))
        // Three delimiters (two parts and the close) and no other occurrence.
        #expect(rendered.components(separatedBy: "--" + boundary).count - 1 == 3)
    }

    @Test("a header that cannot fold under 998 octets is refused, naming it and its length")
    func unfoldableHeader() throws {
        let url = try #require(URL(string: "https://itsm.example.org/u/" + String(repeating: "a", count: 1_000)))
        let message = try MailFixture.message(extraHeaders: [.listUnsubscribe(url: url)])
        // "List-Unsubscribe: <" (19) + 1,027-character URL + ">" (1).
        #expect(throws: MIMEError.headerLineTooLong(field: "List-Unsubscribe", octets: 1_047)) {
            try MIMEEncoder.render(message, boundarySeed: "s")
        }
    }
}
