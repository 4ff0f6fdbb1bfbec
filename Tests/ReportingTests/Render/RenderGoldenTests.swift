import Domain
import Reporting
import Testing

@Suite("digest renderings match their golden files")
struct RenderGoldenTests {
    @Test("a digest with every section filled renders as its golden text, HTML and Markdown", arguments: [DigestFormat.text, .html, .markdown])
    func fullDigest(format: DigestFormat) throws {
        let renderer = try DigestRenderer(digest: try DigestFixture.full())
        try GoldenFile.check(renderer.render(format, for: try DigestFixture.recipient()), named: "full.\(format.rawValue)")
    }

    @Test("a digest with every section empty renders one line per section", arguments: [DigestFormat.text, .html, .markdown])
    func emptyDigest(format: DigestFormat) throws {
        let renderer = try DigestRenderer(digest: try DigestFixture.empty())
        try GoldenFile.check(renderer.render(format, for: try DigestFixture.recipient(name: nil)), named: "empty.\(format.rawValue)")
    }

    @Test("the JSON rendering has sorted keys, ISO instants and each metric's change")
    func json() throws {
        let renderer = try DigestRenderer(digest: try DigestFixture.full())
        try GoldenFile.check(renderer.json + "\n", named: "full.json")
    }
}
