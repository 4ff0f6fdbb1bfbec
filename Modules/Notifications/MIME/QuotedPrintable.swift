/// RFC 2045 quoted-printable for UTF-8 text bodies, with CRLF line ends and lines of at most 76.
enum QuotedPrintable {
    static let maximumLineLength = 76
    private static let crlf: [UInt8] = [0x0D, 0x0A]

    /// `text` with its line ends (LF, CRLF or a lone CR) made CRLF, then encoded.
    ///
    /// With `endWithLineBreak`, text that does not end in a line break gets a closing soft line
    /// break (`=` CRLF), so the bytes end in CRLF while the decoded text stays exactly `text`.
    static func encode(_ text: String, endWithLineBreak: Bool) -> [UInt8] {
        let lines = self.lines(of: Array(text.utf8))
        var output: [UInt8] = []
        for (index, line) in lines.enumerated() {
            let isLast = index == lines.count - 1
            if isLast {
                // An empty last line means the text ended with a line break (or was empty).
                guard !line.isEmpty else { break }
                output += encodeLine(line, softTerminated: endWithLineBreak)
                if endWithLineBreak { output += Array("=".utf8) + crlf }
            } else {
                output += encodeLine(line, softTerminated: false) + crlf
            }
        }
        return output
    }

    /// The octets `encoded` stands for: `=XX` decoded, soft line breaks (`=` at a line end) removed,
    /// hard line breaks kept as they are, and white space ending a line dropped (RFC 2045 section
    /// 6.7: transports add it). A `=` not followed by two hex digits is kept as it is.
    static func decode(_ encoded: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(encoded.count)
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let lineEnd = encoded[index...].firstIndex(of: 0x0A) ?? encoded.endIndex
            var line = encoded[index..<lineEnd]
            var lineBreak: [UInt8] = lineEnd < encoded.endIndex ? [0x0A] : []
            if line.last == 0x0D {
                line = line.dropLast()
                lineBreak.insert(0x0D, at: 0)
            }
            while let last = line.last, last == 0x20 || last == 0x09 { line = line.dropLast() }
            if line.last == UInt8(ascii: "=") {
                line = line.dropLast()
                lineBreak = []
            }
            var position = line.startIndex
            while position < line.endIndex {
                let byte = line[position]
                if byte == UInt8(ascii: "="), position + 2 < line.endIndex, let high = hexValue(line[position + 1]), let low = hexValue(line[position + 2]) {
                    output.append(high << 4 | low)
                    position += 3
                } else {
                    output.append(byte)
                    position += 1
                }
            }
            output += lineBreak
            index = lineEnd < encoded.endIndex ? lineEnd + 1 : lineEnd
        }
        return output
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// The lines of `bytes`, split at CRLF, LF or a lone CR; the last is empty after a final break.
    private static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0, index = 0
        while index < bytes.count {
            switch bytes[index] {
            case 0x0D:
                lines.append(bytes[start..<index])
                index += index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
                start = index
            case 0x0A:
                lines.append(bytes[start..<index])
                index += 1
                start = index
            default:
                index += 1
            }
        }
        lines.append(bytes[start..<bytes.count])
        return lines
    }

    /// One hard line, cut by soft line breaks into pieces of at most 76 characters, `=` included.
    /// With `softTerminated`, the caller appends a closing `=`, so the last piece keeps room for it.
    private static func encodeLine(_ line: ArraySlice<UInt8>, softTerminated: Bool) -> [UInt8] {
        let tokens = tokens(of: line)
        // remaining[i]: the length of tokens i... once encoded.
        var remaining = [Int](repeating: 0, count: tokens.count + 1)
        for i in stride(from: tokens.count - 1, through: 0, by: -1) { remaining[i] = remaining[i + 1] + tokens[i].count }
        let lastPieceLimit = softTerminated ? maximumLineLength - 1 : maximumLineLength

        var output: [UInt8] = []
        var pieceLength = 0
        for (i, token) in tokens.enumerated() {
            // Cut before this token unless it and everything after it fit the last piece.
            if pieceLength + remaining[i] > lastPieceLimit, pieceLength + token.count > maximumLineLength - 1 {
                output += Array("=".utf8) + crlf
                pieceLength = 0
            }
            output += token
            pieceLength += token.count
        }
        return output
    }

    /// Each character as written: an octet itself when printable (except `=`), else `=XX`; a space
    /// or tab that ends the line is encoded too, as transports strip trailing whitespace. A UTF-8
    /// sequence is one token, so a soft line break never falls inside a character.
    private static func tokens(of line: ArraySlice<UInt8>) -> [[UInt8]] {
        var tokens: [[UInt8]] = []
        for index in line.indices {
            let byte = line[index]
            let isLast = index == line.index(before: line.endIndex)
            let literal = (byte == 0x20 || byte == 0x09) ? !isLast : (0x21...0x7E).contains(byte) && byte != UInt8(ascii: "=")
            let written = literal ? [byte] : Array(("=" + EncodedWord.hex(byte)).utf8)
            if UTF8.isContinuation(byte), !tokens.isEmpty {
                tokens[tokens.count - 1] += written  // joins its lead octet (the text is valid UTF-8)
            } else {
                tokens.append(written)
            }
        }
        return tokens
    }
}
