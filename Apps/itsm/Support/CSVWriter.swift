/// RFC 4180 output: a field is quoted when it holds a comma, a quote or a line break, with quotes doubled.
enum CSVWriter {
    /// One record, fields joined by commas, ended with CRLF as RFC 4180 writes it; nil is an empty field.
    static func record(_ fields: [String?]) -> String {
        fields.map { escaped($0 ?? "") }.joined(separator: ",") + "\r\n"
    }

    /// By Unicode scalar, not Character: a quote or comma followed by a combining mark is one
    /// Character, and compared as Characters it would go out unquoted (found by the CSV fuzz target).
    static func escaped(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return field }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in field.unicodeScalars {
            if scalar == "\"" { quoted.append("\"") }
            quoted.append(scalar)
        }
        quoted.append("\"")
        return String(quoted)
    }
}
