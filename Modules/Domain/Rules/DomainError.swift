/// Why a domain operation refused its input. Every case names what a person needs to fix it.
public enum DomainError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A field's value is not acceptable: which field, the value given, what was expected.
    case invalidField(field: String, value: String, expected: String)
    /// A state change the record's lifecycle does not allow.
    case illegalTransition(record: String, from: String, to: String)
    /// A business rule refused the operation (e.g. authorising a change without CAB approval).
    case ruleViolated(record: String, rule: String)

    public var description: String {
        switch self {
        case let .invalidField(field, value, expected):
            return "\(field): '\(value)' is not valid; expected \(expected)"
        case let .illegalTransition(record, from, to):
            return "\(record) cannot move from \(from) to \(to)"
        case let .ruleViolated(record, rule):
            return "\(record): \(rule)"
        }
    }
}
