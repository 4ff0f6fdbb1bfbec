import Mustache

/// A value a digest template can read: text, a flag, a list or an object of named values.
///
/// The Mustache context is built once per digest and shared by every subscriber's rendering,
/// so it is a `Sendable` tree rather than the `[String: Any]` Mustache would take.
enum TemplateValue: Sendable, Hashable {
    case text(String)
    case flag(Bool)
    case list([TemplateValue])
    case object([String: TemplateValue])

    /// An object without its nil fields: a missing value is absent, so `{{#name}}` skips it.
    static func object(dropping fields: [String: TemplateValue?]) -> TemplateValue {
        .object(fields.compactMapValues { $0 })
    }

    /// Text when there is some, nil (absent) when the string is nil or empty.
    static func optionalText(_ text: String?) -> TemplateValue? {
        guard let text, !text.isEmpty else { return nil }
        return .text(text)
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral {
    init(stringLiteral value: String) { self = .text(value) }
    init(booleanLiteral value: Bool) { self = .flag(value) }
}

/// Mustache reads an object through `MustacheParent`; this wraps one level of fields.
struct TemplateFields: MustacheParent, Sendable {
    let fields: [String: TemplateValue]

    func child(named name: String) -> Any? { fields[name] }
}

extension TemplateValue: MustacheCustomRepresentation {
    /// What Mustache sees: a String, a Bool, an Array (a sequence section) or an object.
    var representation: Any? {
        switch self {
        case .text(let text): text
        case .flag(let flag): flag
        case .list(let items): items
        case .object(let fields): TemplateFields(fields: fields)
        }
    }
}

/// The root of one subscriber's rendering: the recipient's few fields over the shared digest context.
struct PersonalisedContext: MustacheParent {
    let recipient: TemplateValue
    let digest: TemplateFields

    func child(named name: String) -> Any? {
        name == "recipient" ? recipient : digest.child(named: name)
    }
}
