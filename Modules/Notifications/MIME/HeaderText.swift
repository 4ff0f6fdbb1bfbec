/// Character classes of RFC 5322 header text, shared by the address, message and header checks.
enum HeaderText {
    /// Whether `text` holds a C0 control (CR, LF, TAB, NUL, ...), DEL or a C1 control.
    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { isControl($0) }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// RFC 5322 `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    static func isAtext(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(scalar)
        }
    }

    /// RFC 5322 `dot-atom-text`: atext runs joined by single dots; `allowUTF8` admits RFC 6532 text.
    static func isDotAtom(_ text: String, allowUTF8: Bool) -> Bool {
        guard !text.isEmpty, !text.hasPrefix("."), !text.hasSuffix("."), !text.contains("..") else { return false }
        return text.unicodeScalars.allSatisfy { scalar in
            scalar == "." || isAtext(scalar) || (allowUTF8 && scalar.value >= 0xA0)
        }
    }

    /// Printable US-ASCII, space included.
    static func isPrintableASCII(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) }
    }
}
