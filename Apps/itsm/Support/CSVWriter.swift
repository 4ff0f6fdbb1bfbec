/// RFC 4180 output: a field is quoted when it holds a comma, a quote or a line break, with quotes doubled.
enum CSVWriter {
    /// One record, fields joined by commas, ended with CRLF as RFC 4180 writes it; nil is an empty field.
    static func record(_ fields: [String?]) -> String {
        fields.map { escaped($0 ?? "") }.joined(separator: ",") + "\r\n"
    }

    static func escaped(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
