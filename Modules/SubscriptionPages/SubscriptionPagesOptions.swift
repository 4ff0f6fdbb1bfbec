/// How the link pages treat their requests; the defaults trust no proxy.
public struct SubscriptionPagesOptions: Sendable {
    public static let defaultMaxBodyBytes = 16 * 1024

    /// Peer addresses (textual IPv4/IPv6, e.g. `127.0.0.1`) whose `X-Forwarded-For` is believed.
    /// Empty by default: the connection's address is recorded, whatever the request claims.
    public var trustedProxies: Set<String>
    /// Request bodies larger than this are answered 413 and nothing is written.
    public var maxBodyBytes: Int

    /// Subscribe requests allowed per client address (IPv4, or IPv6 /64); nil allows any number.
    public var subscribeLimit: SubscribeRateLimit?

    public init(
        trustedProxies: Set<String> = [], maxBodyBytes: Int = defaultMaxBodyBytes, subscribeLimit: SubscribeRateLimit? = .default
    ) {
        self.trustedProxies = trustedProxies
        self.maxBodyBytes = maxBodyBytes
        self.subscribeLimit = subscribeLimit
    }
}
