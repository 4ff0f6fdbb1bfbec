import Domain
import Synchronization

/// How many subscribe requests one client may make: `requests` in any `window`, as a steady rate
/// with that much burst (a generic cell rate algorithm, one instant stored per client).
public struct SubscribeRateLimit: Hashable, Sendable {
    public var requests: Int
    public var window: Duration

    /// `requests` must be at least 1 and `window` positive.
    public init?(requests: Int, window: Duration) {
        guard requests >= 1, window > .zero else { return nil }
        self.requests = requests
        self.window = window
    }

    /// 20 subscribe requests per client address in any ten minutes: room for a team behind one NAT
    /// signing up after an announcement, far too few to mail-bomb strangers through the confirmation.
    public static let `default` = SubscribeRateLimit(uncheckedRequests: 20, window: .minutes(10))

    private init(uncheckedRequests: Int, window: Duration) {
        requests = uncheckedRequests
        self.window = window
    }
}

/// Counts subscribe requests per client and refuses those over the limit.
///
/// The limit is per process: several daemons behind one load balancer each allow the full rate.
/// The per-address limit on confirmation mail (in the outbox, shared by all instances) still holds
/// whatever this one does, so the worst case is more mail to more distinct addresses, not to one.
final class SubscribeRateLimiter: Sendable {
    /// The most clients remembered at once; beyond it the ones whose allowance has refilled are
    /// forgotten first, then, if a flood of distinct addresses still fills it, everything is.
    static let maximumClients = 100_000

    let limit: SubscribeRateLimit
    private let now: @Sendable () -> Instant
    /// Per client key: the instant at which its allowance is fully refilled (GCRA's "theoretical arrival time").
    private let refilledAt = Mutex<[String: Instant]>([:])

    init(limit: SubscribeRateLimit, now: @escaping @Sendable () -> Instant) {
        self.limit = limit
        self.now = now
    }

    /// Takes one request from `client`'s allowance; when it is spent, nothing is taken and the
    /// answer says how long until the next request would be allowed.
    func admit(client: String) -> Admission {
        let at = now()
        let key = Self.key(for: client)
        let interval = limit.window / limit.requests
        let tolerance = limit.window - interval
        return refilledAt.withLock { table in
            let tat = max(table[key] ?? at, at)
            let wait = (tat - at) - tolerance
            if wait > .zero {
                return .refused(retryAfter: wait)
            }
            if table.count >= Self.maximumClients, table[key] == nil {
                table = table.filter { $0.value > at }
                if table.count >= Self.maximumClients { table.removeAll(keepingCapacity: true) }
            }
            table[key] = tat + interval
            return .admitted
        }
    }

    enum Admission: Equatable {
        case admitted
        case refused(retryAfter: Duration)
    }

    /// The unit one client is counted by: an IPv4 address, or an IPv6 address's /64 (one host
    /// usually holds a whole /64, so counting single IPv6 addresses would not limit anybody).
    static func key(for client: String) -> String {
        guard client.contains(":") else { return client }
        guard let groups = expandedIPv6(client) else { return client.lowercased() }
        // An IPv4 client seen through an IPv6 socket (::ffff:192.0.2.1) counts as that IPv4 address.
        if groups.prefix(6) == ["0", "0", "0", "0", "0", "ffff"], let high = UInt16(groups[6], radix: 16), let low = UInt16(groups[7], radix: 16) {
            return "\(high >> 8).\(high & 0xff).\(low >> 8).\(low & 0xff)"
        }
        return groups.prefix(4).joined(separator: ":") + "::/64"
    }

    /// The eight groups of a textual IPv6 address, lower-case without leading zeros; nil if it isn't one.
    static func expandedIPv6(_ text: String) -> [String]? {
        var address = Substring(text.lowercased())
        if let zone = address.firstIndex(of: "%") { address = address[..<zone] }
        let halves = address.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [String]? {
            guard !part.isEmpty else { return [] }
            var result: [String] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                if group.contains(".") {
                    // An embedded IPv4 address (::ffff:192.0.2.1) is the last two groups.
                    let octets = group.split(separator: ".").compactMap { UInt8($0) }
                    guard octets.count == 4 else { return nil }
                    result.append(String(UInt16(octets[0]) << 8 | UInt16(octets[1]), radix: 16))
                    result.append(String(UInt16(octets[2]) << 8 | UInt16(octets[3]), radix: 16))
                } else {
                    guard let value = UInt16(group, radix: 16) else { return nil }
                    result.append(String(value, radix: 16))
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
        return head + Array(repeating: "0", count: 8 - head.count - tail.count) + tail
    }
}
