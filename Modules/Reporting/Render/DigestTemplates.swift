import Foundation
import Mustache

/// The parsed templates of the three template formats: the built-in ones, with a list's own files
/// laid over them by name.
///
/// A list's folder holds `NAME.FORMAT.mustache` files (FORMAT is text, html or markdown). `digest`
/// is the main template of a format; every other name is a partial (`{{>NAME}}`) of that format and
/// replaces the built-in partial of the same name. docs/TEMPLATES.md has the details.
struct DigestTemplates: Sendable {
    struct Format: Sendable {
        let main: MustacheTemplate
        let library: MustacheLibrary

        func render(_ root: PersonalisedContext) -> String { main.render(root, library: library) }
    }

    let text: Format
    let html: Format
    let markdown: Format

    static let mainName = "digest"

    /// The built-in templates, parsed once per process.
    static func builtIn() throws(DigestRenderError) -> DigestTemplates { try parsedBuiltIn.get() }

    private static let parsedBuiltIn: Result<DigestTemplates, DigestRenderError> = {
        do throws(DigestRenderError) {
            return .success(try assemble(overrides: [:]))
        } catch {
            return .failure(error)
        }
    }()

    /// The built-in templates with the files of `folder` laid over them.
    static func load(folder: String) throws(DigestRenderError) -> DigestTemplates {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        } catch {
            throw .templateFolder(folder: folder, problem: "cannot be listed (\(Self.reason(error)))")
        }
        var overrides: [TemplateFormat: [String: Source]] = [:]
        for name in names where name.hasSuffix(".mustache") {
            let path = (folder as NSString).appendingPathComponent(name)
            let parts = name.dropLast(".mustache".count).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, let format = TemplateFormat(rawValue: String(parts[1])) else {
                throw .template(
                    file: path, line: nil, column: nil,
                    problem: "a template file is named NAME.text.mustache, NAME.html.mustache or NAME.markdown.mustache"
                )
            }
            overrides[format, default: [:]][String(parts[0])] = Source(file: path, text: try read(path))
        }
        guard !overrides.isEmpty else {
            throw .templateFolder(
                folder: folder, problem: "holds no template; expected digest.text.mustache and/or digest.html.mustache"
            )
        }
        return try assemble(overrides: overrides)
    }

    /// A template's text and where it came from, for error messages.
    struct Source {
        var file: String
        var text: String
    }

    private static func assemble(overrides: [TemplateFormat: [String: Source]]) throws(DigestRenderError) -> DigestTemplates {
        func format(_ format: TemplateFormat) throws(DigestRenderError) -> Format {
            var sources = BuiltInTemplates.sources(format).mapValues { Source(file: "built-in \($0.name)", text: $0.text) }
            sources.merge(overrides[format] ?? [:]) { _, override in override }
            return try parse(sources, as: format)
        }
        return DigestTemplates(text: try format(.text), html: try format(.html), markdown: try format(.markdown))
    }

    private static func parse(_ sources: [String: Source], as format: TemplateFormat) throws(DigestRenderError) -> Format {
        var library = MustacheLibrary()
        for (name, source) in sources.sorted(by: { $0.key < $1.key }) {
            try TemplateChecks.check(source, format: format, partials: Set(sources.keys))
            library.register(try parse(source, as: format), named: name)
        }
        guard let main = library.getTemplate(named: mainName) else {
            throw .template(file: "\(mainName).\(format.rawValue).mustache", line: nil, column: nil, problem: "missing")
        }
        return Format(main: main, library: library)
    }

    private static func parse(_ source: Source, as format: TemplateFormat) throws(DigestRenderError) -> MustacheTemplate {
        // A partial starts in HTML escaping whatever called it, so every text and Markdown template
        // gets its content type here: a pragma on a line of its own, which renders as nothing.
        let prefix = format.pragma.isEmpty ? "" : format.pragma + "\n"
        let prefixLines = prefix.isEmpty ? 0 : 1
        do {
            return try MustacheTemplate(string: prefix + source.text)
        } catch let error as MustacheTemplate.ParserError {
            let line = max(error.context.lineNumber - prefixLines, 1)
            throw .template(file: source.file, line: line, column: error.context.columnNumber, problem: TemplateChecks.explain(error.error))
        } catch {
            throw .template(file: source.file, line: nil, column: nil, problem: "cannot be parsed (\(Self.reason(error)))")
        }
    }

    private static func read(_ path: String) throws(DigestRenderError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .template(file: path, line: nil, column: nil, problem: "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .template(file: path, line: nil, column: nil, problem: "is not UTF-8 text")
        }
        return text
    }

    static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}

/// The formats that come from Mustache templates (JSON comes from the model's `Codable`).
enum TemplateFormat: String, CaseIterable, Sendable {
    case text, html, markdown

    /// The content type pragma that sets how `{{name}}` escapes in this format.
    var pragma: String {
        switch self {
        case .text: "{{% CONTENT_TYPE: TEXT }}"
        case .html: ""
        case .markdown: MarkdownEscaping.pragma
        }
    }
}
