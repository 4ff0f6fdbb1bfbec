/// HTML escaping shared by the mail HTML parts and the web pages: safe in element text and in
/// quoted attribute values.
public enum HTMLText {
    /// Works on Unicode scalars, not characters: "<" followed by a combining mark is one
    /// `Character` that is not "<", and must still be escaped.
    public static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
