/// The address the daemon's HTTP server listens on: `host:port`, `[v6]:port`.
public struct HTTPBind: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public struct ParseError: Error, Sendable {
        public var reason: String
    }

    public init(parsing text: String) throws(ParseError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ParseError(reason: "expected [IPv6]:PORT, got '\(text)'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw ParseError(reason: "expected HOST:PORT such as 127.0.0.1:8080, got '\(text)'")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw ParseError(reason: "the host part of '\(text)' is empty or malformed")
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ParseError(reason: "the port of '\(text)' must be a number from 1 to 65535")
        }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
