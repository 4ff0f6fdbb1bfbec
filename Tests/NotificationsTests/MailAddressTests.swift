import Notifications
import Testing

@Suite("MailAddress: checks and header form")
struct MailAddressTests {
    @Test("a plain address splits into local part and domain, and an empty name counts as none")
    func parts() throws {
        let address = try MailAddress("ops.team+eu@itsm.example.org", displayName: "")
        #expect(address.localPart == "ops.team+eu")
        #expect(address.domain == "itsm.example.org")
        #expect(address.displayName == nil)
        #expect(address.description == "ops.team+eu@itsm.example.org")
    }

    // Found by the address fuzz target (Fuzz/run 60 address): a prepended mark (U+070F) or a
    // combining mark makes "@" part of a larger Character, so the "@" is found by scalar.
    @Test("an '@' joined to a mark in one Character still splits the address, once")
    func atInsideACharacter() throws {
        let prepended = try MailAddress("\u{FFFD}\u{070F}@l.xn--zck")
        #expect(prepended.localPart == "\u{FFFD}\u{070F}")
        #expect(prepended.domain == "l.xn--zck")
        #expect(throws: MIMEError.self) { try MailAddress("victim@\u{0301}evil.example@example.org") }
    }

    @Test(
        "a line break or control character in the address is refused as header injection",
        arguments: ["a@b.example\r\nBcc: x@y.example", "a\n@b.example", "a@b.example\r", "a\u{0}@b.example", "a\t@b.example"]
    )
    func controlInAddress(_ text: String) {
        #expect(throws: MIMEError.invalidHeaderValue(field: "address")) { try MailAddress(text) }
    }

    @Test(
        "a line break or control character in the display name is refused, naming displayName",
        arguments: ["Alice\r\nBcc: x@y.example", "Alice\n", "Al\u{7F}ice", "Al\u{85}ice"]
    )
    func controlInDisplayName(_ name: String) {
        #expect(throws: MIMEError.invalidHeaderValue(field: "displayName")) {
            try MailAddress("alice@example.com", displayName: name)
        }
    }

    @Test(
        "malformed addresses are refused with what was expected",
        arguments: [
            ("alice.example.com", "exactly one @ (quoted local parts are not supported)"),
            ("a@b@example.com", "exactly one @ (quoted local parts are not supported)"),
            ("al ice@example.com", "an address without spaces, angle brackets or double quotes"),
            ("<alice@example.com>", "an address without spaces, angle brackets or double quotes"),
            ("\"al\"@example.com", "an address without spaces, angle brackets or double quotes"),
            ("@example.com", "a local part of 1 to 64 octets (RFC 5321)"),
            (String(repeating: "a", count: 65) + "@example.com", "a local part of 1 to 64 octets (RFC 5321)"),
            ("alice@", "a domain of 1 to 255 octets (RFC 5321)"),
            ("a@" + String(repeating: "b", count: 256), "a domain of 1 to 255 octets (RFC 5321)"),
            // 64 + 1 + 190 = 255 octets: each part fits, the whole does not.
            (String(repeating: "a", count: 64) + "@" + String(repeating: "b", count: 190), "at most 254 octets in all (RFC 5321)"),
            ("al..ice@example.com", "a local part of letters, digits and !#$%&'*+-/=?^_`{|}~ joined by single dots"),
            ("alice,bob@example.com", "a local part of letters, digits and !#$%&'*+-/=?^_`{|}~ joined by single dots"),
            ("alice@exa(mple).com", "a domain name such as example.org, or an address literal such as [192.0.2.1]"),
        ]
    )
    func malformed(_ text: String, expected: String) {
        #expect(throws: MIMEError.invalidAddress(field: "address", value: text, expected: expected)) {
            try MailAddress(text)
        }
    }

    @Test("254 octets in all, a 64-octet local part and an address literal are accepted")
    func limits() throws {
        let local = String(repeating: "a", count: 64)
        let domain = String(repeating: "b", count: 185) + ".org"  // 64 + 1 + 189 = 254
        #expect(try MailAddress(local + "@" + domain).address.utf8.count == 254)
        #expect(try MailAddress("root@[192.0.2.1]").domain == "[192.0.2.1]")
        #expect(try MailAddress("jürgen@bücher.example").localPart == "jürgen")
    }

    @Test(
        "display names render as atoms, a quoted string, or encoded-words",
        arguments: [
            ("ITSM Digest", "ITSM Digest <d@x.example>"),
            ("Ops, EU (24/7)", "\"Ops, EU (24/7)\" <d@x.example>"),
            ("The \"Night\" Shift \\ Ops", "\"The \\\"Night\\\" Shift \\\\ Ops\" <d@x.example>"),
            // ü is C3 BC: Q costs 11 against B's 12, so Q.
            ("Jürgen", "=?utf-8?q?J=C3=BCrgen?= <d@x.example>"),
            // Mostly non-ASCII: 9 octets, Q would cost 27, B costs 12.
            ("山田太", "=?utf-8?b?5bGx55Sw5aSq?= <d@x.example>"),
            // ASCII words stay atoms between encoded-words, so every decoder keeps the spaces.
            ("Servicedesk Süd-Ost Team", "Servicedesk =?utf-8?q?S=C3=BCd-Ost?= Team <d@x.example>"),
            // A double space: the empty word between joins the encoded run ("Jürgen " costs Q 12, B 12).
            ("Jürgen  Weiss Ops", "=?utf-8?q?J=C3=BCrgen_?= Weiss Ops <d@x.example>"),
            // Looks like an encoded-word, so it is encoded (B: 8 against Q: 10), not left to be misread.
            ("=?x?", "=?utf-8?b?PT94Pw==?= <d@x.example>"),
        ]
    )
    func rendering(_ name: String, expected: String) throws {
        #expect(try MailAddress("d@x.example", displayName: name).description == expected)
    }
}
