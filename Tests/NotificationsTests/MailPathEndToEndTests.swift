import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Storage
import Testing

/// The whole path a digest travels: MIME bytes -> outbox -> libcurl SMTP -> a real server, and
/// what the server stored is read back by Python's strict email parser.
@Suite("mail path end to end")
struct MailPathEndToEndTests {
    @Test("a list mail with awkward content arrives intact and parses strictly after the outbox and SMTP")
    func listMailSurvivesTheWholePath() async throws {
        try Libcurl.initialise()
        // Lines beginning with ".", a lone ".", a 998-octet line, non-ASCII, and an "=".
        let longLine = String(repeating: "a", count: 998)
        let text = "Hello Zoë,\n.hidden line\n.\n\(longLine)\n3 SLA-Verletzungen = zu viele\n"
        let html = "<p>Hello Zoë</p>\n<p>.dot</p>\n"
        let message = try MailMessage(
            from: MailAddress("digest@itsm.example.org", displayName: "ITSM Überblick"),
            to: [MailAddress("zoe@example.com", displayName: "Zoë Ærø")],
            subject: "Wöchentlicher Überblick — 3 SLA-Verletzungen ✅",
            textBody: text, htmlBody: html, date: Instant(secondsSinceEpoch: 1_780_383_600),
            messageIDLocalPart: "digest.ops-weekly.2026-W23.s42",
            extraHeaders: .listMail(
                id: "ops-weekly.itsm.example.org", name: "Ops weekly",
                unsubscribeURL: try #require(URL(string: "https://itsm.example.org/unsubscribe?token=abc"))
            )
        )
        let bytes = try MIMEEncoder.render(message, boundarySeed: "digest.ops-weekly.2026-W23.s42")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-mailpath-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let logger = Logger(label: "test")
        let now = Instant(secondsSinceEpoch: 1_780_383_600)
        let store = try await Store.open(.sqlite(path: folder.appendingPathComponent("itsm.sqlite").path), now: now, logger: logger).store
        do {
            try await withSink { sink in
                let url = try #require(URL(string: "smtp://127.0.0.1:\(sink.port)"))
                let transport = try SMTPTransport(settings: SMTPSettings(url: url, connections: 1), logger: logger)
                let inserted = try await store.outbox.enqueue(NewOutboxMessage(
                    idempotencyKey: "digest:ops-weekly:2026-W23:42", kind: "digest", priority: 10,
                    sender: "digest@itsm.example.org", recipients: ["zoe@example.com"], messageID: message.messageID, data: bytes
                ), at: now)
                #expect(inserted)
                let delivery = OutboxDelivery(outbox: store.outbox, transport: transport, workerName: "test", now: { now }, logger: logger)
                let round = try await delivery.deliverDueMessages()
                await transport.shutdown()
                #expect(round.sent == 1)

                let received = try sink.messages()
                try #require(received.count == 1)
                #expect(received[0].data == bytes)  // byte for byte, dots and all

                let parsed = try PythonMailParser.parse(received[0].data)
                #expect(parsed.error == nil)
                #expect(parsed.defects.isEmpty)
                #expect(parsed.values("Subject") == ["Wöchentlicher Überblick — 3 SLA-Verletzungen ✅"])
                #expect(parsed.addresses("To") == [ParsedMail.Mailbox(displayName: "Zoë Ærø", address: "zoe@example.com")])
                #expect(parsed.values("List-Id") == ["Ops weekly <ops-weekly.itsm.example.org>"])
                #expect(parsed.values("List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"])
                #expect(parsed.values("Message-ID") == ["<digest.ops-weekly.2026-W23.s42@itsm.example.org>"])
                #expect(parsed.parts.map(\.contentType) == ["text/plain", "text/html"])
                // The decoded parts are the bodies with CRLF line ends.
                #expect(parsed.parts.first?.payload == Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
                #expect(parsed.parts.last?.payload == Array(html.replacingOccurrences(of: "\n", with: "\r\n").utf8))

                let stored = try await store.outbox.list(status: .sent)
                #expect(stored.count == 1)
                #expect(stored.first?.serverReply?.hasPrefix("250") == true)
            }
            try await store.database.close()
        } catch {
            try? await store.database.close()
            throw error
        }
    }
}
