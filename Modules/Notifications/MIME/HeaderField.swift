/// One header field as words joined by single spaces, folded at those spaces when written.
struct HeaderField {
    /// The line length to stay under: RFC 5322's advised 78, or RFC 2047's 76 for encoded-words.
    enum Limit: Int {
        case text = 78
        case encodedWords = 76
    }

    /// RFC 5322's hard limit on a line, without its CRLF.
    static let hardLimit = 998

    var name: String
    /// The value's words; each single space between two of them is a place to fold.
    var words: [String]
    var limit: Limit = .text

    /// `Name: value` with CRLF line ends, folded so lines stay within `limit` where a space allows,
    /// never leaving a line of only whitespace.
    func rendered() throws(MIMEError) -> String {
        var lines: [String] = []
        var line = name + ":"
        var lineHasText = false
        if let first = words.first, !(words.count == 1 && first.isEmpty) {
            line += " " + first
            lineHasText = !first.isEmpty
            for word in words.dropFirst() {
                if lineHasText, line.utf8.count + 1 + word.utf8.count > limit.rawValue {
                    lines.append(line)
                    line = " " + word
                    lineHasText = !word.isEmpty
                } else {
                    line += " " + word
                    lineHasText = lineHasText || !word.isEmpty
                }
            }
        }
        lines.append(line)
        if let longest = lines.map(\.utf8.count).max(), longest > Self.hardLimit {
            throw .headerLineTooLong(field: name, octets: longest)
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
