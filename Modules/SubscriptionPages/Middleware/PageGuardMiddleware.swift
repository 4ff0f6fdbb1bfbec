import Foundation
import Hummingbird
import Logging
import Storage

/// Around every route: refuses POSTs from a foreign `Origin`, turns refusals and router errors into
/// pages, and puts the security headers on every response.
struct PageGuardMiddleware<Context: RequestContext>: RouterMiddleware {
    /// `scheme://host[:port]` of the public URL, lowercased, default port dropped.
    let publicOrigin: String
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            if request.method == .post, let origin = request.headers[.origin],
               Self.normalisedOrigin(origin) != publicOrigin {
                throw PageRefusal.foreignOrigin(origin)
            }
            response = try await next(request, context)
        } catch let refusal as PageRefusal {
            response = refusal.response
        } catch let error as HTTPError where error.status == .notFound {
            response = PageRefusal.notFound.response
        } catch let error as HTTPError where error.status == .contentTooLarge {
            response = PageRefusal.bodyTooLarge(limit: context.maxUploadSize).response
        } catch {
            logger.error("link page failed", metadata: ["path": "\(request.uri.path)", "error": .string(DatabaseErrorText.describe(error))])
            response = Page(
                status: .internalServerError, title: "Something went wrong",
                body: "<p>The request could not be completed. Nothing needs doing on your side; please try the link again later.</p>"
            ).response
        }
        for (name, value) in Page.securityHeaders {
            response.headers[name] = value
        }
        return response
    }

    /// The origin of a URL or `Origin` header value in one spelling, or nil (e.g. for `null`).
    static func normalisedOrigin(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              let host = components.host?.lowercased(), !host.isEmpty
        else { return nil }
        let defaultPort = scheme == "https" ? 443 : scheme == "http" ? 80 : nil
        if let port = components.port, port != defaultPort {
            return "\(scheme)://\(host):\(port)"
        }
        return "\(scheme)://\(host)"
    }
}
