import Domain
import Foundation
import Logging
import Storage

/// Double opt-in without HTTP: subscribe (enqueueing a confirmation mail), confirm, unsubscribe,
/// and the signed links and list headers those steps need. The web pages sit on top of it.
public struct SubscriptionService: Sendable {
    public let store: Store
    public let signer: LinkTokenSigner
    /// Where the link pages live, e.g. `https://itsm.example.org`; links are `<base>/confirm?token=...`.
    public let publicBaseURL: URL
    public let policy: SubscriptionPolicy
    public let now: @Sendable () -> Instant
    public let logger: Logger

    /// A service; `publicBaseURL` must be http(s) without query or fragment (a trailing slash is dropped).
    public init(
        store: Store, signer: LinkTokenSigner, publicBaseURL: URL, policy: SubscriptionPolicy = .init(),
        now: @escaping @Sendable () -> Instant, logger: Logger
    ) throws(SubscriptionServiceError) {
        let text = publicBaseURL.absoluteString
        guard let components = URLComponents(url: publicBaseURL, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
              components.host?.isEmpty == false, components.query == nil, components.fragment == nil
        else { throw .invalidPublicURL(text) }
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let base = URL(string: trimmed) else { throw .invalidPublicURL(text) }
        self.store = store
        self.signer = signer
        self.publicBaseURL = base
        self.policy = policy
        self.now = now
        self.logger = logger
    }

    // MARK: Subscribe

    /// Subscribes `address` to the list and, unless already confirmed or rate-limited, enqueues a
    /// confirmation mail in the same transaction. Lists without opt-in are confirmed at once.
    ///
    /// Answers `.checkYourInbox` whatever the address's prior state (suppressed and erased addresses
    /// included, for which nothing is written); only bad input (address, name, consent evidence) or
    /// an unknown list is an error, and the input is checked in full before any state is read.
    public func subscribe(
        listSlug: String, address text: String, name: String? = nil, method: ConsentMethod, confirmationText: String? = nil
    ) async throws -> SubscribeResponse {
        let address: EmailAddress
        do {
            address = try EmailAddress(parsing: text)
        } catch {
            throw SubscriptionServiceError.invalidAddress(error)
        }
        guard let list = try await store.mailingLists.get(slug: listSlug), let listID = list.id else {
            throw SubscriptionServiceError.unknownList(slug: listSlug)
        }
        let at = now()
        let consent = ConsentEvidence(method: method, confirmationText: confirmationText)
        // Before the suppression check: a bad name must be refused alike for every address, or the
        // refusal (or its absence) would tell who is suppressed.
        try SubscriptionRepository.validateSubscribeRequest(name: name, consent: consent, listSlug: list.slug, at: at)
        // Suppressed (by an administrator, an erasure or hard bounces): never mailed, nothing written.
        if try await !store.outbox.suppressed(among: [address.address]).isEmpty {
            logger.info("subscribe request for a suppressed address ignored", metadata: ["list": "\(list.slug)"])
            return .checkYourInbox
        }
        do {
            let enqueued: Int64? = try await store.transaction { [self] tx in
                let receipt = try await store.subscriptions.subscribe(
                    address: address, name: name, listID: listID, consent: consent, at: at, in: tx)
                guard let subscriptionID = receipt.subscription.id, receipt.subscription.state == .pending else { return nil }
                guard list.requiresConfirmation else {
                    _ = try await store.subscriptions.confirm(subscriptionID: subscriptionID, consent: consent, at: at, in: tx)
                    return nil
                }
                let stored = try await enqueueConfirmation(list: list, subscriber: receipt.subscriber, subscriptionID: subscriptionID, at: at, in: tx)
                return stored ? subscriptionID : nil
            }
            if let enqueued {
                logger.info("confirmation enqueued", metadata: ["list": "\(list.slug)", "subscription": "\(enqueued)"])
            }
        } catch let error as SubscriptionError {
            guard case .suppressed = error else { throw error }
            // Suppressed between the check and the transaction: the same answer, nothing written.
        }
        return .checkYourInbox
    }

    /// Enqueues a confirmation mail with a fresh link inside `tx`, unless one went out less than the
    /// policy's interval ago; returns whether it did.
    func enqueueConfirmation(list: MailingList, subscriber: Subscriber, subscriptionID: Int64, at: Instant, in tx: StorageTransaction) async throws -> Bool {
        // At most one confirmation per interval, measured from the last one (the window in the
        // key alone would let two through either side of a window boundary).
        if let last = try await store.outbox.latestEnqueue(keyPrefix: "confirm:\(subscriptionID):", in: tx),
           at - last < policy.confirmationInterval {
            return false
        }
        let mail = ConfirmationMail(
            list: list, subscriber: subscriber, subscriptionID: subscriptionID,
            confirmURL: confirmLink(subscriptionID: subscriptionID, at: at),
            idempotencyKey: confirmationKey(subscriptionID: subscriptionID, at: at), at: at
        )
        // False when this window's confirmation exists already: the rate limit.
        return try await store.outbox.enqueue(try mail.outboxMessage(), at: at, in: tx)
    }

    /// `confirm:<subscription>:<window>`: one confirmation per subscription per rate-limit window.
    func confirmationKey(subscriptionID: Int64, at: Instant) -> String {
        let width = max(policy.confirmationInterval.microseconds, 1)
        let window = at.microsecondsSinceEpoch / width
        return "confirm:\(subscriptionID):\(window)"
    }

    // MARK: Confirm

    /// `<base>/confirm?token=...`, valid for the policy's link lifetime from `at`, and carrying `at`.
    public func confirmLink(subscriptionID: Int64, at: Instant) -> URL {
        let token = signer.token(
            action: .confirm, subscriptionID: subscriptionID, expiresAt: at + policy.confirmLinkLifetime, issuedAt: at)
        return link("confirm", token: token)
    }

    /// What the confirm page should say for `token` (GET): changes nothing. An expired link whose
    /// subscription is confirmed (a used link opened late) says already confirmed.
    public func confirmPage(token: String) async throws -> ConfirmPreview {
        guard let link = try? signer.signedLink(token, expecting: .confirm, now: now()) else {
            return ConfirmPreview(status: .invalid, listTitle: nil)
        }
        let found = try await subscriptionAndList(link.subscriptionID)
        if link.isExpired {
            guard let (subscription, list) = found, isUsed(link, by: subscription) else { return ConfirmPreview(status: .expired, listTitle: nil) }
            return ConfirmPreview(status: .alreadyConfirmed, listTitle: list.title)
        }
        guard let (subscription, list) = found, !isStale(link, for: subscription) else {
            return ConfirmPreview(status: .invalid, listTitle: nil)
        }
        let status: ConfirmPreview.Status = switch subscription.state {
        case .pending: .valid
        case .confirmed: .alreadyConfirmed
        case .unsubscribed: .unsubscribed
        }
        return ConfirmPreview(status: status, listTitle: list.title)
    }

    /// Confirms the subscription `token` names (POST), with a consent record whose confirmation text
    /// is `confirmationText(list title)` (the sentence the page showed); a used link gives
    /// `.alreadyConfirmed`, after its expiry too. Expired, altered or stale links throw and change
    /// nothing. One transaction reads, decides and writes, so nothing changes in between.
    public func confirm(
        token: String, method: ConsentMethod, confirmationText: @escaping @Sendable (_ listTitle: String) -> String? = { _ in nil }
    ) async throws -> ConfirmResult {
        let link: VerifiedLink
        do {
            link = try signer.signedLink(token, expecting: .confirm, now: now())
        } catch {
            throw SubscriptionServiceError.invalidLink
        }
        let at = now()
        // The result, and the list's slug when this call confirmed (logged once committed).
        let (result, confirmedOn) = try await store.transaction { [self] tx -> (ConfirmResult, String?) in
            let found = try await store.subscriptions.subscriptionAndList(link.subscriptionID, in: tx)
            if link.isExpired, let expiresAt = link.expiresAt {
                guard let (subscription, list) = found, isUsed(link, by: subscription) else { throw SubscriptionServiceError.expiredLink(at: expiresAt) }
                return (.alreadyConfirmed(listTitle: list.title), nil)
            }
            guard let (subscription, list) = found else { throw SubscriptionServiceError.subscriptionGone }
            if subscription.state == .unsubscribed { throw SubscriptionServiceError.subscriptionEnded }
            if isStale(link, for: subscription) { throw SubscriptionServiceError.invalidLink }
            let consent = ConsentEvidence(method: method, confirmationText: confirmationText(list.title))
            switch try await store.subscriptions.confirm(subscription, of: list, consent: consent, at: at, in: tx) {
            case .confirmed: return (.confirmed(listTitle: list.title), list.slug)
            case .alreadyConfirmed: return (.alreadyConfirmed(listTitle: list.title), nil)
            }
        }
        if let confirmedOn {
            logger.info("subscription confirmed", metadata: ["list": "\(confirmedOn)", "subscription": "\(link.subscriptionID)"])
        }
        return result
    }

    // MARK: Unsubscribe

    /// `<base>/unsubscribe?token=...`; unsubscribe links do not expire.
    public func unsubscribeLink(subscriptionID: Int64) -> URL {
        link("unsubscribe", token: signer.token(action: .unsubscribe, subscriptionID: subscriptionID, expiresAt: nil))
    }

    /// The list title for the unsubscribe page (GET), or nil when the token is not valid; changes nothing.
    public func unsubscribePage(token: String) async throws -> String? {
        guard let subscriptionID = try? signer.verify(token, expecting: .unsubscribe, now: now()) else { return nil }
        return try await subscriptionAndList(subscriptionID)?.1.title
    }

    /// Ends the subscription `token` names (POST, or RFC 8058 one-click), with a consent record; idempotent.
    public func unsubscribe(token: String, method: ConsentMethod) async throws -> UnsubscribeResult {
        let subscriptionID = try verified(token, .unsubscribe).subscriptionID
        let at = now()
        // The result, and the list's slug when this call ended the subscription (logged once committed).
        let (result, endedOn) = try await store.transaction { [store] tx -> (UnsubscribeResult, String?) in
            guard let (subscription, list) = try await store.subscriptions.subscriptionAndList(subscriptionID, in: tx) else {
                throw SubscriptionServiceError.subscriptionGone
            }
            switch try await store.subscriptions.unsubscribe(subscription, of: list, consent: ConsentEvidence(method: method), at: at, in: tx) {
            case .unsubscribed: return (.unsubscribed(listTitle: list.title), list.slug)
            case .alreadyUnsubscribed: return (.alreadyUnsubscribed(listTitle: list.title), nil)
            }
        }
        if let endedOn {
            logger.info("subscription ended", metadata: ["list": "\(endedOn)", "subscription": "\(subscriptionID)"])
        }
        return result
    }

    /// List-Id (`<slug>.<sender domain>`) and the List-Unsubscribe pair with one-click, plus the
    /// bulk headers, for one subscriber's copy of a list message (a digest).
    public func listHeaders(for list: MailingList, subscriptionID: Int64) -> [MailMessage.ExtraHeader] {
        .listMail(
            id: "\(list.slug).\(list.sender.address.domain)", name: list.title,
            unsubscribeURL: unsubscribeLink(subscriptionID: subscriptionID)
        )
    }

    // MARK: Helpers

    private func link(_ page: String, token: String) -> URL {
        publicBaseURL.appending(path: page).appending(queryItems: [URLQueryItem(name: "token", value: token)])
    }

    /// The token's subscription id, or the service's error for a bad or expired link.
    private func verified(_ token: String, _ action: LinkAction) throws(SubscriptionServiceError) -> VerifiedLink {
        do {
            return try signer.verifiedLink(token, expecting: action, now: now())
        } catch {
            if case let .expired(at) = error { throw .expiredLink(at: at) }
            throw .invalidLink
        }
    }

    /// Whether an expired confirm link names a confirmed subscription: then it was used (or is no
    /// longer needed), and the page says already confirmed rather than asking to subscribe again.
    private func isUsed(_ link: VerifiedLink, by subscription: Subscription) -> Bool {
        subscription.state == .confirmed && !isStale(link, for: subscription)
    }

    /// A confirm link issued before the subscription's latest sign-up (say, before an unsubscribe and
    /// a new sign-up) must not confirm the new request: only a link mailed since then may (a resent
    /// link and the first one of the same sign-up both do).
    /// A version 2 link carries its issue time. For a version 1 link (mailed by a build before it),
    /// the issue time is the expiry less this service's link lifetime (expiries are whole seconds,
    /// hence the 1 s); that guess is wrong when the lifetime was configured otherwise at the time.
    /// The link is stale if the subscription began after it, or ended after it: a new sign-up may
    /// carry an instant from before the link (a long import's one instant, taken when it started).
    private func isStale(_ link: VerifiedLink, for subscription: Subscription) -> Bool {
        guard subscription.state == .pending, let subscribedAt = subscription.subscribedAt else { return false }
        guard let issuedAt = link.issuedAt ?? link.expiresAt.map({ $0 - policy.confirmLinkLifetime + .seconds(1) }) else { return false }
        if subscription.events.contains(where: { $0.to == .unsubscribed && $0.at >= issuedAt }) { return true }
        return subscribedAt > issuedAt
    }

    /// The subscription and its list, or nil when the subscription is gone (erased).
    private func subscriptionAndList(_ id: Int64) async throws -> (Subscription, MailingList)? {
        try await store.subscriptions.subscriptionAndList(id)
    }
}
