import Domain
import Foundation
import Reporting
import Testing

@Suite("digest renderings are safe and fit the mail")
struct RenderSafetyTests {
    static let script = "<script>alert(1)</script>"

    @Test("a <script> in a title shows as text in HTML and Markdown and as written in plain text")
    func scriptInTitle() throws {
        let renderer = try DigestRenderer(digest: try DigestFixture.full(incidentTitle: "Export fails \(Self.script) & \"quotes\""))
        let recipient = try DigestFixture.recipient()

        let html = renderer.render(.html, for: recipient)
        #expect(!html.contains("<script"))
        #expect(html.contains("Export fails &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"))
        let inspection = try HTMLInspection.inspect(html)
        #expect(!inspection.tags.contains("script"))
        #expect(inspection.text.contains("Export fails \(Self.script) & \"quotes\""))

        let text = renderer.render(.text, for: recipient)
        #expect(text.contains("INC-1042 Export fails \(Self.script) & \"quotes\""))

        let markdown = renderer.render(.markdown, for: recipient)
        #expect(markdown.contains(#"Export fails \<script\>alert(1)\</script\> \& "quotes""#))
    }

    @Test("every line of the text part is at most 72 columns, also with a long title and a long name")
    func textWidth() throws {
        let longWord = String(repeating: "x", count: 80)
        let longTitle = String(repeating: "Payroll export times out again ", count: 5) + longWord
        var digest = try DigestFixture.full(incidentTitle: longTitle)
        digest.list.title = String(repeating: "Operations weekly digest ", count: 4)
        let renderer = try DigestRenderer(digest: digest)
        let longName = String(repeating: "Maximiliane ", count: 8)
        for digest in [renderer, try DigestRenderer(digest: try DigestFixture.empty())] {
            let text = digest.render(.text, for: try DigestFixture.recipient(name: longName))
            let wide = text.split(separator: "\n").filter { $0.count > 72 }
            #expect(wide.isEmpty, "lines over 72 columns: \(wide)")
        }
        // A word longer than a line is cut, not lost: 68 letters after the 4-column indent, then the other 12.
        let text = renderer.render(.text, for: try DigestFixture.recipient())
        #expect(text.contains("\n    " + String(repeating: "x", count: 68) + "\n    " + String(repeating: "x", count: 12) + "\n"))
    }

    @Test("an unsubscribe link longer than a line stays whole on a line of its own")
    func longLink() throws {
        let token = String(repeating: "a1b2c3d4", count: 12)
        let recipient = try Recipient(name: "Ada", unsubscribeURL: "https://itsm.example.org/unsubscribe?t=\(token)")
        let text = try DigestRenderer(digest: try DigestFixture.full()).render(.text, for: recipient)
        #expect(text.contains("\nhttps://itsm.example.org/unsubscribe?t=\(token)\n"))
        let wide = text.split(separator: "\n").filter { $0.count > 72 }.map(String.init)
        #expect(wide == ["https://itsm.example.org/unsubscribe?t=\(token)"])
    }

    @Test("the HTML parses with balanced tags and has no script, no src and no link but the recipient's two")
    func htmlIsSelfContained() throws {
        for digest in [try DigestFixture.full(), try DigestFixture.empty()] {
            let html = try DigestRenderer(digest: digest).render(.html, for: try DigestFixture.recipient())
            let inspection = try HTMLInspection.inspect(html)
            #expect(inspection.problems.isEmpty, "\(inspection.problems)")
            #expect(!html.lowercased().contains("<script"))
            #expect(!inspection.attributes.contains("src"))
            #expect(!inspection.tags.contains { ["img", "link", "iframe", "object", "embed", "form"].contains($0) })
            #expect(!inspection.attributes.contains { $0.hasPrefix("on") })
            #expect(inspection.links == ["https://itsm.example.org/unsubscribe?t=u1-3f9a", "https://itsm.example.org/lists/ops-weekly"])
            // No URL anywhere else either (a url() in CSS, a bare link in the text).
            #expect(html.components(separatedBy: "https://").count - 1 == 2)
            #expect(!html.contains("http://"))
            #expect(!html.contains("url("))
            #expect(html.contains(#"<meta name="color-scheme" content="light dark">"#))
            #expect(html.contains(#"<meta name="supported-color-schemes" content="light dark">"#))
        }
    }

