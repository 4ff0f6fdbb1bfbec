import Foundation

/// How to reach the SMTP server. Credentials come from the URL's user info or the fields here.
public struct SMTPSettings: Sendable, Hashable {
    /// `smtp://host[:port]` (optionally STARTTLS) or `smtps://host[:port]` (implicit TLS).
    public var url: URL
    /// Refuse to send without TLS (`CURLUSESSL_ALL`); plain `smtp://` upgrades with STARTTLS.
    public var requireTLS: Bool
    /// A PEM file of CA certificates to trust (a private CA or a self-signed server).
    public var caFile: String?
    public var username: String?
    public var password: String?
    /// The name sent in EHLO; defaults to the host name libcurl picks.
    public var ehloName: String?
    public var connectTimeout: Duration
    /// The whole transaction, connect included.
    public var totalTimeout: Duration
    /// Close a connection idle for longer than this before reuse (under the server's idle timeout).
    public var maxIdleAge: Duration
    /// Connections (each with its own thread and handle).
    public var connections: Int

    public init(
        url: URL, requireTLS: Bool = false, caFile: String? = nil, username: String? = nil, password: String? = nil,
        ehloName: String? = nil, connectTimeout: Duration = .seconds(10), totalTimeout: Duration = .seconds(60),
        maxIdleAge: Duration = .seconds(30), connections: Int = 8
    ) {
        self.url = url
        self.requireTLS = requireTLS
        self.caFile = caFile
        // Decoded exactly once from the encoded form (Foundation decodes `user` but not `password`).
        self.username = username ?? url.user(percentEncoded: true)?.removingPercentEncoding
        self.password = password ?? url.password(percentEncoded: true)?.removingPercentEncoding
        self.ehloName = ehloName
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxIdleAge = maxIdleAge
        self.connections = max(1, connections)
    }

    /// The URL libcurl gets: no credentials (they go in separate options), the EHLO name as its path.
    var curlURL: String {
        var components = URLComponents()
        components.scheme = url.scheme?.lowercased()
        components.host = url.host
        components.port = url.port
        let ehlo = ehloName.flatMap { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) } ?? ""
        components.percentEncodedPath = ehlo.isEmpty ? "" : "/" + ehlo
        return components.string ?? ""
    }

    /// Host and port for log lines; never credentials.
    public var safeDescription: String {
        "\(url.scheme ?? "smtp")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")"
    }
}
