import Foundation
import Testing
@testable import Domain

/// What an `invalidField` error expected, when it names the field "email".
private func emailRejection(_ text: String) -> String? {
    do {
        _ = try EmailAddress(parsing: text)
        return nil
    } catch {
        guard case let .invalidField(field, _, expected) = error, field == "email" else { return "wrong error: \(error)" }
        return expected
    }
}

private let onlyOneAt = "an address with exactly one @"
private let spaces = "an address without spaces"
private let controls = "an address without control characters or line breaks"
private let specials = #"a local part without any of < > ( ) [ ] \ , ; : " (quoted local parts are not supported)"#
private let dots = "a local part that does not start or end with a dot and has no two dots in a row"
private let ldh = "a domain of letters, digits and hyphens"

@Suite("EmailAddress: normalising")
struct EmailAddressNormalisingTests {
    @Test("surrounding whitespace is trimmed, the domain lower-cased, the local part kept as given")
    func trimsAndLowerCasesDomain() throws {
        let address = try EmailAddress(parsing: "  \tAlice.Smith+ITSM@Example.ORG \r\n")
        #expect(address.localPart == "Alice.Smith+ITSM")
        #expect(address.domain == "example.org")
        #expect(address.address == "Alice.Smith+ITSM@example.org")
        #expect(address.description == "Alice.Smith+ITSM@example.org")
    }

    @Test(
        "IDN domains are written as xn-- Punycode, label by label",
        arguments: [
            // 例子 = xn--fsqu00a, 广告 = xn--4rr70v (see PunycodeTests for the hand-worked digits).
            ("用户@例子.广告", "用户", "xn--fsqu00a.xn--4rr70v"),
            ("info@例子.公司", "info", "xn--fsqu00a.xn--55qx5d"),
            ("ÄÖÜ@Bücher.Example", "ÄÖÜ", "xn--bcher-kva.example"),
            ("post@München.de", "post", "xn--mnchen-3ya.de"),
            ("post@mail.MÜNCHEN.de", "post", "mail.xn--mnchen-3ya.de"),
            // Decomposed u + U+0308 is composed first, so both spellings give one address.
            ("ops@Bu\u{308}cher.example", "ops", "xn--bcher-kva.example"),
            // The ideographic full stop separates labels like "." does.
            ("info@例子\u{3002}公司", "info", "xn--fsqu00a.xn--55qx5d"),
            // Already ASCII-encoded labels are kept (lower-cased).
            ("ops@XN--BCHER-KVA.Example", "ops", "xn--bcher-kva.example"),
        ]
    )
    func encodesIDN(_ text: String, _ local: String, _ domain: String) throws {
        let address = try EmailAddress(parsing: text)
        #expect(address.localPart == local)
        #expect(address.domain == domain)
        #expect(address.address == "\(local)@\(domain)")
    }

    @Test("the exact example of the issue: ÄÖÜ@Bücher.Example becomes ÄÖÜ@xn--bcher-kva.example")
    func issueExample() throws {
        #expect(try EmailAddress(parsing: "ÄÖÜ@Bücher.Example").address == "ÄÖÜ@xn--bcher-kva.example")
    }

    @Test("two spellings of one domain are one address; local parts differing in case are two")
    func equality() throws {
        #expect(try EmailAddress(parsing: "ops@BÜCHER.example") == EmailAddress(parsing: " ops@xn--bcher-kva.EXAMPLE "))
        #expect(try EmailAddress(parsing: "Ops@example.org") != EmailAddress(parsing: "ops@example.org"))
    }

    @Test("parsing a normalised address again changes nothing")
    func idempotent() throws {
        for text in ["用户@例子.广告", "ÄÖÜ@Bücher.Example", "a.b+c@Sub.Example.org"] {
            let once = try EmailAddress(parsing: text)
            #expect(try EmailAddress(parsing: once.address) == once)
        }
    }

