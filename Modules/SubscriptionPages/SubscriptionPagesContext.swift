import Hummingbird
import NIOCore

/// The request context of the link pages: the connection's peer address, for consent records.
public struct SubscriptionPagesContext: RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// No form on these pages comes near this; anything larger is refused unread (see `FormBody`).
    public var maxUploadSize: Int { SubscriptionPagesOptions.defaultMaxBodyBytes }
}
