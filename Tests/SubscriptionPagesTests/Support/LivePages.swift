import Domain
import Foundation
import Hummingbird
import ITSMTestSupport
import NIOCore
import Notifications
import ServiceLifecycle
import Storage
import SubscriptionPages
import Synchronization
import Testing


/// The link pages as itsm-scheduler serves them: a real Hummingbird `Application` with
/// `SubscriptionPagesContext` on a loopback TCP port, over a fresh store of its own. The public URL
/// is the server's own address, so the links in the mail are the links to follow.
struct LivePages {
    let store: Store
    let service: SubscriptionService
    let clock: ManualClock
    let port: Int

    /// `http://127.0.0.1:PORT`: what a browser sends as `Origin` for the pages' own forms.
    var origin: String { "http://127.0.0.1:\(port)" }

    // MARK: Requests

    func get(_ target: String, headers: [(String, String)] = []) async throws -> WireResponse {
        try await LoopbackHTTP.exchange(port: port, head: head("GET", target, headers))
    }

    /// POSTs `body` as `application/x-www-form-urlencoded` unless `contentType` says otherwise.
    func post(
        _ target: String, body: String, contentType: String = "application/x-www-form-urlencoded", headers: [(String, String)] = []
    ) async throws -> WireResponse {
        let bytes = Array(body.utf8)
        let all = [("Content-Type", contentType), ("Content-Length", String(bytes.count))] + headers
        return try await LoopbackHTTP.exchange(port: port, head: head("POST", target, all), body: bytes)
    }

    /// POSTs the fields urlencoded (see `form` in PagesFixture.swift).
    func post(_ target: String, form fields: [(String, String)], headers: [(String, String)] = []) async throws -> WireResponse {
        try await post(target, body: String(buffer: form(fields)), headers: headers)
    }

    /// The request line and headers, with `Host` and `Connection: close` first and the empty line at the end.
    func head(_ method: String, _ target: String, _ headers: [(String, String)]) -> String {
        let lines = ["\(method) \(target) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Connection: close"] + headers.map { "\($0): \($1)" }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// The request target (path and query, as written) of a link on this server.
    func target(of link: String) throws -> String {
        try #require(link.hasPrefix(origin + "/"), "\(link) is not a link to \(origin)")
        return String(link.dropFirst(origin.count))
    }

    // MARK: State

    func subscription(_ address: String) async throws -> Subscription {
        let list = try #require(try await store.mailingLists.get(slug: "ops-weekly"))
        let listID = try #require(list.id)
        return try #require(try await store.subscriptions.subscription(listID: listID, address: try EmailAddress(parsing: address)))
    }

    func consent(_ address: String) async throws -> [ConsentRecord] {
        try await store.consent.records(for: try EmailAddress(parsing: address))
    }
}

/// Runs `body` against live pages on `engine` with the list "ops-weekly" titled `listTitle` and the
/// service's `policy`; the server stops gracefully and the store is dropped afterwards, whatever happens.
func withLivePages<R>(
    _ engine: StoreEngine, listTitle: String = "Ops weekly", policy: SubscriptionPolicy = .init(), _ body: (LivePages) async throws -> R
) async throws -> R {
    try await withTestStore(engine, openedAt: start, logger: quietLogger) { store in
        try await createOpsWeekly(titled: listTitle, in: store)
        let clock = ManualClock(start)
        // The public URL must name the port before the server binds it: choose a free one, and
        // choose again if another process takes it in between.
        for attempt in 1... {
            let port = try unusedLoopbackPort()
            let service = try SubscriptionService(
                store: store, signer: try LinkTokenSigner(secretKey: String(repeating: "k", count: 32)),
                publicBaseURL: try #require(URL(string: "http://127.0.0.1:\(port)")), policy: policy, now: { clock.now }, logger: quietLogger)
            do {
                return try await serving(SubscriptionPages(service: service), port: port) {
                    try await body(LivePages(store: store, service: service, clock: clock, port: port))
                }
            } catch let error as ServerDidNotStart where attempt < 5 && (error.underlying as? IOError)?.errnoCode == EADDRINUSE {
                continue
            }
        }
        preconditionFailure("unreachable: the loop returns or throws")
    }
}

/// The application's run ended before it listened; `underlying` says why (a taken port, say).
struct ServerDidNotStart: Error, CustomStringConvertible {
    var underlying: (any Error)?
    var description: String { "the live server did not start: \(underlying.map { "\($0)" } ?? "it stopped without an error")" }
}

/// Runs the pages on 127.0.0.1:`port` under a service group, runs `body` once the server listens,
/// then shuts the group down gracefully.
private func serving<R>(_ pages: SubscriptionPages, port: Int, _ body: () async throws -> R) async throws -> R {
    let (listening, signal) = AsyncStream<Void>.makeStream()
    let application = Application(
        router: pages.router(context: SubscriptionPagesContext.self),
        configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "itsm"),
        onServerRunning: { _ in signal.yield() },
        logger: quietLogger)
    let group = ServiceGroup(configuration: .init(services: [application], logger: quietLogger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { signal.finish() }
            try await group.run()
        }
        var iterator = listening.makeAsyncIterator()
        guard await iterator.next() != nil else {
            do {
                try await tasks.waitForAll()
            } catch {
                throw ServerDidNotStart(underlying: error)
            }
            throw ServerDidNotStart(underlying: nil)
        }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}
