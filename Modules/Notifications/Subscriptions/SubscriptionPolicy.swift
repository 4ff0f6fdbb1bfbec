import Domain

/// How long confirm links work and how often one address may be sent a confirmation for one list.
public struct SubscriptionPolicy: Hashable, Sendable {
    /// How long a confirm link works after it was mailed.
    public var confirmLinkLifetime: Duration
    /// At most one confirmation mail per address per list in each interval of this length.
    public var confirmationInterval: Duration

    public init(
        confirmLinkLifetime: Duration = LinkTokenSigner.defaultConfirmLifetime,
        confirmationInterval: Duration = .minutes(10)
    ) {
        self.confirmLinkLifetime = confirmLinkLifetime
        self.confirmationInterval = confirmationInterval
    }
}
