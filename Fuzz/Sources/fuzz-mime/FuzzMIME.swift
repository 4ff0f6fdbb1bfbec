import Domain
import Foundation
import FuzzSupport
import MIME

// Any strings into MailAddress, MailMessage and MIMEEncoder.render: each either throws its typed
// error or renders bytes that (1) hold no bare CR or LF, (2) have exactly the expected header
// fields, each once, every other header line a folded continuation, (3) keep every line within
// 998 octets and body lines within 76, and (4) decode back to the given bodies.
// With FUZZ_MIME_DUMP=DIR, each rendered message is also written there with what it should say,
// for Fuzz/mime_check.py to parse with Python's strict parser (Tests/Support/mime_parse.py).

@main
enum FuzzMIMEMain {
    static func main() { runFuzzer { data, count in data.map { fuzzMIME($0, count) } ?? 0 } }
}

func fuzzMIME(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = FuzzInput(data, count)
    let flags = input.number()
    let fromName = input.text(), toAddress = input.text(), toName = input.text(), secondName = input.text()
    let subject = input.text(), text = input.text(), html = input.text(), messageID = input.text()
    let listID = input.text(), listName = input.text(), url = input.text(), mailto = input.text(), seed = input.text()

    let message: MailMessage
    do throws(MIMEError) {
        let from = try MailAddress("digest@itsm.example.org", displayName: fromName)
        var to = [try MailAddress(flags & 1 == 0 ? "alice@example.com" : toAddress, displayName: toName)]
        if flags & 2 != 0 { to.append(try MailAddress("bob@example.net", displayName: secondName)) }
        let replyTo = flags & 4 != 0 ? try MailAddress("ops@itsm.example.org", displayName: secondName) : nil
        var extra: [MailMessage.ExtraHeader] = .transactionalMail
        if flags & 8 != 0 {
            let unsubscribe = URL(string: url.isEmpty ? "https://itsm.example.org/unsubscribe?t=abc" : url)
            guard let unsubscribe else { return 0 }
            extra = .listMail(
                id: flags & 16 == 0 ? "weekly.itsm.example.org" : listID,
                name: flags & 32 == 0 ? nil : listName,
                unsubscribeURL: unsubscribe,
                unsubscribeMailto: flags & 64 == 0 ? nil : mailto
            )
        }
        message = try MailMessage(
            from: from, to: to, replyTo: replyTo, subject: subject, textBody: text,
            htmlBody: flags & 128 == 0 ? nil : html, date: Instant(secondsSinceEpoch: 1_780_383_600),
            messageIDLocalPart: flags & 256 == 0 ? "digest-7.subscriber-42" : messageID, extraHeaders: extra
        )
    } catch {
        return 0  // refused with a typed error: fine
    }

    let bytes: [UInt8]
    do throws(MIMEError) {
        bytes = try MIMEEncoder.render(message, boundarySeed: seed)
    } catch {
        return 0
    }
    RenderedMail(bytes: bytes, message: message).check()
    MIMEDump.write(bytes, message)
    return 0
}

/// The checks on one rendered message.
struct RenderedMail {
    let bytes: [UInt8]
    let message: MailMessage

    func check() {
        let lines = self.lines()
        guard let blank = lines.firstIndex(where: \.isEmpty) else { finding("no empty line ends the header block") }
        let names = headerNames(Array(lines[..<blank]), where: "message header")
        var expected = ["Date", "Message-ID", "From", "To"] + (message.replyTo == nil ? [] : ["Reply-To"])
        expected += ["Subject", "MIME-Version"] + message.extraHeaders.map(\.fieldName)
        expected += message.htmlBody == nil ? ["Content-Type", "Content-Transfer-Encoding"] : ["Content-Type"]
        guard names.sorted() == expected.sorted(), Set(names).count == names.count else {
            finding("header fields \(names), expected \(expected)")
        }
        let body = Array(lines[(blank + 1)...])
        for line in body where line.count > 76 { finding("a body line of \(line.count) octets") }
        guard let html = message.htmlBody else {
            checkDecoded(body, equals: message.textBody, part: "text")
            return
        }
        guard let boundary = boundary(Array(lines[..<blank])) else { finding("no boundary in Content-Type") }
        let delimiter = Array("--\(boundary)".utf8), close = delimiter + Array("--".utf8)
        let at = body.indices.filter { body[$0] == delimiter || body[$0] == close }
        guard at.count == 3, body[at[0]] == delimiter, body[at[1]] == delimiter, body[at[2]] == close, at[0] == 0,
              at[2] == body.count - 1 else {
            finding("boundary lines at \(at) of \(body.count) body lines")
        }
        for (index, (start, end)) in [(at[0], at[1]), (at[1], at[2])].enumerated() {
            let part = Array(body[(start + 1)..<end])
            guard let partBlank = part.firstIndex(where: \.isEmpty) else { finding("part \(index) has no header block") }
            let partNames = headerNames(Array(part[..<partBlank]), where: "part \(index)")
            guard partNames == ["Content-Type", "Content-Transfer-Encoding"] else { finding("part \(index) headers \(partNames)") }
            checkDecoded(Array(part[(partBlank + 1)...]), equals: index == 0 ? message.textBody : html, part: "part \(index)")
        }
    }

