import Domain
import Storage

/// What an operator's add did: the subscription as it is now, and whether a confirmation mail went into the outbox.
public struct Enrolment: Hashable, Sendable {
    public var subscription: Subscription
    public var subscriber: Subscriber
    public var effect: SubscribeEffect
    public var confirmationEnqueued: Bool
}

/// What a request to resend a confirmation did.
public enum ResendOutcome: Hashable, Sendable {
    /// A mail with a fresh link is in the outbox.
    case enqueued
    /// One went out less than the resend interval ago; the next may go at this instant.
    case rateLimited(nextAllowedAt: Instant)
    /// The subscription is not pending, so there is nothing to confirm.
    case notPending(SubscriptionState)
    /// The address has no subscription to the list.
    case notSubscribed
}

/// What a bulk enrolment did with one row.
public enum BulkEnrolment: Sendable {
    case enrolled(Enrolment)
    /// Refused with this error (`SubscriptionError.suppressed`, or a `DomainError` naming the field); nothing written.
    case refused(any Error)
    /// The address is on the list already: `enrol` it on its own, which knows every existing state.
    case oneByOne
}

/// The operator's side of double opt-in (the `itsm` command): adds that may be confirmed on the
/// operator's word, adds that share an import's transaction, and resent confirmations.
extension SubscriptionService {
    /// Adds `address` to `list` inside `tx`. With `confirmedByOperator` the operator's consent
    /// (`consent`, which should say why) confirms it at once and no mail is sent; otherwise it is a
    /// subscribe request: pending with a confirmation mail (rate-limited), or confirmed at once on a
    /// list without opt-in. An address on the suppression list or suppressed by hard bounces is
    /// refused with `SubscriptionError.suppressed` and nothing is written.
    public func enrol(
        list: MailingList, address: EmailAddress, name: String?, consent: ConsentEvidence, confirmedByOperator: Bool,
        at: Instant, in tx: StorageTransaction
    ) async throws -> Enrolment {
        guard let listID = list.id else { throw StorageError.notFound(record: "mailing list", id: 0) }
        if let suppression = try await store.suppressions.suppression(of: address, in: tx) {
            throw SubscriptionError.suppressed(address: address.address, source: suppression.source)
        }
        let receipt = try await store.subscriptions.subscribe(address: address, name: name, listID: listID, consent: consent, at: at, in: tx)
        var enrolment = Enrolment(subscription: receipt.subscription, subscriber: receipt.subscriber, effect: receipt.effect, confirmationEnqueued: false)
        guard let subscriptionID = receipt.subscription.id, receipt.subscription.state == .pending else { return enrolment }
        if confirmedByOperator || !list.requiresConfirmation {
            enrolment.subscription = try await store.subscriptions.confirm(subscriptionID: subscriptionID, consent: consent, at: at, in: tx).subscription
        } else {
            enrolment.confirmationEnqueued = try await enqueueConfirmation(
                list: list, subscriber: receipt.subscriber, subscriptionID: subscriptionID, at: at, in: tx)
        }
        return enrolment
    }

    /// `enrol(list:address:name:consent:confirmedByOperator:at:in:)` in a transaction of its own, at the service's now.
    public func enrol(list: MailingList, address: EmailAddress, name: String?, consent: ConsentEvidence, confirmedByOperator: Bool) async throws -> Enrolment {
        let at = now()
        return try await store.transaction { [self] tx in
            try await enrol(list: list, address: address, name: name, consent: consent, confirmedByOperator: confirmedByOperator, at: at, in: tx)
        }
    }

    /// Adds many addresses to `list` inside `tx`, as `enrol` would one by one, with a few
    /// statements for the whole batch (see `SubscriptionRepository.enrolNew`). The addresses must
    /// be distinct. Each row's result is in order: enrolled (a confirmation mail enqueued unless
    /// confirmed at once; or, for an address confirmed on the list already, only its request's consent
    /// record written, as `enrol` does), refused (suppressed, or an invalid name; nothing written), or
    /// `.oneByOne` for another address on the list already, which the caller takes through `enrol`.
    public func enrolNew(
        list: MailingList, rows: [BulkEnrolmentRow], consent: ConsentEvidence, confirmedByOperator: Bool, at: Instant, in tx: StorageTransaction
    ) async throws -> [BulkEnrolment] {
        guard let listID = list.id else { throw StorageError.notFound(record: "mailing list", id: 0) }
        let confirm = confirmedByOperator || !list.requiresConfirmation
        let results = try await store.subscriptions.enrolNew(
            rows, listID: listID, listSlug: list.slug, consent: consent, confirm: confirm, at: at, in: tx)
        var enrolments: [BulkEnrolment] = []
        enrolments.reserveCapacity(rows.count)
        for (row, result) in zip(rows, results) {
            switch result {
            case .existing:
                enrolments.append(.oneByOne)
            case let .suppressed(source):
                enrolments.append(.refused(SubscriptionError.suppressed(address: row.address.address, source: source)))
            case let .invalid(error):
                enrolments.append(.refused(error))
            case let .alreadyConfirmed(subscription, subscriber):
                enrolments.append(.enrolled(Enrolment(
                    subscription: subscription, subscriber: subscriber, effect: .existing(.alreadyConfirmed), confirmationEnqueued: false)))
            case let .enrolled(subscription, subscriber):
                var enrolment = Enrolment(subscription: subscription, subscriber: subscriber, effect: .created, confirmationEnqueued: false)
                if !confirm, let subscriptionID = subscription.id {
                    enrolment.confirmationEnqueued = try await enqueueConfirmation(
                        list: list, subscriber: subscriber, subscriptionID: subscriptionID, at: at, in: tx)
                }
                enrolments.append(.enrolled(enrolment))
            }
        }
        return enrolments
    }

    /// Sends a pending subscriber a confirmation mail with a fresh link, unless one went out less
    /// than the resend interval ago. Writes no consent record: nobody's consent changed.
    public func resendConfirmation(list: MailingList, address: EmailAddress) async throws -> ResendOutcome {
        guard let listID = list.id, let subscription = try await store.subscriptions.subscription(listID: listID, address: address),
              let subscriptionID = subscription.id, let subscriber = try await store.subscriptions.existingSubscriber(address)
        else { return .notSubscribed }
        guard subscription.state == .pending else { return .notPending(subscription.state) }
        let at = now()
        let interval = policy.confirmationInterval
        return try await store.transaction { [self] tx in
            if let last = try await store.outbox.latestEnqueue(keyPrefix: "confirm:\(subscriptionID):", in: tx), at - last < interval {
                return .rateLimited(nextAllowedAt: last + interval)
            }
            let stored = try await enqueueConfirmation(list: list, subscriber: subscriber, subscriptionID: subscriptionID, at: at, in: tx)
            // Not stored: a mail of this window exists (another process sent it a moment ago).
            return stored ? .enqueued : .rateLimited(nextAllowedAt: at + interval)
        }
    }
}
