import HTTPTypes
import Hummingbird
import NIOCore

/// The client's IP address for a consent record: the connection's peer, or, when that peer is a
/// configured proxy, the nearest untrusted hop it put in `X-Forwarded-For`.
struct ClientAddress {
    var trustedProxies: Set<String>

    /// Nil when the connection has no IP peer (a test channel, a Unix socket) and no trusted proxy spoke.
    func resolve(peer: SocketAddress?, headers: HTTPFields) -> String? {
        guard let peerIP = peer?.ipAddress else { return nil }
        guard trustedProxies.contains(peerIP) else { return peerIP }
        // Right to left: each trusted proxy appended the address it saw; the first untrusted one is the client.
        let hops = headers[values: .xForwardedFor]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard Self.looksLikeIP(hop) else { return peerIP }
            if !trustedProxies.contains(hop) { return hop }
        }
        return peerIP
    }

    /// Textual IPv4 or IPv6 characters only; the consent record validates the rest.
    static func looksLikeIP(_ text: String) -> Bool {
        (2...45).contains(text.count)
            && text.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == "." || $0 == ":" }
            && (text.contains(".") || text.contains(":"))
    }
}
