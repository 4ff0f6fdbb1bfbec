import Foundation

extension MailMessage {
    /// The headers beyond RFC 5322's own that this system writes: list headers and loop prevention.
    public enum ExtraHeader: Hashable, Sendable {
        /// `List-Id` (RFC 2919): an identifier such as `weekly-digest.itsm.example.org`, and a name.
        case listID(String, name: String? = nil)
        /// `List-Unsubscribe` (RFC 2369): the unsubscribe page's URL (https for RFC 8058), and a mailto.
        case listUnsubscribe(url: URL, mailto: String? = nil)
        /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058); needs `listUnsubscribe`.
        case listUnsubscribeOneClick
        /// `Auto-Submitted: auto-generated` (RFC 3834): no auto-replies, please.
        case autoSubmitted
        /// `Precedence: bulk`: list mail only; on a confirmation it makes some servers drop the mail.
        case precedenceBulk

        /// The header's field name.
        public var fieldName: String {
            switch self {
            case .listID: "List-Id"
            case .listUnsubscribe: "List-Unsubscribe"
            case .listUnsubscribeOneClick: "List-Unsubscribe-Post"
            case .autoSubmitted: "Auto-Submitted"
            case .precedenceBulk: "Precedence"
            }
        }

        /// Where the header goes among the others, so rendering is the same whatever the given order.
        var order: Int {
            switch self {
            case .listID: 0
            case .listUnsubscribe: 1
            case .listUnsubscribeOneClick: 2
            case .autoSubmitted: 3
            case .precedenceBulk: 4
            }
        }

        /// The header, ready to fold.
        func field() -> HeaderField {
            switch self {
            case let .listID(id, name):
                let prefix = "List-Id: ".utf8.count
                let words = name.map { Phrase.words($0, firstWordLimit: HeaderField.Limit.encodedWords.rawValue - prefix) }
                let hasEncodedWords = words?.contains { $0.hasPrefix("=?") } ?? false
                return HeaderField(
                    name: fieldName, words: (words ?? []) + ["<\(id)>"],
                    limit: hasEncodedWords ? .encodedWords : .text
                )
            case let .listUnsubscribe(url, mailto):
                var words = ["<\(url.absoluteString)>"]
                if let mailto {
                    words[0] += ","
                    words.append("<\(Self.mailtoURI(mailto))>")
                }
                return HeaderField(name: fieldName, words: words)
            case .listUnsubscribeOneClick:
                return HeaderField(name: fieldName, words: ["List-Unsubscribe=One-Click"])
            case .autoSubmitted:
                return HeaderField(name: fieldName, words: ["auto-generated"])
            case .precedenceBulk:
                return HeaderField(name: fieldName, words: ["bulk"])
            }
        }

        static func mailtoURI(_ mailto: String) -> String {
            mailto.lowercased().hasPrefix("mailto:") ? mailto : "mailto:" + mailto
        }

        /// Refuses control characters, malformed values, duplicates and one-click without a URL.
        static func check(_ headers: [ExtraHeader]) throws(MIMEError) {
            var seen: Set<String> = []
            for header in headers {
                guard seen.insert(header.fieldName).inserted else { throw .duplicateHeader(field: header.fieldName) }
                try header.checkValue()
            }
            if seen.contains("List-Unsubscribe-Post"), !seen.contains("List-Unsubscribe") {
                throw .missingHeader(field: "List-Unsubscribe", requiredBy: "List-Unsubscribe-Post")
            }
        }

        private func checkValue() throws(MIMEError) {
            switch self {
            case let .listID(id, name):
                if HeaderText.hasControlCharacter(id) { throw .invalidHeaderValue(field: "listID") }
                if let name, HeaderText.hasControlCharacter(name) { throw .invalidHeaderValue(field: "listID.name") }
                guard HeaderText.isDotAtom(id, allowUTF8: false), id.contains("."), id.utf8.count <= 255 else {
                    throw .invalidValue(
                        field: "listID", value: id,
                        expected: "a list label and a domain, such as weekly-digest.itsm.example.org (RFC 2919)"
                    )
                }
            case let .listUnsubscribe(url, mailto):
                let text = url.absoluteString
                if HeaderText.hasControlCharacter(text) { throw .invalidHeaderValue(field: "listUnsubscribe.url") }
                let scheme = url.scheme?.lowercased()
                guard scheme == "https" || scheme == "http", Self.isURIText(text) else {
                    throw .invalidValue(
                        field: "listUnsubscribe.url", value: text,
                        expected: "an https:// (or http:// for tests) URL in printable ASCII without spaces, <> or quotes"
                    )
                }
                if let mailto {
                    if HeaderText.hasControlCharacter(mailto) {
                        throw .invalidHeaderValue(field: "listUnsubscribe.mailto")
                    }
                    let uri = Self.mailtoURI(mailto)
                    guard Self.isURIText(uri), uri.dropFirst("mailto:".count).contains("@") else {
                        throw .invalidValue(
                            field: "listUnsubscribe.mailto", value: mailto,
                            expected: "an address or mailto: URI in printable ASCII, percent-encoded, without spaces, <> or quotes"
                        )
                    }
                }
            case .listUnsubscribeOneClick, .autoSubmitted, .precedenceBulk:
                break
            }
        }

        private static func isURIText(_ text: String) -> Bool {
            !text.isEmpty && text.unicodeScalars.allSatisfy {
                (0x21...0x7E).contains($0.value) && $0 != "<" && $0 != ">" && $0 != "\""
            }
        }
    }
}

extension Array where Element == MailMessage.ExtraHeader {
    /// Mail to a list's subscribers (digests): List-Id, the List-Unsubscribe pair with RFC 8058
    /// one-click, Auto-Submitted and Precedence: bulk.
    public static func listMail(
        id: String, name: String? = nil, unsubscribeURL: URL, unsubscribeMailto: String? = nil
    ) -> Self {
        [
            .listID(id, name: name),
            .listUnsubscribe(url: unsubscribeURL, mailto: unsubscribeMailto),
            .listUnsubscribeOneClick,
            .autoSubmitted,
            .precedenceBulk,
        ]
    }

    /// Mail one person caused (a confirmation): Auto-Submitted only. Not Precedence: bulk, which
    /// gets confirmations dropped or auto-replied to (Mailman issues #23 and #75).
    public static var transactionalMail: Self { [.autoSubmitted] }
}
