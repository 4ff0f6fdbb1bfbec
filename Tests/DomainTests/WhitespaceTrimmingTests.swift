import Domain
import Foundation
import Testing

struct WhitespaceTrimmingTests {
    /// Every White_Space scalar, and neighbours that are not white space (ZERO WIDTH SPACE, the
    /// BOM, a combining mark, a control that is not a space).
    static let spaces: [Unicode.Scalar] = [
        "\u{9}", "\u{A}", "\u{B}", "\u{C}", "\u{D}", " ", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{2001}", "\u{2002}", "\u{2003}",
        "\u{2004}", "\u{2005}", "\u{2006}", "\u{2007}", "\u{2008}", "\u{2009}", "\u{200A}", "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}",
        "\u{3000}",
    ]

    @Test("trims exactly what Foundation's whitespacesAndNewlines trims", arguments: [
        "", " ", "ada@example.org", "  ada@example.org\t\r\n", "\u{3000}名前\u{3000}", "\u{200B}zero width\u{200B}", "\u{FEFF}bom",
        "e\u{301} ", " \u{301}mark", "a b\tc", "\u{1}control\u{1}", "\u{85}\u{A0}x\u{2028}\u{2029}", "   ", "\u{1F600} ",
    ])
    func matchesFoundation(text: String) {
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("over every Unicode scalar, a lone scalar is trimmed away exactly when Foundation's set holds it")
    func everyScalar() {
        var differences: [String] = []
        for value in 0...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(scalar)
            if text.trimmingWhitespace().isEmpty != CharacterSet.whitespacesAndNewlines.contains(scalar) || text.isBlank != text.trimmingWhitespace().isEmpty {
                differences.append("U+" + String(value, radix: 16, uppercase: true))
            }
        }
        #expect(differences == [])
    }

    @Test("each White_Space scalar and U+200B is trimmed at either end and kept inside; isBlank agrees")
    func everySpace() {
        #expect("".isBlank && " \u{200B}\n".isBlank && !" x ".isBlank)
        for space in Self.spaces + ["\u{200B}"] {
            let s = String(space)
            #expect((s + "x" + s + "y" + s).trimmingWhitespace() == "x" + s + "y", "U+\(String(space.value, radix: 16))")
            #expect(CharacterSet.whitespacesAndNewlines.contains(space), "U+\(String(space.value, radix: 16))")
            #expect(s.isBlank)
        }
    }
}
