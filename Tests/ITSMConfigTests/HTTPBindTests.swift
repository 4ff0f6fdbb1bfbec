import ITSMConfig
import Testing

@Suite("HTTPBind")
struct HTTPBindTests {
    @Test("parses an IPv4 address, a bracketed IPv6 address or a host name, with a port", arguments: [
        ("127.0.0.1:8080", "127.0.0.1", 8080, "127.0.0.1:8080"),
        ("0.0.0.0:1", "0.0.0.0", 1, "0.0.0.0:1"),
        ("[::1]:8443", "::1", 8443, "[::1]:8443"),
        ("[::]:65535", "::", 65535, "[::]:65535"),
        ("[2001:db8::17]:80", "2001:db8::17", 80, "[2001:db8::17]:80"),
        ("localhost:3000", "localhost", 3000, "localhost:3000"),
        ("itsm.example.org:443", "itsm.example.org", 443, "itsm.example.org:443"),
    ])
    func parses(text: String, host: String, port: Int, description: String) throws {
        let bind = try HTTPBind(parsing: text)
        #expect(bind.host == host)
        #expect(bind.port == port)
        #expect(bind.description == description)
        #expect(try HTTPBind(parsing: bind.description) == bind)
    }

    @Test("refuses text that is not HOST:PORT with a usable port", arguments: [
        ("nope", "expected HOST:PORT"),
        ("8080", "expected HOST:PORT"),
        ("::1:8080", "expected HOST:PORT"),
        ("[::1]8080", "expected [IPv6]:PORT"),
        ("[::1]", "expected [IPv6]:PORT"),
        ("[::1", "expected [IPv6]:PORT"),
        (":8080", "host part"),
        ("[]:8080", "host part"),
        ("my host:8080", "host part"),
        ("a/b:8080", "host part"),
        ("localhost:", "from 1 to 65535"),
        ("localhost:http", "from 1 to 65535"),
        ("1.2.3.4:0", "from 1 to 65535"),
        ("1.2.3.4:65536", "from 1 to 65535"),
        ("[::1]:70000", "from 1 to 65535"),
        ("1.2.3.4:-80", "from 1 to 65535"),
    ])
    func refuses(text: String, reason: String) {
        #expect {
            try HTTPBind(parsing: text)
        } throws: { error in
            guard let error = error as? HTTPBind.ParseError else { return false }
            return error.reason.contains(reason) && error.reason.contains("'\(text)'")
        }
    }
}
