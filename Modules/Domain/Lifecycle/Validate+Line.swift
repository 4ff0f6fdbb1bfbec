import Foundation

extension Validate {
    /// One line of text, for headers and names: trimmed, non-empty, no control characters at all
    /// (`text` lets line breaks and tabs through; a header must not).
    static func line(_ value: String, field: String, maxLength: Int) throws(DomainError) -> String {
        let trimmed = value.trimmingWhitespace()
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .invalidField(field: field, value: trimmed, expected: "one line of text without control characters")
        }
        return try text(value, field: field, maxLength: maxLength)
    }

    static func optionalLine(_ value: String?, field: String, maxLength: Int) throws(DomainError) -> String? {
        guard let value, !value.trimmingWhitespace().isEmpty else { return nil }
        return try line(value, field: field, maxLength: maxLength)
    }
}
