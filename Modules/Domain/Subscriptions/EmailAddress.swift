import Foundation

/// A subscriber's mailbox, normalised and checked against RFC 5321's limits.
///
/// Normalising trims surrounding whitespace, lower-cases the domain and writes IDN labels as
/// `xn--` Punycode, so two spellings of one domain compare equal. The local part is kept as given:
/// only the receiving server may interpret its case. Quoted local parts are not supported.
public struct EmailAddress: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The part before the `@`, exactly as given.
    public let localPart: String
    /// The domain in ASCII: lower-case, IDN labels as `xn--` Punycode.
    public let domain: String

    /// `localPart@domain`, the form stored and written into mail.
    public var address: String { "\(localPart)@\(domain)" }

    public var description: String { address }

    /// Normalises and checks `text`; a rejection says what is wrong, with field "email".
    public init(parsing text: String) throws(DomainError) {
        let trimmed = text.trimmingWhitespace()
        func refuse(_ expected: String) -> DomainError {
            // Echo enough of the input to recognise it, never an unbounded amount.
            let shown = trimmed.count > 300 ? String(trimmed.prefix(300)) + "..." : trimmed
            return .invalidField(field: "email", value: shown, expected: expected)
        }

        guard !trimmed.isEmpty else { throw refuse("an email address such as name@example.org") }
        if trimmed.unicodeScalars.contains(where: Self.isControl) {
            throw refuse("an address without control characters or line breaks")
        }
        if trimmed.unicodeScalars.contains(where: String.isWhiteSpace) {
            throw refuse("an address without spaces")
        }
        // By scalar: an "@" followed by a combining mark is one Character, and would hide a second "@".
        let parts = trimmed.unicodeScalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw refuse("an address with exactly one @") }
        let local = String(parts[0])
        guard !local.isEmpty else { throw refuse("a local part before the @, as in name@example.org") }
        guard local.utf8.count <= 64 else { throw refuse("a local part of at most 64 bytes (RFC 5321)") }
        if local.unicodeScalars.contains(where: { Self.localPartSpecials.contains($0) }) {
            throw refuse(#"a local part without any of < > ( ) [ ] \ , ; : " (quoted local parts are not supported)"#)
        }
        guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains("..") else {
            throw refuse("a local part that does not start or end with a dot and has no two dots in a row")
        }

        let domain = try Self.asciiDomain(String(parts[1]), refuse: refuse)
        guard local.utf8.count + 1 + domain.utf8.count <= 254 else {
            throw refuse("an address of at most 254 bytes in all (RFC 5321)")
        }
        self.localPart = local
        self.domain = domain
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try EmailAddress(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(address)
    }

    // MARK: Domain

    /// The domain in its ASCII form (lower-case, `xn--` labels), or the first thing wrong with it.
    private static func asciiDomain(_ given: String, refuse: (String) -> DomainError) throws(DomainError) -> String {
        guard !given.isEmpty else { throw refuse("a domain after the @, as in name@example.org") }
        let lowered = given.lowercased()
        // IDNA's label separators: the ideographic and full-width full stops count as dots. ASCII
        // (nearly every address) has none of them and is its own canonical composition.
        let dotted = lowered.utf8.allSatisfy({ $0 < 0x80 }) ? lowered : String(String.UnicodeScalarView(
            lowered.precomposedStringWithCanonicalMapping.unicodeScalars.map { ["\u{3002}", "\u{FF0E}", "\u{FF61}"].contains($0) ? "." : $0 }
        ))
        let labels = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard labels.count >= 2 else { throw refuse("a domain with at least one dot, such as example.org") }
        guard !labels.contains(where: \.isEmpty) else {
            throw refuse("a domain whose labels are separated by single dots, with none at either end")
        }
        var asciiLabels: [String] = []
        for label in labels {
            let ascii: String
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                ascii = label
                if ascii.hasPrefix("xn--"), Punycode.decode(String(ascii.dropFirst(4))) == nil {
                    throw refuse("a domain whose xn-- labels are valid Punycode")
                }
            } else {
                guard label.unicodeScalars.allSatisfy(isInternationalLabelScalar) else {
                    throw refuse("a domain of letters, digits and hyphens")
                }
                guard let encoded = Punycode.encode(label) else { throw refuse("a domain of letters, digits and hyphens") }
                ascii = "xn--" + encoded
            }
            guard ascii.unicodeScalars.allSatisfy(isHostnameScalar) else {
                throw refuse("a domain of letters, digits and hyphens")
            }
            guard !ascii.hasPrefix("-"), !ascii.hasSuffix("-") else {
                throw refuse("domain labels that do not start or end with a hyphen")
            }
            guard ascii.utf8.count <= 63 else { throw refuse("domain labels of at most 63 characters (after IDN encoding)") }
            asciiLabels.append(ascii)
        }
        let domain = asciiLabels.joined(separator: ".")
        guard domain.utf8.count <= 255 else { throw refuse("a domain of at most 255 characters (RFC 5321)") }
        return domain
    }

    /// LDH: letters, digits, hyphen (after lower-casing, so only a-z).
    private static func isHostnameScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "0"..."9", "-": true
        default: false
        }
    }

    /// In a label still to be encoded: ASCII letters, digits and hyphens, or non-ASCII letters,
    /// marks and digits (a coarse stand-in for IDNA 2008's PVALID; symbols and punctuation are refused).
    private static func isInternationalLabelScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return isHostnameScalar(scalar) }
        switch scalar.properties.generalCategory {
        case .lowercaseLetter, .uppercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber:
            return true
        default:
            return false
        }
    }

    // MARK: Local part

    /// C0 and C1 controls and DEL.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// RFC 5322 specials outside a quoted string; `@` and `.` are checked on their own.
    private static let localPartSpecials: Set<Unicode.Scalar> = ["<", ">", "(", ")", "[", "]", "\\", ",", ";", ":", "\""]
}
