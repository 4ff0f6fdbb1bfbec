import Foundation

/// RFC 2047 encoded-words (`=?utf-8?q?...?=` / `=?utf-8?b?...?=`) for non-ASCII header text.
enum EncodedWord {
    /// The longest encoded-word RFC 2047 allows.
    static let maximumLength = 75
    private static let overhead = "=?utf-8?q?".utf8.count + "?=".utf8.count

    /// `text` as encoded-words to be joined by folding spaces, the first at most `firstWordLimit`
    /// characters and the rest at most 75; words split between characters, never inside one's UTF-8.
    static func encode(_ text: String, firstWordLimit: Int) -> [String] {
        let bytes = Array(text.utf8)
        let useQ = qLength(bytes) <= bLength(bytes.count)
        var words: [String] = []
        var chunk: [UInt8] = []
        var limit = max(min(firstWordLimit, maximumLength), overhead + 12) - overhead

        func cost(_ candidate: [UInt8]) -> Int { useQ ? qLength(candidate) : bLength(candidate.count) }
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append(word(chunk, q: useQ))
            chunk = []
            limit = maximumLength - overhead
        }
        func add(_ piece: [UInt8]) -> Bool {
            if cost(chunk + piece) <= limit { chunk += piece; return true }
            flush()
            if cost(piece) <= limit { chunk = piece; return true }
            return false
        }

        for character in text {
            if add(Array(String(character).utf8)) { continue }
            // A grapheme too long for one word (a long emoji sequence): split between its scalars.
            for scalar in character.unicodeScalars {
                _ = add(Array(String(scalar).utf8))  // one scalar (<= 4 octets) always fits an empty word
            }
        }
        flush()
        return words.isEmpty ? [word([], q: true)] : words
    }

    private static func word(_ bytes: [UInt8], q: Bool) -> String {
        if !q { return "=?utf-8?b?" + Data(bytes).base64EncodedString() + "?=" }
        var encoded = ""
        for byte in bytes {
            if byte == 0x20 {
                encoded += "_"
            } else if isQLiteral(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "=" + hex(byte)
            }
        }
        return "=?utf-8?q?" + encoded + "?="
    }

    /// The Q characters RFC 2047 section 5(3) allows even inside a phrase, so one rule serves
    /// Subject and display names alike.
    private static func isQLiteral(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!*+-/".utf8.contains(byte)
        }
    }

    private static func qLength(_ bytes: [UInt8]) -> Int {
        bytes.reduce(0) { $0 + (($1 == 0x20 || isQLiteral($1)) ? 1 : 3) }
    }

    private static func bLength(_ count: Int) -> Int { 4 * ((count + 2) / 3) }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}

/// An RFC 5322 `phrase` (display name, List-Id name): atoms, a quoted string, or encoded-words.
enum Phrase {
    /// The words of `text`; a header may fold between any two of them.
    ///
    /// Encoded-words are kept apart by plain atoms wherever the text allows: RFC 2047 drops the
    /// space between two adjacent encoded-words, but some parsers (Python's `email` in phrases)
    /// keep it, and text between them reads the same to both. Only a run too long for one
    /// encoded-word (a long name without ASCII words) needs adjacent ones.
    static func words(_ text: String, firstWordLimit: Int) -> [String] {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if parts.allSatisfy(isPlainAtom) { return parts }
        if HeaderText.isPrintableASCII(text), !text.contains("=?") {
            // A quoted string may fold at its spaces (RFC 5322 FWS inside quoted-string).
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return ("\"" + escaped + "\"").split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        }
        var words: [String] = []
        var run: [String] = []
        func flushRun() {
            guard !run.isEmpty else { return }
            let limit = words.isEmpty ? firstWordLimit : EncodedWord.maximumLength
            words += EncodedWord.encode(run.joined(separator: " "), firstWordLimit: limit)
            run = []
        }
        for part in parts {
            if isPlainAtom(part) {
                flushRun()
                words.append(part)
            } else {
                run.append(part)
            }
        }
        flushRun()
        return words
    }

    /// A word that can stand as it is: atext only, and nothing a decoder could take for an encoded-word.
    private static func isPlainAtom(_ word: String) -> Bool {
        !word.isEmpty && !word.contains("=?") && word.unicodeScalars.allSatisfy(HeaderText.isAtext)
    }
}
