import Foundation
import ITSMTestSupport
import Testing

/// What Python's html.parser (an independent parser) finds in an HTML rendering: unbalanced tags,
/// scripts, `src` attributes, and every link.
struct HTMLInspection: Decodable {
    var problems: [String]
    var tags: [String]
    var attributes: [String]
    var links: [String]
    var text: String

    static let script = #"""
        import json, sys
        from html.parser import HTMLParser

        VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

        class Inspector(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.stack, self.problems, self.tags, self.attributes, self.links, self.text = [], [], [], [], [], []
            def handle_starttag(self, tag, attrs):
                self.tags.append(tag)
                for name, value in attrs:
                    self.attributes.append(name)
                    if name in ("href", "src", "action", "background"):
                        self.links.append(value or "")
                if tag not in VOID:
                    self.stack.append((tag, self.getpos()))
            def handle_endtag(self, tag):
                if tag in VOID:
                    return
                if not self.stack or self.stack[-1][0] != tag:
                    self.problems.append("line %d: </%s> closes %s" % (self.getpos()[0], tag, self.stack[-1] if self.stack else "nothing"))
                    return
                self.stack.pop()
            def handle_data(self, data):
                self.text.append(data)

        inspector = Inspector()
        inspector.feed(sys.stdin.read())
        inspector.close()
        for tag, pos in inspector.stack:
            inspector.problems.append("line %d: <%s> never closed" % (pos[0], tag))
        json.dump({"problems": inspector.problems, "tags": inspector.tags, "attributes": inspector.attributes,
                   "links": inspector.links, "text": "".join(inspector.text)}, sys.stdout)
        """#

    static func inspect(_ html: String) throws -> HTMLInspection {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Write on another thread: a large page could fill the pipe while Python's output waits to be read.
        let writer = Thread { PipeIO.writeAll(Data(html.utf8), to: input.fileHandleForWriting) }
        writer.start()
        let json = PipeIO.readToEnd(output.fileHandleForReading)
        let stderr = PipeIO.readToEnd(errors.fileHandleForReading)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "html.parser failed: \(String(decoding: stderr, as: UTF8.self))")
        return try JSONDecoder().decode(HTMLInspection.self, from: json)
    }
}
