import HTTPTypes
import Hummingbird

/// One small accessible HTML page (language, title, heading, no script) and the headers every
/// response of the link pages carries.
struct Page: Sendable {
    var status: HTTPResponse.Status
    var title: String
    var body: HTML

    /// The document: the title is escaped here, the body was escaped where it was built.
    var document: String {
        let page: HTML = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title)</title>
            <style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}label,input,button{display:block;font-size:1rem}input{margin:.25rem 0 1rem;padding:.4rem;width:100%;box-sizing:border-box}button{padding:.5rem 1rem}.error{color:#a00}</style>
            </head>
            <body>
            <main>
            <h1>\(title)</h1>
            \(body)
            </main>
            </body>
            </html>

            """
        return page.rendered
    }

    var response: Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: document)))
    }

    /// A plain-text answer (health check, one-click unsubscribe) with the same headers.
    static func plainText(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: .init(string: text)))
    }

    /// Headers on every response: no script, no framing, forms only to this site, nothing cached or sniffed.
    static let securityHeaders: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"),
        (.xContentTypeOptions, "nosniff"),
        (.referrerPolicy, "same-origin"),
        (.cacheControl, "no-store"),
    ]
}

extension HTTPField.Name {
    static let referrerPolicy = named("Referrer-Policy")
    static let xForwardedFor = named("X-Forwarded-For")

    /// A name spelled in this file; both are valid tokens, so the guard never fails.
    private static func named(_ text: String) -> HTTPField.Name {
        guard let name = HTTPField.Name(text) else { preconditionFailure("'\(text)' is not an HTTP field name") }
        return name
    }
}
