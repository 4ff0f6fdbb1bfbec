import Foundation

/// What a consent record records.
public enum ConsentAction: String, CaseIterable, Sendable, Codable, Hashable {
    case subscribed, confirmed, unsubscribed, suppressed, unsuppressed, erased
}

/// How a consent change was made, with what identifies the person or process behind it.
public enum ConsentMethod: Hashable, Sendable, Encodable {
    /// Through the web pages: the client's IP address and the browser's User-Agent, if it sent one.
    case web(ipAddress: String, userAgent: String?)
    /// Through the `itsm` command: the operator's name and why.
    case cli(operator: String, reason: String?)
    /// By the system itself, e.g. a suppression after a hard bounce.
    case system(reason: String)
}

/// One change of consent: when, what, how, and the text the person saw when giving it.
///
/// Kept for every subscribe, confirm, unsubscribe, suppression and erasure, and exported per subscriber.
/// Encodable for that export; it is rebuilt from storage with `init(stored:...)`, never decoded.
public struct ConsentRecord: Hashable, Sendable, Encodable {
    /// User-Agent strings beyond this many characters are cut; nobody needs more to recognise a browser.
    public static let userAgentLimit = 512

    public var at: Instant
    public var action: ConsentAction
    public var method: ConsentMethod
    /// The sentence shown when consent was given (e.g. beside the confirm button), if any.
    public var confirmationText: String?
    /// The list concerned; nil for changes to the address as a whole (suppression, erasure).
    public var listSlug: String?

    /// A new record; text fields must hold no control characters, and the User-Agent is cut to 512 characters.
    public init(at: Instant, action: ConsentAction, method: ConsentMethod, confirmationText: String? = nil, listSlug: String? = nil) throws(DomainError) {
        self.at = at
        self.action = action
        self.method = try Self.validated(method)
        self.confirmationText = try Validate.optionalLine(confirmationText, field: "confirmationText", maxLength: 2000)
        if let listSlug {
            self.listSlug = try MailingList.validatedSlug(listSlug, field: "listSlug")
        } else {
            self.listSlug = nil
        }
    }

    /// Rebuilds a stored record; no validation.
    public init(stored at: Instant, action: ConsentAction, method: ConsentMethod, confirmationText: String?, listSlug: String?) {
        self.at = at
        self.action = action
        self.method = method
        self.confirmationText = confirmationText
        self.listSlug = listSlug
    }

    private static func validated(_ method: ConsentMethod) throws(DomainError) -> ConsentMethod {
        switch method {
        case let .web(ipAddress, userAgent):
            let ip = ipAddress.trimmingCharacters(in: .whitespaces)
            // Textual IPv4 or IPv6 (45 characters is the longest, an IPv4-mapped IPv6 address).
            guard (2...45).contains(ip.count),
                  ip.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit || $0 == "." || $0 == ":" }),
                  ip.contains(".") || ip.contains(":")
            else {
                throw .invalidField(field: "ipAddress", value: String(ipAddress.prefix(60)), expected: "an IPv4 or IPv6 address such as 192.0.2.7 or 2001:db8::7")
            }
            var agent = try Validate.optionalLine(userAgent, field: "userAgent", maxLength: Int.max)
            if let text = agent, text.count > userAgentLimit { agent = String(text.prefix(userAgentLimit)) }
            return .web(ipAddress: ip, userAgent: agent)
        case let .cli(name, reason):
            return .cli(
                operator: try Validate.line(name, field: "operator", maxLength: 200),
                reason: try Validate.optionalLine(reason, field: "reason", maxLength: 500)
            )
        case let .system(reason):
            return .system(reason: try Validate.line(reason, field: "reason", maxLength: 500))
        }
    }
}
