/// Why a subscription, list or suppression change was refused.
public enum SubscriptionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The address is on the suppression list, so it cannot subscribe (or be added) until an administrator lifts it.
    case suppressed(address: String, source: SuppressionSource)
    /// Deleting a list that people have confirmed needs `force`.
    case listHasConfirmedSubscribers(slug: String, count: Int)

    public var description: String {
        switch self {
        case let .suppressed(address, source):
            let why = switch source {
            case .bounce: "mail to it was refused permanently"
            case .admin: "an administrator suppressed it"
            case .erased: "its data was erased on request"
            }
            return "'\(address)' is suppressed (\(why)) and cannot be subscribed; an administrator can lift the suppression first"
        case let .listHasConfirmedSubscribers(slug, count):
            return "list '\(slug)' has \(count) confirmed subscriber\(count == 1 ? "" : "s"); delete it with force to remove their subscriptions too"
        }
    }
}