    @Test("two subscribers' renderings differ only in the greeting and the unsubscribe link")
    func perRecipient() throws {
        let renderer = try DigestRenderer(digest: try DigestFixture.full())
        let ada = try DigestFixture.recipient(name: "Ada Lovelace", token: "u1-3f9a")
        let grace = try DigestFixture.recipient(name: "Grace Hopper", token: "u2-77c1")
        for format in [DigestFormat.text, .html, .markdown] {
            let first = renderer.render(format, for: ada)
            let second = renderer.render(format, for: grace)
            #expect(first != second)
            let normalised = second.replacingOccurrences(of: "Grace Hopper", with: "Ada Lovelace").replacingOccurrences(of: "u2-77c1", with: "u1-3f9a")
            #expect(normalised == first, "\(format) differs beyond greeting and link")
        }
        let mail = renderer.render(for: grace)
        #expect(mail.subject == "Ops weekly: week of 16 Nov 2026 \u{2014} 12 incidents opened, 2 SLA breaches")
        #expect(mail.text.contains("Hello Grace Hopper,\n"))
        #expect(mail.html.contains("Hello Grace Hopper,"))
        #expect(mail.text.contains("\nhttps://itsm.example.org/unsubscribe?t=u2-77c1\n"))
    }

    @Test("a recipient without a name is greeted without one; line breaks in a name become spaces")
    func greeting() throws {
        let renderer = try DigestRenderer(digest: try DigestFixture.empty())
        #expect(renderer.render(.text, for: try DigestFixture.recipient(name: nil)).contains("\nHello,\n"))
        #expect(renderer.render(.text, for: try DigestFixture.recipient(name: "  Ada\r\nLovelace ")).contains("\nHello Ada Lovelace,\n"))
    }

    @Test("a link that is not http(s) or holds a quote is refused, naming the field")
    func badLinks() throws {
        #expect(throws: DigestRenderError.invalidRecipient(
            field: "unsubscribeURL", value: "javascript:alert(1)",
            expected: "an absolute http or https URL in printable ASCII, without spaces, quotes or angle brackets"
        )) {
            try Recipient(unsubscribeURL: "javascript:alert(1)")
        }
        #expect(throws: DigestRenderError.self) { try Recipient(unsubscribeURL: "https://x.example/u", manageURL: "https://x.example/\"><b>") }
    }

    @Test("the subject names the list, the week and the headline figures; an empty digest says nothing to report")
    func subjects() throws {
        #expect(try DigestRenderer(digest: try DigestFixture.full()).subject == "Ops weekly: week of 16 Nov 2026 \u{2014} 12 incidents opened, 2 SLA breaches")
        #expect(try DigestRenderer(digest: try DigestFixture.empty()).subject == "Ops weekly: week of 16 Nov 2026 \u{2014} nothing to report")
    }

    @Test("an unknown time zone in the digest is refused when preparing, naming the field")
    func badTimeZone() throws {
        var digest = try DigestFixture.empty()
        digest.list.timeZone = "Mars/Olympus"
        #expect(throws: DigestRenderError.invalidDigest(field: "list.timeZone", value: "Mars/Olympus", expected: "an IANA time zone such as Europe/Berlin")) {
            try DigestRenderer(digest: digest)
        }
    }

    @Test("a figure JSON cannot carry is refused when preparing, naming where it is")
    func nonFiniteFigure() throws {
        var digest = try DigestFixture.full()
        digest.design?.responseCompliance = Metric(.percent, current: .nan, previous: 90)
        #expect {
            try DigestRenderer(digest: digest)
        } throws: { error in
            guard case .invalidDigest(let field, _, _) = error as? DigestRenderError else { return false }
            return field == "design.responseCompliance.current"
        }
    }
}
