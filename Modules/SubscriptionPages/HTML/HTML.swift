import Notifications
/// A fragment of HTML whose interpolated `String`s are escaped, so no value reaches a page raw.
///
/// `"<p>\(title)</p>" as HTML` escapes `title`; only another `HTML` value is embedded as it is.
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation {
    let rendered: String

    init(stringLiteral literal: String) {
        rendered = literal
    }

    init(stringInterpolation: Interpolation) {
        rendered = stringInterpolation.output
    }

    /// The fragments one after another.
    init(joining fragments: [HTML]) {
        rendered = fragments.map(\.rendered).joined()
    }

    struct Interpolation: StringInterpolationProtocol {
        var output = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            output.reserveCapacity(literalCapacity + 32 * interpolationCount)
        }

        mutating func appendLiteral(_ literal: String) {
            output += literal
        }

        /// Text or an attribute value: always escaped.
        mutating func appendInterpolation(_ text: String) {
            output += HTML.escape(text)
        }

        /// Markup built elsewhere from escaped parts.
        mutating func appendInterpolation(_ fragment: HTML) {
            output += fragment.rendered
        }
    }

    /// The one escape function of the pages: safe in element text and in quoted attribute values.
    static func escape(_ text: String) -> String { HTMLText.escaped(text) }
}
