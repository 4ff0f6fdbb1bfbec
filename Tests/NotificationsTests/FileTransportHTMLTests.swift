import Foundation
import ITSMTestSupport
import Notifications
import Testing

/// The `.html` file the folder transport writes beside a message with an HTML part, for a browser.
@Suite("File transport: the HTML part beside the .eml")
struct FileTransportHTMLTests {
    @Test("a message with an HTML part gets <name>.html holding that part decoded, the .eml untouched", arguments: MailSample.allCases)
    func htmlBesideEml(_ sample: MailSample) async throws {
        try await withMailFolder { folder in
            let message = try sample.message()
            let bytes = try MIMEEncoder.render(message, boundarySeed: sample.rawValue)
            let result = await FileTransport(directory: folder.path).send(
                Envelope(sender: "desk@itsm.example", recipients: ["alice@example.com"], data: bytes, messageID: "digest-9.sub-3@itsm.example"))

            #expect(result == .delivered(reply: "written to \(folder.path)/digest-9.sub-3_itsm.example.eml"))
            let eml = try [UInt8](Data(contentsOf: folder.appendingPathComponent("digest-9.sub-3_itsm.example.eml")))
            #expect(eml == bytes)
            let listing = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            guard let html = message.htmlBody else {
                #expect(listing == ["digest-9.sub-3_itsm.example.eml"])
                return
            }
            #expect(listing == ["digest-9.sub-3_itsm.example.eml", "digest-9.sub-3_itsm.example.html"])
            let htmlFile = folder.appendingPathComponent("digest-9.sub-3_itsm.example.html")
            let written = try [UInt8](Data(contentsOf: htmlFile))
            // The HTML as given, its line ends made CRLF as MIME carries text, and as Python decodes it.
            #expect(written == MailSample.crlf(html))
            let python = try PythonMailParser.parse(bytes)
            let pythonHTML = try #require(python.parts.first { $0.contentType == "text/html" })
            #expect(written == pythonHTML.payload)
            let mode = try #require(FileManager.default.attributesOfItem(atPath: htmlFile.path)[.posixPermissions] as? NSNumber)
            #expect(mode.intValue == 0o600, "mode \(String(mode.intValue, radix: 8))")
        }
    }

    @Test("the HTML part of a nested multipart in base64 is found and decoded")
    func nestedBase64() async throws {
        try await withMailFolder { folder in
            let html = "<p>Grüße aus Köln</p>\r\n<p>a = b</p>"
            let encoded = Data(html.utf8).base64EncodedString(options: [.lineLength64Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
            let message = """
                From: desk@itsm.example\r
                To: alice@example.com\r
                Subject: nested\r
                MIME-Version: 1.0\r
                Content-Type: multipart/mixed;\r
                 boundary=outer\r
                \r
                --outer\r
                Content-Type: multipart/alternative; boundary="inner; quoted"\r
                \r
                --inner; quoted\r
                Content-Type: text/plain; charset=utf-8\r
                \r
                plain\r
                --inner; quoted\r
                Content-Type: TEXT/HTML; charset="utf-8"\r
                Content-Transfer-Encoding: BASE64\r
                \r
                \(encoded)\r
                --inner; quoted--\r
                --outer--\r

                """
            let bytes = Array(message.utf8)
            #expect(try PythonMailParser.parse(bytes).error == nil)
            let result = await FileTransport(directory: folder.path).send(
                Envelope(sender: "desk@itsm.example", recipients: ["alice@example.com"], data: bytes, messageID: "nested@itsm.example"))

            #expect(result == .delivered(reply: "written to \(folder.path)/nested_itsm.example.eml"))
            let written = try String(contentsOf: folder.appendingPathComponent("nested_itsm.example.html"), encoding: .utf8)
            #expect(written == html)
        }
    }

    @Test("a later message of the same id without HTML removes the earlier .html; one with HTML replaces it")
    func replacement() async throws {
        try await withMailFolder { folder in
            let transport = FileTransport(directory: folder.path)
            func send(_ message: MailMessage) async throws -> DeliveryResult {
                await transport.send(Envelope(
                    sender: "desk@itsm.example", recipients: ["alice@example.com"],
                    data: try MIMEEncoder.render(message, boundarySeed: "same"), messageID: "same@itsm.example"))
            }
            let htmlFile = folder.appendingPathComponent("same_itsm.example.html")

            _ = try await send(try MailFixture.message(html: "<p>first</p>"))
            #expect(try String(contentsOf: htmlFile, encoding: .utf8) == "<p>first</p>")
            _ = try await send(try MailFixture.message(html: "<p>second</p>"))
            #expect(try String(contentsOf: htmlFile, encoding: .utf8) == "<p>second</p>")
            _ = try await send(try MailFixture.message(html: nil))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["same_itsm.example.eml"])
        }
    }
}

/// A fresh temporary mail folder for one test, removed afterwards.
private func withMailFolder(_ body: (URL) async throws -> Void) async throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("file-transport-html-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try await body(folder)
}
