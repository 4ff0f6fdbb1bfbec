import Mustache

/// What parsing alone does not catch in a template, checked when a digest is prepared rather than
/// discovered in a subscriber's mail: a partial that does not exist (Mustache renders it as nothing),
/// and in HTML a value written without escaping.
enum TemplateChecks {
    static func check(_ source: DigestTemplates.Source, format: TemplateFormat, partials: Set<String>) throws(DigestRenderError) {
        for (index, line) in source.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if format == .html, let column = column(of: ["{{{", "{{&", "{{%"], in: line) {
                throw .template(
                    file: source.file, line: index + 1, column: column,
                    problem: "HTML templates must write values with {{name}}, which escapes them; {{{ }}}, {{& }} and pragmas are refused"
                )
            }
            for (name, column) in partialNames(in: line) where !partials.contains(name) {
                throw .template(
                    file: source.file, line: index + 1, column: column,
                    problem: "the partial \"\(name)\" does not exist; expected a file \(name).\(format.rawValue).mustache or one of: "
                        + partials.sorted().joined(separator: ", ")
                )
            }
        }
    }

    /// The 1-based column of the first of `markers` in `line`.
    private static func column(of markers: [String], in line: Substring) -> Int? {
        let hits = markers.compactMap { line.range(of: $0)?.lowerBound }
        return hits.min().map { line.distance(from: line.startIndex, to: $0) + 1 }
    }

    /// The names in `{{> name}}` and `{{< name}}` tags on one line, with their columns; dynamic
    /// names (`{{>*name}}`) are looked up at render time and left alone.
    private static func partialNames(in line: Substring) -> [(String, Int)] {
        var result: [(String, Int)] = []
        var rest = line[...]
        while let open = rest.range(of: "{{") {
            let column = line.distance(from: line.startIndex, to: open.lowerBound) + 1
            var tag = rest[open.upperBound...]
            rest = tag
            guard let sigil = tag.first, sigil == ">" || sigil == "<" else { continue }
            tag = tag.dropFirst().drop(while: { $0 == " " })
            guard tag.first != "*" else { continue }
            let name = tag.prefix(while: { $0 != " " && $0 != "}" })
            if !name.isEmpty { result.append((String(name), column)) }
        }
        return result
    }

    /// Mustache's parser errors in words.
    static func explain(_ error: any Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "cannot be parsed (\(error))" }
        switch error {
        case .sectionCloseNameIncorrect: return "a closing tag {{/name}} does not match the section it closes"
        case .unfinishedName: return "a tag is not closed with }} or its name has characters a name cannot have"
        case .expectedSectionEnd: return "a section opened with {{#name}} or {{^name}} is never closed with {{/name}}"
        case .invalidSetDelimiter: return "a set-delimiter tag {{=<% %>=}} is malformed"
        case .transformAppliedToInheritanceSection: return "a transform is applied to an inheritance section"
        case .illegalTokenInsideInheritSection: return "a tag other than a block is inside a {{<parent}} section"
        case .textInsideInheritSection: return "text is inside a {{<parent}} section"
        case .invalidConfigVariableSyntax: return "a pragma {{% NAME: value }} is malformed"
        case .unrecognisedConfigVariable: return "a pragma names an unknown setting or content type"
        }
    }
}

/// Markdown's escaping: a backslash before each character Markdown would read as markup, so a
/// title like `*urgent* <b>` shows as written.
struct MarkdownContentType: MustacheContentType {
    private static let special = Set("\\`*_[]<>|&~#")

    func escapeText(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            if Self.special.contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}

enum MarkdownEscaping {
    /// The pragma selecting Markdown escaping; reading it registers the content type first.
    static let pragma: String = {
        MustacheContentTypes.register(MarkdownContentType(), named: "MARKDOWN")
        return "{{% CONTENT_TYPE: MARKDOWN }}"
    }()
}
