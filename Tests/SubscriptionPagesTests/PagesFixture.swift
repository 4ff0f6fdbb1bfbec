import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ITSMTestSupport
import Logging
import NIOCore
import Notifications
import Storage
import Synchronization
import Testing
@testable import SubscriptionPages

/// 2026-03-02T09:00:00Z.
let start = Instant(secondsSinceEpoch: 1_772_442_000)

let quietLogger: Logger = {
    var logger = Logger(label: "itsm.tests.pages")
    logger.logLevel = .critical
    return logger
}()

/// A context whose peer is 203.0.113.5, as if the request came over TCP (the router test channel has no peer).
struct PeerContext: RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = try? SocketAddress(ipAddress: "203.0.113.5", port: 40_000)
    }
}


struct PagesFixture {
    let store: Store
    let service: SubscriptionService

    var application: some ApplicationProtocol {
        Application(router: SubscriptionPages(service: service).router(context: PeerContext.self), logger: quietLogger)
    }

    func subscription(_ address: String) async throws -> Subscription {
        let list = try #require(try await store.mailingLists.get(slug: "ops-weekly"))
        let listID = try #require(list.id)
        return try #require(try await store.subscriptions.subscription(listID: listID, address: try EmailAddress(parsing: address)))
    }

    /// The confirm token in the last confirmation mail in the outbox (quoted-printable soft breaks undone).
    func tokenFromOutbox() async throws -> String {
        let message = try #require(try await store.outbox.list().last)
        let text = String(decoding: message.data, as: UTF8.self)
            .replacingOccurrences(of: "=\r\n", with: "")
            .replacingOccurrences(of: "=3D", with: "=")
        let marker = try #require(text.range(of: "/confirm?token="))
        let token = text[marker.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        try #require(token.count == 78)
        return String(token)
    }

    /// The unsubscribe token the service puts in list mail for `address`.
    func unsubscribeToken(_ address: String) async throws -> String {
        let id = try #require(try await subscription(address).id)
        let components = try #require(URLComponents(url: service.unsubscribeLink(subscriptionID: id), resolvingAgainstBaseURL: false))
        return try #require(components.queryItems?.first { $0.name == "token" }?.value)
    }
}

/// A migrated SQLite store in a temporary folder with the list "ops-weekly" titled `listTitle`, and a service on it.
func withPagesFixture<R>(listTitle: String = "Ops weekly", _ body: (PagesFixture) async throws -> R) async throws -> R {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-pages-tests-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let store = try await Store.open(.sqlite(path: folder.appendingPathComponent("itsm.sqlite").path), now: start, logger: quietLogger).store
    do {
        try await createOpsWeekly(titled: listTitle, in: store)
        let clock = ManualClock(start)
        let service = try SubscriptionService(
            store: store, signer: try LinkTokenSigner(secretKey: String(repeating: "k", count: 32)),
            publicBaseURL: try #require(URL(string: "https://itsm.example.org/")), now: { clock.now }, logger: quietLogger)
        let result = try await body(PagesFixture(store: store, service: service))
        try await store.database.close()
        return result
    } catch {
        try? await store.database.close()
        throw error
    }
}

/// The list every page test uses: "ops-weekly", sent by digest@itsm.example.org, created at `start`.
func createOpsWeekly(titled title: String, in store: Store) async throws {
    let sender = try ListSender(address: try EmailAddress(parsing: "digest@itsm.example.org"), name: "ITSM digests")
    _ = try await store.mailingLists.create(
        try MailingList(
            slug: "ops-weekly", title: title, sender: sender, digest: try DigestSelection(stages: [.operation]),
            schedule: "weekly", timeZoneIdentifier: "Europe/Berlin"),
        at: start)
}

let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

func form(_ fields: [(String, String)]) -> ByteBuffer {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    let text = fields.map { name, value in
        "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
    }.joined(separator: "&")
    return ByteBuffer(string: text)
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

/// The security headers every page carries.
func expectSecurityHeaders(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.headers[.contentSecurityPolicy] == "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'", sourceLocation: sourceLocation)
    #expect(response.headers[.xContentTypeOptions] == "nosniff", sourceLocation: sourceLocation)
    #expect(response.headers[.cacheControl] == "no-store", sourceLocation: sourceLocation)
    #expect(response.headers[HTTPField.Name("Referrer-Policy") ?? .cacheControl] == "same-origin", sourceLocation: sourceLocation)
}
