import Hummingbird

/// A request the pages answer with a 4xx page and without writing anything.
enum PageRefusal: Error, Sendable {
    case bodyTooLarge(limit: Int)
    case badForm(String)
    case foreignOrigin(String)
    case methodNotAllowed(allowed: [HTTPRequest.Method])
    case notFound
    case tooManyRequests(retryAfter: Duration)

    var page: Page {
        switch self {
        case let .bodyTooLarge(limit):
            Page(status: .contentTooLarge, title: "Request too large",
                 body: "<p>The request was larger than \(String(limit)) bytes, so nothing was done. The forms on these pages send far less.</p>")
        case let .badForm(reason):
            Page(status: .badRequest, title: "Bad request", body: "<p>Nothing was done: \(reason).</p>")
        case let .foreignOrigin(origin):
            Page(status: .forbidden, title: "Forbidden",
                 body: "<p>Nothing was done: this form was sent from another site (\(origin)). Use the link from your mail.</p>")
        case .methodNotAllowed:
            Page(status: .methodNotAllowed, title: "Method not allowed", body: "<p>This address does not answer that kind of request.</p>")
        case .notFound:
            Page(status: .notFound, title: "Page not found", body: "<p>There is no page at this address.</p>")
        case let .tooManyRequests(retryAfter):
            Page(status: .tooManyRequests, title: "Too many requests", body: """
                <p>Too many subscribe requests came from your network, so nothing was done. \
                Please try again in \(String(Self.wholeMinutes(retryAfter))) minute\(Self.wholeMinutes(retryAfter) == 1 ? "" : "s").</p>
                """)
        }
    }

    var response: Response {
        var response = page.response
        if case let .methodNotAllowed(allowed) = self {
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        }
        if case let .tooManyRequests(retryAfter) = self {
            response.headers[.retryAfter] = String(Self.wholeSeconds(retryAfter))
        }
        return response
    }

    /// Rounded up, so a client that waits this long is let in.
    static func wholeSeconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return attoseconds > 0 ? seconds + 1 : seconds
    }

    static func wholeMinutes(_ duration: Duration) -> Int64 {
        (wholeSeconds(duration) + 59) / 60
    }
}
