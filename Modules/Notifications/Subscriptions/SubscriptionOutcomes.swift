import Domain

/// The answer to every well-formed subscribe request, whatever the address's prior state.
///
/// One case only, on purpose: new, pending, confirmed, rate-limited and suppressed addresses all get
/// it, so nobody can learn from the answer who is subscribed.
public enum SubscribeResponse: Hashable, Sendable {
    /// "If this address may subscribe, a confirmation mail is on its way."
    case checkYourInbox
}

/// What the confirm page shows for a token, found without changing anything (GET).
public struct ConfirmPreview: Hashable, Sendable {
    public enum Status: Hashable, Sendable {
        /// The button confirms this pending subscription.
        case valid
        /// Confirmed before; the link needs nothing more.
        case alreadyConfirmed
        /// The subscriber left the list since; an old confirm link does not bring them back.
        case unsubscribed
        /// A genuine link whose time is up; subscribing again sends a fresh one.
        case expired
        /// Not a link of ours, tampered, for another action, or its subscription is gone.
        case invalid
    }

    public var status: Status
    /// The list's title when the token names an existing subscription, for the page's one sentence.
    public var listTitle: String?

    public init(status: Status, listTitle: String?) {
        self.status = status
        self.listTitle = listTitle
    }
}

/// What a confirm request (POST) did; a re-used link is not an error.
public enum ConfirmResult: Hashable, Sendable {
    case confirmed(listTitle: String)
    case alreadyConfirmed(listTitle: String)
}

/// What an unsubscribe request did; a second unsubscribe is not an error.
public enum UnsubscribeResult: Hashable, Sendable {
    case unsubscribed(listTitle: String)
    case alreadyUnsubscribed(listTitle: String)
}

/// Why a subscription request was refused. Only input errors and bad links are told apart;
/// nothing here reveals whether an address is subscribed.
public enum SubscriptionServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The address is not a valid email address; the domain error says what is wrong.
    case invalidAddress(DomainError)
    /// No list has this slug.
    case unknownList(slug: String)
    /// The link is not ours, was altered, is for another action, or was signed with a retired key.
    case invalidLink
    /// A genuine confirm link whose time is up.
    case expiredLink(at: Instant)
    /// The link's subscription no longer exists (its subscriber was erased).
    case subscriptionGone
    /// A confirm link for a subscription that was ended since: it cannot re-subscribe anybody.
    case subscriptionEnded
    /// The service was configured with an unusable public URL.
    case invalidPublicURL(String)

    public var description: String {
        switch self {
        case let .invalidAddress(error): error.description
        case let .unknownList(slug): "there is no mailing list '\(slug.count > 80 ? String(slug.prefix(80)) + "..." : slug)'"
        case .invalidLink: "this link is not valid; use the newest link you were sent, or subscribe again"
        case let .expiredLink(at): "this link expired at \(at); subscribe again to get a fresh one"
        case .subscriptionGone: "this subscription no longer exists; subscribe again if you want to"
        case .subscriptionEnded: "this subscription was ended after the link was sent; subscribe again to get a fresh link"
        case let .invalidPublicURL(url): "the public URL '\(url)' is not usable; expected an http(s) URL such as https://itsm.example.org, without query or fragment"
        }
    }
}
