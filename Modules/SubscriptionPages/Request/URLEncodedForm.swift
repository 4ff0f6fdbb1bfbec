import Foundation

/// `application/x-www-form-urlencoded` decoding, apart from Hummingbird so the fuzz suite
/// (`Fuzz/`) can compile this file on its own.
enum URLEncodedForm {
    /// The fields of `text`: `+` is a space, the first of repeated names wins; nil when a name or
    /// value is not valid percent-encoded UTF-8.
    static func decode(_ text: String) -> [String: String]? {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(component: parts[0]), let value = decode(component: parts.count > 1 ? parts[1] : "") else {
                return nil
            }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decode(component: Substring) -> String? {
        component.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
