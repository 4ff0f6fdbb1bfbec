import Foundation

/// Reads parts back out of a rendered message: what `FileTransport` needs to put a digest's HTML
/// beside its `.eml` for a browser. Lenient where a reader may be (LF or CRLF, header case, quoted
/// or bare parameters), and nil rather than a guess when the message has no HTML part.
enum MIMEReader {
    /// The decoded bytes of the first `text/html` part (the message itself, or inside multiparts),
    /// with the transfer encoding undone; nil when there is none.
    static func htmlBody(of message: [UInt8]) -> [UInt8]? {
        htmlBody(of: message[...], depth: 0)
    }

    /// Multiparts nest this deep at most; ours nest once, so deeper is not worth following.
    private static let maximumDepth = 8

    private static func htmlBody(of entity: ArraySlice<UInt8>, depth: Int) -> [UInt8]? {
        let (headers, body) = split(entity)
        let contentType = ContentType(headers["content-type"] ?? "text/plain")
        if contentType.mediaType == "text/html" {
            return decode(body, transferEncoding: headers["content-transfer-encoding"])
        }
        guard contentType.mediaType.hasPrefix("multipart/"), depth < maximumDepth,
              let boundary = contentType.parameters["boundary"], !boundary.isEmpty
        else { return nil }
        for part in parts(of: body, boundary: boundary) {
            if let html = htmlBody(of: part, depth: depth + 1) { return html }
        }
        return nil
    }

    /// The header fields (names lowercased, folded lines joined; the first of a repeated name wins)
    /// and the body after the first empty line.
    private static func split(_ entity: ArraySlice<UInt8>) -> (headers: [String: String], body: ArraySlice<UInt8>) {
        var headers: [String: String] = [:]
        var current: (name: String, value: String)?
        func finish() {
            if let field = current, headers[field.name] == nil { headers[field.name] = field.value.trimmingCharacters(in: .whitespaces) }
            current = nil
        }
        var index = entity.startIndex
        while index < entity.endIndex {
            let lineEnd = entity[index...].firstIndex(of: 0x0A) ?? entity.endIndex
            var line = entity[index..<lineEnd]
            if line.last == 0x0D { line = line.dropLast() }
            index = lineEnd < entity.endIndex ? lineEnd + 1 : lineEnd
            if line.isEmpty { break }
            let text = String(decoding: line, as: UTF8.self)
            if line.first == 0x20 || line.first == 0x09 {
                current?.value += " " + text.trimmingCharacters(in: .whitespaces)
            } else if let colon = text.firstIndex(of: ":") {
                finish()
                current = (text[..<colon].trimmingCharacters(in: .whitespaces).lowercased(), String(text[text.index(after: colon)...]))
            }
        }
        finish()
        return (headers, entity[index...])
    }

    /// The bodies between `--boundary` delimiter lines, up to `--boundary--` (RFC 2046 section 5.1.1:
    /// the line break before a delimiter belongs to the delimiter).
    private static func parts(of body: ArraySlice<UInt8>, boundary: String) -> [ArraySlice<UInt8>] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var index = body.startIndex
        while index < body.endIndex {
            let lineEnd = body[index...].firstIndex(of: 0x0A) ?? body.endIndex
            let line = body[index..<lineEnd]
            let next = lineEnd < body.endIndex ? lineEnd + 1 : lineEnd
            if line.starts(with: delimiter) {
                let rest = line.dropFirst(delimiter.count)
                let isClosing = rest.starts(with: Array("--".utf8))
                // Anything else after the boundary may only be white space (transport padding).
                if isClosing || rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    if let start = partStart { parts.append(withoutFinalLineBreak(body[start..<index])) }
                    if isClosing { return parts }
                    partStart = next
                }
            }
            index = next
        }
        return parts  // no closing delimiter: keep what was complete
    }

    private static func withoutFinalLineBreak(_ part: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var part = part
        if part.last == 0x0A { part = part.dropLast() }
        if part.last == 0x0D { part = part.dropLast() }
        return part
    }

    private static func decode(_ body: ArraySlice<UInt8>, transferEncoding: String?) -> [UInt8] {
        switch transferEncoding?.lowercased() {
        case "quoted-printable": QuotedPrintable.decode(body)
        case "base64": Data(base64Encoded: Data(body), options: .ignoreUnknownCharacters).map { [UInt8]($0) } ?? []
        default: Array(body)  // 7bit, 8bit, binary
        }
    }

    /// `type/subtype; name=value; name="quoted value"`, the media type and names lowercased.
    private struct ContentType {
        var mediaType: String
        var parameters: [String: String] = [:]

        init(_ field: String) {
            var pieces = Self.splitParameters(field)
            mediaType = pieces.removeFirst().trimmingCharacters(in: .whitespaces).lowercased()
            for piece in pieces {
                guard let equals = piece.firstIndex(of: "=") else { continue }
                let name = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
                var value = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                    value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                }
                if parameters[name] == nil { parameters[name] = value }
            }
        }

        /// Splits at semicolons outside quotes.
        private static func splitParameters(_ field: String) -> [String] {
            var pieces = [""]
            var quoted = false, escaped = false
            for character in field {
                if escaped {
                    escaped = false
                } else if character == "\\" && quoted {
                    escaped = true
                } else if character == "\"" {
                    quoted.toggle()
                } else if character == ";" && !quoted {
                    pieces.append("")
                    continue
                }
                pieces[pieces.count - 1].append(character)
            }
            return pieces
        }
    }
}
