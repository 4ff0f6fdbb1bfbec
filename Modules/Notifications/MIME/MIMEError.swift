/// Why a mail message could not be built or rendered. Every case names the field and what is wrong.
public enum MIMEError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A header value holds a line break or another control character. Refused, never encoded:
    /// a CR or LF there is either a bug upstream or an attempt to inject headers (`Bcc:`).
    case invalidHeaderValue(field: String)
    /// An address is not a mailbox this encoder can write: the field, the value, what was expected.
    case invalidAddress(field: String, value: String, expected: String)
    /// A value has the wrong form (List-Id, Message-ID local part, unsubscribe URL or mailto).
    case invalidValue(field: String, value: String, expected: String)
    /// A message with no `To` recipient.
    case noRecipients
    /// The same extra header given twice.
    case duplicateHeader(field: String)
    /// A header that is only meaningful beside another one (RFC 8058 one-click needs List-Unsubscribe).
    case missingHeader(field: String, requiredBy: String)
    /// A header line that cannot be folded to 998 octets or fewer (RFC 5322 section 2.1.1).
    case headerLineTooLong(field: String, octets: Int)
    /// No multipart boundary absent from the encoded parts could be derived from the seed.
    case noBoundary(seed: String)

    public var description: String {
        switch self {
        case let .invalidHeaderValue(field):
            return "\(field): contains a line break or another control character, which could inject headers; remove it"
        case let .invalidAddress(field, value, expected):
            return "\(field): '\(value)' is not a valid mail address; expected \(expected)"
        case let .invalidValue(field, value, expected):
            return "\(field): '\(value)' is not valid; expected \(expected)"
        case .noRecipients:
            return "to: a message needs at least one recipient"
        case let .duplicateHeader(field):
            return "\(field): given more than once; give each extra header at most once"
        case let .missingHeader(field, requiredBy):
            return "\(requiredBy) requires a \(field) header; add it"
        case let .headerLineTooLong(field, octets):
            return "\(field): a line of \(octets) octets cannot be folded to the 998 allowed; shorten the value"
        case let .noBoundary(seed):
            return "no multipart boundary derived from seed '\(seed)' is absent from the parts; use another seed"
        }
    }
}
