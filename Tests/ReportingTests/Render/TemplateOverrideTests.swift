import Domain
import Foundation
import Reporting
import Testing

@Suite("a list's template folder overrides the built-in templates")
struct TemplateOverrideTests {
    /// A fresh folder holding `files` (name -> contents).
    func folder(_ files: [String: String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("digest-templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: folder.appendingPathComponent(name))
        }
        return folder.path
    }

    @Test("a folder's text template and partial are used, without HTML escaping; the built-in HTML stays")
    func textOverride() throws {
        // A standalone {{>footer}} line takes its line break from the partial, which has none: the text ends there.
        let path = try folder([
            "digest.text.mustache": "{{list.title}} for {{recipient.greeting}}\n{{#sections}}\n* {{title}}\n{{/sections}}\n{{>footer}}\n",
            "footer.text.mustache": "Leave: {{recipient.unsubscribeURL}}",
            "README.md": "not a template, ignored",
        ])
        var digest = try DigestFixture.empty()
        digest.list.title = "Ops <weekly> & more"
        let renderer = try DigestRenderer(digest: digest, templateFolder: path)
        let recipient = try DigestFixture.recipient(name: "Ada")
        #expect(renderer.render(.text, for: recipient) == """
            Ops <weekly> & more for Hello Ada,
            * Service Strategy
            * Service Design
            * Service Transition
            * Service Operation
            * Continual Service Improvement
            Leave: https://itsm.example.org/unsubscribe?t=u1-3f9a
            """)
        #expect(renderer.render(.html, for: recipient) == (try DigestRenderer(digest: digest)).render(.html, for: recipient))
    }

    @Test("a folder's HTML partial replaces the built-in one of the same name and still escapes")
    func htmlPartialOverride() throws {
        let path = try folder(["section.html.mustache": "<tr><td><h2>{{title}}</h2>{{emptyLine}}</td></tr>\n"])
        var digest = try DigestFixture.empty()
        digest.list.title = "<b>Ops</b>"
        let html = try DigestRenderer(digest: digest, templateFolder: path).render(.html, for: try DigestFixture.recipient())
        #expect(html.contains("<tr><td><h2>Service Design</h2>No SLA measurements, breaches or catalog changes this week.</td></tr>"))
        #expect(html.contains("&lt;b&gt;Ops&lt;/b&gt;"))
        #expect(!html.contains("<b>Ops"))
    }

    @Test("an unparseable template is refused when preparing, naming the file and line")
    func brokenTemplate() throws {
        let path = try folder(["digest.html.mustache": "<html>\n{{#sections}}\n{{/section}}\n</html>\n"])
        let file = (path as NSString).appendingPathComponent("digest.html.mustache")
        #expect {
            try DigestRenderer(digest: try DigestFixture.empty(), templateFolder: path)
        } throws: { error in
            guard case .template(let named, let line, _, let problem) = error as? DigestRenderError else { return false }
            return named == file && line == 3 && problem.contains("does not match") && "\(error)".hasPrefix("template \(file):3")
        }
    }

    @Test("a text template's line numbers are the file's own")
    func brokenTextTemplateLine() throws {
        let path = try folder(["digest.text.mustache": "one\ntwo {{#sections}}\nthree\n"])
        #expect {
            try DigestRenderer(digest: try DigestFixture.empty(), templateFolder: path)
        } throws: { error in
            guard case .template(_, let line, _, let problem) = error as? DigestRenderError else { return false }
            // An unclosed section is noticed at the end of the text: after the third line's break, on line 4.
            return line == 4 && problem.contains("never closed")
        }
    }

    @Test("a partial the folder does not have is refused, naming the file, line and partial")
    func missingPartial() throws {
        let path = try folder(["digest.text.mustache": "{{list.title}}\n  {{> signature }}\n"])
        let file = (path as NSString).appendingPathComponent("digest.text.mustache")
        #expect {
            try DigestRenderer(digest: try DigestFixture.empty(), templateFolder: path)
        } throws: { error in
            guard case .template(let named, let line, let column, let problem) = error as? DigestRenderError else { return false }
            return named == file && line == 2 && column == 3 && problem.contains("\"signature\"")
        }
    }

    @Test("an HTML template that writes a value unescaped is refused")
    func unescapedHTML() throws {
        let path = try folder(["digest.html.mustache": "<p>{{{list.title}}}</p>\n"])
        let file = (path as NSString).appendingPathComponent("digest.html.mustache")
        #expect {
            try DigestRenderer(digest: try DigestFixture.empty(), templateFolder: path)
        } throws: { error in
            guard case .template(let named, let line, let column, _) = error as? DigestRenderError else { return false }
            return named == file && line == 1 && column == 4
        }
    }

    @Test("a missing folder, an empty one and a misnamed file are refused, naming them")
    func badFolders() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-templates-\(UUID().uuidString)").path
        #expect {
            try DigestRenderer(digest: try DigestFixture.empty(), templateFolder: missing)
        } throws: { error in
            guard case .templateFolder(let folder, _) = error as? DigestRenderError else { return false }
            return folder == missing
        }
        let empty = try folder(["notes.txt": "no templates here"])
        #expect {
            try DigestRenderer(digest: try DigestFixture.empty(), templateFolder: empty)
        } throws: { error in
            guard case .templateFolder(let folder, let problem) = error as? DigestRenderError else { return false }
            return folder == empty && problem.contains("digest.text.mustache")
        }
        let misnamed = try folder(["digest.mustache": "{{list.title}}"])
        #expect {
            try DigestRenderer(digest: try DigestFixture.empty(), templateFolder: misnamed)
        } throws: { error in
            guard case .template(let file, _, _, _) = error as? DigestRenderError else { return false }
            return file == (misnamed as NSString).appendingPathComponent("digest.mustache")
        }
    }
}
