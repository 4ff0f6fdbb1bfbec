/// A mailbox: an address and an optional display name, checked enough to be written safely.
///
/// The check is deliberately small (one `@`, dot-atom parts, RFC 5321 lengths, no control
/// characters); normalisation (case, IDNA, quoted local parts) belongs to a later step.
public struct MailAddress: Hashable, Sendable, CustomStringConvertible {
    /// The addr-spec, `local@domain`.
    public let address: String
    /// The name shown beside the address; `nil` when none (an empty name counts as none).
    public let displayName: String?

    public init(_ address: String, displayName: String? = nil) throws(MIMEError) {
        if HeaderText.hasControlCharacter(address) { throw .invalidHeaderValue(field: "address") }
        if let displayName, HeaderText.hasControlCharacter(displayName) {
            throw .invalidHeaderValue(field: "displayName")
        }
        try Self.check(address)
        self.address = address
        self.displayName = displayName?.isEmpty == true ? nil : displayName
    }

    /// The part before the `@`.
    public var localPart: String { String(address.unicodeScalars[..<atIndex]) }

    /// The part after the `@`; the Message-ID of mail from this address uses it.
    public var domain: String { String(address.unicodeScalars[address.unicodeScalars.index(after: atIndex)...]) }

    /// The header form, unfolded: `"Ops, EU" <ops@example.org>`, encoded-words for non-ASCII names.
    public var description: String {
        let words = headerWords(firstWordLimit: 75)
        return words.joined(separator: " ")
    }

    /// The words of the header form; a header may fold between any two of them.
    func headerWords(firstWordLimit: Int) -> [String] {
        guard let displayName else { return [address] }
        return Phrase.words(displayName, firstWordLimit: firstWordLimit) + ["<\(address)>"]
    }

    private var atIndex: String.Index {
        // The initialiser guarantees exactly one "@". Scalars, not Characters: a prepended mark
        // (U+070F) or a following combining mark makes "@" part of a larger Character.
        address.unicodeScalars.firstIndex(of: "@") ?? address.endIndex
    }

    private static func check(_ address: String) throws(MIMEError) {
        func refuse(_ expected: String) -> MIMEError {
            .invalidAddress(field: "address", value: address, expected: expected)
        }
        let parts = address.unicodeScalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw refuse("exactly one @ (quoted local parts are not supported)") }
        if address.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "\"" }) {
            throw refuse("an address without spaces, angle brackets or double quotes")
        }
        let local = String(parts[0]), domain = String(parts[1])
        guard (1...64).contains(local.utf8.count) else { throw refuse("a local part of 1 to 64 octets (RFC 5321)") }
        guard (1...255).contains(domain.utf8.count) else { throw refuse("a domain of 1 to 255 octets (RFC 5321)") }
        guard address.utf8.count <= 254 else { throw refuse("at most 254 octets in all (RFC 5321)") }
        guard HeaderText.isDotAtom(local, allowUTF8: true) else {
            throw refuse("a local part of letters, digits and !#$%&'*+-/=?^_`{|}~ joined by single dots")
        }
        guard HeaderText.isDotAtom(domain, allowUTF8: true) || isAddressLiteral(domain) else {
            throw refuse("a domain name such as example.org, or an address literal such as [192.0.2.1]")
        }
    }

    private static func isAddressLiteral(_ domain: String) -> Bool {
        guard domain.hasPrefix("["), domain.hasSuffix("]"), domain.count > 2 else { return false }
        return domain.dropFirst().dropLast().unicodeScalars.allSatisfy {
            (0x21...0x7E).contains($0.value) && $0 != "[" && $0 != "]" && $0 != "\\"
        }
    }
}