    /// The message split at CRLF; a bare CR or LF anywhere is a finding.
    private func lines() -> [[UInt8]] {
        var lines: [[UInt8]] = [], line: [UInt8] = [], index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D {
                guard index + 1 < bytes.count, bytes[index + 1] == 0x0A else { finding("a bare CR at octet \(index)") }
                lines.append(line)
                line = []
                index += 2
                continue
            }
            if byte == 0x0A { finding("a bare LF at octet \(index)") }
            line.append(byte)
            index += 1
        }
        guard line.isEmpty else { finding("the message does not end with CRLF") }
        for line in lines where line.count > 998 { finding("a line of \(line.count) octets") }
        return lines
    }

    /// Field names of a header block; every other line must be a continuation with text on it.
    private func headerNames(_ block: [[UInt8]], where place: String) -> [String] {
        var names: [String] = []
        for (index, line) in block.enumerated() {
            if line.contains(where: { $0 < 0x20 || $0 == 0x7F }) { finding("a control octet in \(place) line \(index)") }
            if line.first == 0x20 || line.first == 0x09 {
                guard index > 0 else { finding("\(place) starts with a continuation line") }
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { finding("a whitespace-only line in \(place)") }
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { finding("\(place) line \(index) is neither a field nor a continuation") }
            names.append(String(decoding: line[..<colon], as: UTF8.self))
        }
        return names
    }

    private func boundary(_ block: [[UInt8]]) -> String? {
        let text = block.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "\n")
        guard let start = text.range(of: "boundary=\"")?.upperBound, let end = text[start...].firstIndex(of: "\"") else { return nil }
        return String(text[start..<end])
    }

    /// Quoted-printable body lines decode to `text` with its line ends made CRLF.
    private func checkDecoded(_ lines: [[UInt8]], equals text: String, part: String) {
        var decoded: [UInt8] = []
        for (index, line) in lines.enumerated() {
            var i = 0, soft = false
            while i < line.count {
                let byte = line[i]
                guard byte == 0x09 || (0x20...0x7E).contains(byte) else { finding("\(part): octet \(byte) in a quoted-printable line") }
                if byte == UInt8(ascii: "=") {
                    if i == line.count - 1 { soft = true; break }
                    guard i + 2 < line.count, let value = UInt8(String(decoding: line[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) else {
                        finding("\(part): a bad =XX escape in line \(index)")
                    }
                    decoded.append(value)
                    i += 3
                } else {
                    decoded.append(byte)
                    i += 1
                }
            }
            if !soft { decoded += [0x0D, 0x0A] }
        }
        if part.hasPrefix("part") {
            // The CRLF before a delimiter belongs to the delimiter, and the split ate it: drop the one added.
            if decoded.suffix(2) == [0x0D, 0x0A] { decoded.removeLast(2) } else if !lines.isEmpty { finding("\(part): no line end") }
        }
        let expected = Self.crlfLineEnds(text)
        guard decoded == expected else {
            finding("\(part) decodes to \(String(decoding: decoded, as: UTF8.self).debugDescription), expected \(String(decoding: expected, as: UTF8.self).debugDescription)")
        }
    }

    static func crlfLineEnds(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        var result: [UInt8] = [], index = 0
        while index < bytes.count {
            switch bytes[index] {
            case 0x0D:
                result += [0x0D, 0x0A]
                index += index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
            case 0x0A:
                result += [0x0D, 0x0A]
                index += 1
            default:
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }
}

/// Writes rendered messages and what they should say, for the Python cross-check.
enum MIMEDump {
    nonisolated(unsafe) static var counter = 0
    static let directory = ProcessInfo.processInfo.environment["FUZZ_MIME_DUMP"]

    static func write(_ bytes: [UInt8], _ message: MailMessage) {
        guard let directory else { return }
        counter += 1
        let base = "\(directory)/\(ProcessInfo.processInfo.processIdentifier)-\(counter)"
        let expected: [String: Any] = [
            "subject": message.subject,
            "text": String(decoding: RenderedMail.crlfLineEnds(message.textBody), as: UTF8.self),
            "html": message.htmlBody.map { String(decoding: RenderedMail.crlfLineEnds($0), as: UTF8.self) } ?? NSNull(),
            "to": message.to.map { ["address": $0.address, "displayName": $0.displayName ?? ""] },
            "from": ["address": message.from.address, "displayName": message.from.displayName ?? ""],
            "headerNames": ["Date", "Message-ID", "From", "To"] + (message.replyTo == nil ? [] : ["Reply-To"])
                + ["Subject", "MIME-Version"] + message.extraHeaders.map(\.fieldName),
        ]
        FileManager.default.createFile(atPath: base + ".eml", contents: Data(bytes))
        if let json = try? JSONSerialization.data(withJSONObject: expected) {
            FileManager.default.createFile(atPath: base + ".json", contents: json)
        }
    }
}
