import Foundation

/// The formats a digest renders to.
public enum DigestFormat: String, CaseIterable, Sendable {
    case text, html, markdown, json

    /// The MIME type of a rendering in this format.
    public var mediaType: String {
        switch self {
        case .text: "text/plain; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        case .markdown: "text/markdown; charset=utf-8"
        case .json: "application/json"
        }
    }
}

/// One subscriber's mail: the subject and the two alternative bodies.
public struct RenderedDigest: Hashable, Sendable {
    public let subject: String
    public let text: String
    public let html: String
}

/// Renders one built digest for every subscriber of its list.
///
/// Preparing does the per-digest work once: reading the list's templates, formatting every figure
/// and instant, laying out the text tables, encoding the JSON. `render(for:)` then only runs the
/// templates with the recipient's greeting and links laid over the prepared context.
public struct DigestRenderer: Sendable {
    public let digest: Digest
    /// The mail subject, e.g. "Ops weekly: week of 16 Nov 2026 — 12 incidents opened, 2 SLA breaches".
    public let subject: String
    /// The digest as pretty-printed JSON with sorted keys; the same for every recipient.
    public let json: String
    private let context: TemplateFields
    private let templates: DigestTemplates

    /// Prepares `digest` with the built-in templates, or with those of `templateFolder` laid over them
    /// (a list's `MailingList.templateFolder`); a missing or broken template throws here, naming the file.
    public init(digest: Digest, templateFolder: String? = nil) throws(DigestRenderError) {
        self.digest = digest
        if let templateFolder {
            templates = try DigestTemplates.load(folder: templateFolder)
        } else {
            templates = try DigestTemplates.builtIn()
        }
        let content = try DigestContext(digest: digest)
        subject = content.subject
        context = TemplateFields(fields: content.fields(subject: subject))
        json = try Self.encode(digest)
    }

    /// The subject and both mail bodies for one subscriber.
    public func render(for recipient: Recipient) -> RenderedDigest {
        RenderedDigest(subject: subject, text: render(.text, for: recipient), html: render(.html, for: recipient))
    }

    /// One rendering for one subscriber; JSON is the same for everyone and carries no recipient.
    public func render(_ format: DigestFormat, for recipient: Recipient) -> String {
        let root = PersonalisedContext(recipient: Self.fields(of: recipient), digest: context)
        switch format {
        case .text: return TextLayout.reflow(templates.text.render(root))
        case .html: return templates.html.render(root)
        case .markdown: return templates.markdown.render(root)
        case .json: return json
        }
    }

    private static func fields(of recipient: Recipient) -> TemplateValue {
        .object(dropping: [
            "name": TemplateValue.optionalText(recipient.name),
            "greeting": .text(recipient.greeting),
            "unsubscribeURL": .text(recipient.unsubscribeURL),
            "manageURL": TemplateValue.optionalText(recipient.manageURL),
        ])
    }

    private static func encode(_ digest: Digest) throws(DigestRenderError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(digest), as: UTF8.self)
        } catch let EncodingError.invalidValue(value, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .invalidDigest(field: path, value: "\(value)", expected: "a finite number (JSON has no NaN or infinity)")
        } catch {
            throw .invalidDigest(field: "digest", value: "", expected: "a value JSON can encode (\(error))")
        }
    }
}
