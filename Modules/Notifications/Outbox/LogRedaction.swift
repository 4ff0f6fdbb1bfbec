/// Log lines name messages, never people: email addresses in server replies are masked.
enum LogRedaction {
    /// Replaces the local part of every `local@domain` in `text` with `***` ("550 <***@example.org> ...").
    static func maskingAddresses(in text: String) -> String {
        var result = ""
        var word = ""
        func flush() {
            if let at = word.firstIndex(of: "@"), at != word.startIndex {
                let start = word.lastIndex(where: { "<(\"'".contains($0) }).map { word.index(after: $0) } ?? word.startIndex
                if start < at {
                    result += word[..<start] + "***" + word[at...]
                    word = ""
                    return
                }
            }
            result += word
            word = ""
        }
        for character in text {
            if character == " " || character == "\t" || character == "," || character == ";" {
                flush()
                result.append(character)
            } else {
                word.append(character)
            }
        }
        flush()
        return result
    }
}