    @Test("it encodes as its string and decodes through the same checks")
    func codable() throws {
        let address = try EmailAddress(parsing: "ÄÖÜ@Bücher.Example")
        let json = String(decoding: try JSONEncoder().encode([address]), as: UTF8.self)
        #expect(json == #"["ÄÖÜ@xn--bcher-kva.example"]"#)
        #expect(try JSONDecoder().decode([EmailAddress].self, from: Data(#"["ops@Example.ORG"]"#.utf8)) == [EmailAddress(parsing: "ops@example.org")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([EmailAddress].self, from: Data(#"["not an address"]"#.utf8)) }
    }

    @Test("the RFC 5321 limits are reached exactly: 64-byte local part, 254 bytes in all")
    func limitsAccepted() throws {
        let local = String(repeating: "a", count: 64)
        // 63 + 1 + 63 + 1 + 61 = 189; 64 + 1 + 189 = 254.
        let domain = [String(repeating: "b", count: 63), String(repeating: "c", count: 63), String(repeating: "d", count: 61)].joined(separator: ".")
        let address = try EmailAddress(parsing: "\(local)@\(domain)")
        #expect(address.address.utf8.count == 254)
        // 32 two-byte letters are 64 bytes.
        #expect(try EmailAddress(parsing: String(repeating: "ä", count: 32) + "@example.org").localPart.utf8.count == 64)
    }

    @Test("addresses with the usual atext characters are accepted unchanged", arguments: [
        "o'brien@example.org", "first.last@example.org", "user+tag@example.org", "x!#$%&*/=?^_`{|}~-y@example.org",
        "a@b.co", "ops@123.example", "ops@a-b.example",
    ])
    func atextAccepted(_ text: String) throws {
        #expect(try EmailAddress(parsing: text).address == text)
    }

    @Test("an IDN label of 20 ideographs fits in 63 characters once encoded")
    func longIDNLabelFits() throws {
        let label = String(repeating: "用户例子广告公司测试", count: 2)
        let address = try EmailAddress(parsing: "ops@\(label).example")
        #expect(address.domain == "xn--fsqa65lba273aca38cd192nea470gfa184jga3563bha9135aia8041ija.example")
    }
}

@Suite("EmailAddress: rejections say what is wrong")
struct EmailAddressRejectionTests {
    @Test("empty input asks for an address", arguments: ["", "   ", "\r\n\t"])
    func empty(_ text: String) {
        #expect(emailRejection(text) == "an email address such as name@example.org")
    }

    // The last two were found by the address fuzz target (Fuzz/run 60 address): an "@" followed by a
    // combining mark is one Character, which hid the second "@" from a split by Characters.
    @Test("anything but exactly one @ is refused", arguments: [
        "alice", "alice.example.org", "a@b@example.org", "@@", "@\u{05BC}\u{FFFD}@bb.at", "victim@\u{0301}evil.example@example.org",
    ])
    func oneAt(_ text: String) {
        #expect(emailRejection(text) == onlyOneAt)
    }

    @Test("a missing local part or domain is named")
    func missingParts() {
        #expect(emailRejection("@example.org") == "a local part before the @, as in name@example.org")
        #expect(emailRejection("alice@") == "a domain after the @, as in name@example.org")
    }

    @Test("spaces inside the address, including no-break and ideographic spaces, are refused", arguments: [
        "al ice@example.org", "alice@exa mple.org", "alice\u{A0}@example.org", "alice@例子\u{3000}.公司",
    ])
    func spacesRefused(_ text: String) {
        #expect(emailRejection(text) == spaces)
    }

    @Test("control characters and line breaks inside are refused (header injection)", arguments: [
        "ali\rce@example.org", "alice@example.org\r\nBcc: x@y.example", "al\u{0}ice@example.org", "al\u{7F}ice@example.org",
        "al\u{85}ice@example.org", "alice@exam\u{1B}ple.org",
    ])
    func controlsRefused(_ text: String) {
        #expect(emailRejection(text) == controls)
    }

