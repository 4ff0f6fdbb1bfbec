/// One subscriber's part of a digest: the name to greet and the links only they can use.
public struct Recipient: Hashable, Sendable {
    /// The name in the greeting, nil for a greeting without one; any run of spaces, tabs or line
    /// breaks is one space.
    public let name: String?
    /// The signed one-click unsubscribe link (http or https).
    public let unsubscribeURL: String
    /// The list's page for managing the subscription, if there is one.
    public let manageURL: String?

    public init(name: String? = nil, unsubscribeURL: String, manageURL: String? = nil) throws(DigestRenderError) {
        let words = (name ?? "").split(whereSeparator: { $0.isWhitespace || $0.unicodeScalars.allSatisfy { $0.properties.generalCategory == .control } })
        self.name = words.isEmpty ? nil : words.joined(separator: " ")
        self.unsubscribeURL = try Self.checkedLink(unsubscribeURL, field: "unsubscribeURL")
        if let manageURL {
            self.manageURL = try Self.checkedLink(manageURL, field: "manageURL")
        } else {
            self.manageURL = nil
        }
    }

    /// An http(s) link without spaces, quotes or angle brackets: it goes into an href and stands
    /// alone on a line of the text part.
    private static func checkedLink(_ link: String, field: String) throws(DigestRenderError) -> String {
        let lower = link.lowercased()
        let allowed = link.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && !"\"'<>`\\".unicodeScalars.contains($0) }
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), link.count > 8, allowed else {
            throw .invalidRecipient(
                field: field, value: link, expected: "an absolute http or https URL in printable ASCII, without spaces, quotes or angle brackets"
            )
        }
        return link
    }

    /// "Hello Ada," or "Hello,".
    var greeting: String { name.map { "Hello \($0)," } ?? "Hello," }
}
