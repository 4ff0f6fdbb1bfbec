import Domain
import Foundation
import Hummingbird
import Notifications

/// The HTTP pages behind the subscription links: subscribe form, confirm, unsubscribe (with RFC 8058
/// one-click) and a health check. A GET never changes anything; every change is a POST.
public struct SubscriptionPages: Sendable {
    public let service: SubscriptionService
    public let options: SubscriptionPagesOptions
    /// Shared by every router made from these pages, so the limit is one per process.
    private let limiter: SubscribeRateLimiter?

    public init(service: SubscriptionService, options: SubscriptionPagesOptions = .init()) {
        self.service = service
        self.options = options
        limiter = options.subscribeLimit.map { SubscribeRateLimiter(limit: $0, now: service.now) }
    }

    /// A router with every page, for a context that knows the connection's peer address.
    public func router<Context: RemoteAddressRequestContext>(context: Context.Type = SubscriptionPagesContext.self) -> Router<Context> {
        let router = Router(context: Context.self)
        // Requests by route, method and status, and their durations (swift-metrics; /metrics exports them).
        router.add(middleware: MetricsMiddleware<Context>())
        router.add(middleware: PageGuardMiddleware<Context>(
            publicOrigin: PageGuardMiddleware<Context>.normalisedOrigin(service.publicBaseURL.absoluteString) ?? "",
            logger: service.logger))
        router.get("/healthz") { _, _ in Page.plainText("ok\n") }
        router.get("/lists/:slug") { _, context in try await subscribeForm(context) }
        router.post("/lists/:slug/subscribe") { request, context in try await subscribe(request, context) }
        router.get("/confirm") { request, _ in try await confirmPage(request) }
        router.post("/confirm") { request, context in try await confirm(request, context) }
        router.get("/unsubscribe") { request, _ in try await unsubscribePage(request) }
        router.post("/unsubscribe") { request, context in try await unsubscribe(request, context) }
        refuseOtherMethods(on: router, paths: [
            ("/healthz", [.get]), ("/lists/:slug", [.get]), ("/lists/:slug/subscribe", [.post]),
            ("/confirm", [.get, .post]), ("/unsubscribe", [.get, .post]),
        ])
        return router
    }

    // MARK: Subscribe

    private func subscribeForm<Context: RequestContext>(_ context: Context) async throws -> Response {
        let list = try await mailingList(context)
        return SubscribePages.form(list: list, consentText: SubscribePages.consentText(list), email: "", name: "", error: nil).response
    }

    private func subscribe<Context: RemoteAddressRequestContext>(_ request: Request, _ context: Context) async throws -> Response {
        let method = try consentMethod(request, context)
        // Every POST counts, good or bad, before anything is read or looked up.
        if let limiter, case let .web(ipAddress, _) = method, case let .refused(retryAfter) = limiter.admit(client: ipAddress) {
            service.logger.notice("subscribe requests over the per-client limit refused", metadata: [
                "client": .string(SubscribeRateLimiter.key(for: ipAddress)), "limit": "\(limiter.limit.requests) per \(limiter.limit.window)",
            ])
            throw PageRefusal.tooManyRequests(retryAfter: retryAfter)
        }
        let form = try await FormBody.read(request, limit: options.maxBodyBytes)
        let list = try await mailingList(context)
        let email = form["email"] ?? ""
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let consentText = SubscribePages.consentText(list)
        do {
            _ = try await service.subscribe(
                listSlug: list.slug, address: email, name: name.isEmpty ? nil : name, method: method, confirmationText: consentText)
        } catch let error as SubscriptionServiceError {
            if case .unknownList = error { throw PageRefusal.notFound }
            return SubscribePages.form(list: list, consentText: consentText, email: email, name: name, error: error.description).response
        } catch let error as DomainError {
            // A name with control characters or too long, say: the page says which field and why.
            return SubscribePages.form(list: list, consentText: consentText, email: email, name: name, error: error.description).response
        }
        // The same page whatever the address's state, so the answer tells nobody who is subscribed.
        return SubscribePages.checkYourInbox(list: list).response
    }

    private func mailingList<Context: RequestContext>(_ context: Context) async throws -> MailingList {
        guard let slug = context.parameters.get("slug"), let list = try await service.store.mailingLists.get(slug: slug) else {
            throw PageRefusal.notFound
        }
        return list
    }

    // MARK: Confirm

    private func confirmPage(_ request: Request) async throws -> Response {
        guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
            return LinkPages.missingToken.response
        }
        return LinkPages.confirm(preview: try await service.confirmPage(token: token), token: token).response
    }

    private func confirm<Context: RemoteAddressRequestContext>(_ request: Request, _ context: Context) async throws -> Response {
        let form = try await FormBody.read(request, limit: options.maxBodyBytes)
        guard let token = form["token"], !token.isEmpty else { return LinkPages.missingToken.response }
        let method = try consentMethod(request, context)
        do {
            // The sentence beside the button is the consent text.
            return LinkPages.confirmed(try await service.confirm(token: token, method: method, confirmationText: LinkPages.confirmSentence)).response
        } catch let error as SubscriptionServiceError {
            return LinkPages.badLink(error).response
        }
    }

    // MARK: Unsubscribe

    private func unsubscribePage(_ request: Request) async throws -> Response {
        guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else {
            return LinkPages.missingToken.response
        }
        guard let title = try await service.unsubscribePage(token: token) else {
            return LinkPages.badLink(.invalidLink).response
        }
        return LinkPages.unsubscribe(listTitle: title, token: token).response
    }

    /// The page's form POST (token in the body) and RFC 8058 one-click (token in the query).
    private func unsubscribe<Context: RemoteAddressRequestContext>(_ request: Request, _ context: Context) async throws -> Response {
        let form = try await FormBody.read(request, limit: options.maxBodyBytes)
        let token = form["token"] ?? request.uri.queryParameters.get("token").map { String($0) }
        guard let token, !token.isEmpty else { return LinkPages.missingToken.response }
        let method = try consentMethod(request, context)
        let result: UnsubscribeResult
        do {
            result = try await service.unsubscribe(token: token, method: method)
        } catch let error as SubscriptionServiceError {
            if form.isOneClickUnsubscribe { return Page.plainText(error.description + "\n", status: .badRequest) }
            return LinkPages.badLink(error).response
        }
        if form.isOneClickUnsubscribe { return Page.plainText("Unsubscribed.\n") }
        return LinkPages.unsubscribed(result).response
    }

    // MARK: Helpers

    /// The consent method for this request: client IP (see `ClientAddress`) and User-Agent.
    private func consentMethod<Context: RemoteAddressRequestContext>(_ request: Request, _ context: Context) throws -> ConsentMethod {
        let resolver = ClientAddress(trustedProxies: options.trustedProxies)
        guard let ip = resolver.resolve(peer: context.remoteAddress, headers: request.headers) else {
            // Consent records need an IP address; a listener without one is misconfigured, not the visitor's fault.
            throw ClientAddressUnknown()
        }
        return .web(ipAddress: ip, userAgent: request.headers[.userAgent])
    }

    private func refuseOtherMethods<Context: RequestContext>(on router: Router<Context>, paths: [(String, [HTTPRequest.Method])]) {
        let all: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options]
        for (path, allowed) in paths {
            for method in all where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in
                    throw PageRefusal.methodNotAllowed(allowed: allowed)
                }
            }
        }
    }
}

/// The connection has no IP peer address, so no consent record can be written.
struct ClientAddressUnknown: Error, CustomStringConvertible {
    var description: String { "the connection has no IP peer address; serve the pages on a TCP listener" }
}