    @Test("RFC 5322 specials in the local part are refused", arguments: [
        "a<b@example.org", "a>b@example.org", "a(b@example.org", "a)b@example.org", "a[b@example.org", "a]b@example.org",
        "a\\b@example.org", "a,b@example.org", "a;b@example.org", "a:b@example.org", "\"ab\"@example.org",
    ])
    func specialsRefused(_ text: String) {
        #expect(emailRejection(text) == specials)
    }

    @Test("leading, trailing and doubled dots in the local part are refused", arguments: [
        ".alice@example.org", "alice.@example.org", "al..ice@example.org",
    ])
    func dotsRefused(_ text: String) {
        #expect(emailRejection(text) == dots)
    }

    @Test("a local part over 64 bytes is refused, counting UTF-8 bytes not characters")
    func localTooLong() {
        let expected = "a local part of at most 64 bytes (RFC 5321)"
        #expect(emailRejection(String(repeating: "a", count: 65) + "@example.org") == expected)
        // 33 characters, 66 bytes.
        #expect(emailRejection(String(repeating: "ä", count: 33) + "@example.org") == expected)
    }

    @Test("a domain without a dot is refused (no local hosts)", arguments: ["alice@localhost", "alice@例子"])
    func noDot(_ text: String) {
        #expect(emailRejection(text) == "a domain with at least one dot, such as example.org")
    }

    @Test("empty labels are refused", arguments: ["alice@example..org", "alice@.example.org", "alice@example.org."])
    func emptyLabels(_ text: String) {
        #expect(emailRejection(text) == "a domain whose labels are separated by single dots, with none at either end")
    }

    @Test("labels of anything but letters, digits and hyphens are refused", arguments: [
        "alice@exa_mple.org", "alice@exa!mple.org", "alice@例子!.com", "alice@bü♥cher.example", "alice@[192.0.2.1]",
    ])
    func ldhOnly(_ text: String) {
        #expect(emailRejection(text) == ldh)
    }

    @Test("labels starting or ending with a hyphen are refused", arguments: ["alice@-example.org", "alice@example-.org", "alice@example.-org"])
    func hyphens(_ text: String) {
        #expect(emailRejection(text) == "domain labels that do not start or end with a hyphen")
    }

    @Test("labels over 63 characters are refused, IDN labels measured after encoding")
    func labelTooLong() {
        let expected = "domain labels of at most 63 characters (after IDN encoding)"
        #expect(emailRejection("alice@" + String(repeating: "a", count: 64) + ".org") == expected)
        #expect(emailRejection("alice@" + String(repeating: "用户例子广告公司测试", count: 3) + ".org") == expected)
    }

    @Test("an xn-- label that is not Punycode is refused")
    func badPunycode() {
        #expect(emailRejection("alice@xn--bcher-k.example") == "a domain whose xn-- labels are valid Punycode")
    }

    @Test("a domain over 255 characters is refused before the total")
    func domainTooLong() {
        // 4 x 63 + 3 dots = 255, plus ".ab" = 258.
        let domain = Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: ".") + ".ab"
        #expect(emailRejection("a@" + domain) == "a domain of at most 255 characters (RFC 5321)")
    }

    @Test("an address over 254 bytes in all is refused")
    func totalTooLong() {
        // 64 + 1 + 190 = 255.
        let domain = [String(repeating: "b", count: 63), String(repeating: "c", count: 63), String(repeating: "d", count: 62)].joined(separator: ".")
        #expect(emailRejection(String(repeating: "a", count: 64) + "@" + domain) == "an address of at most 254 bytes in all (RFC 5321)")
    }

    @Test("the error names the field email and shows the input")
    func errorShape() {
        #expect(throws: DomainError.invalidField(field: "email", value: "alice", expected: onlyOneAt)) {
            try EmailAddress(parsing: " alice ")
        }
        #expect(
            DomainError.invalidField(field: "email", value: "alice", expected: onlyOneAt).description
                == "email: 'alice' is not valid; expected an address with exactly one @"
        )
    }
}
