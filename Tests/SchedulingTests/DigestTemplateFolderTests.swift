import Domain
import Foundation
import ITSMTestSupport
import Logging
import Notifications
import Scheduling
import Storage
import Testing

/// A list's own templates (`MailingList.templateFolder`) in the digests the runner enqueues.
@Suite("Digest runs render with the list's template folder")
struct DigestTemplateFolderTests {
    /// Sun 1 Nov 2026 00:00Z, when the list is created; Mon 23 Nov 2026 08:00 in Berlin, its weekly run.
    private static let created = Instant(secondsSinceEpoch: 1_793_491_200)
    private static let mondayRun = Instant(secondsSinceEpoch: 1_795_417_200)

    @Test("a list with a template folder gets its own text and HTML in every digest the runner enqueues", arguments: StoreEngine.available)
    func overrideInEnqueuedDigest(engine: StoreEngine) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("itsm-templates-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Plain words without `=` on short lines: quoted-printable leaves them as written in the message.
        try "CUSTOM-TEXT-TEMPLATE for {{list.title}}\n{{recipient.greeting}}\n{{recipient.unsubscribeURL}}\n"
            .write(to: folder.appendingPathComponent("digest.text.mustache"), atomically: true, encoding: .utf8)
        try "<p>CUSTOM-HTML-TEMPLATE for {{list.title}}</p>\n"
            .write(to: folder.appendingPathComponent("digest.html.mustache"), atomically: true, encoding: .utf8)

        var logger = Logger(label: "itsm.tests.scheduling.templates")
        logger.logLevel = .critical
        try await withTestStore(engine, openedAt: Self.created, logger: logger) { store in
            let list = try await store.mailingLists.create(try MailingList(
                slug: "ops-weekly", title: "Ops weekly", sender: try ListSender(address: try EmailAddress(parsing: "digest@itsm.example.org")),
                digest: try DigestSelection(stages: [.operation]), schedule: "weekly MON 08:00", timeZoneIdentifier: "Europe/Berlin",
                templateFolder: folder.path), at: Self.created)
            #expect(list.templateFolder == folder.path)
            let clock = ManualClock(Self.created)
            let service = try SubscriptionService(
                store: store, signer: try LinkTokenSigner(secretKey: String(repeating: "k", count: 32)),
                publicBaseURL: try #require(URL(string: "https://itsm.example.org")), now: { clock.now }, logger: logger)
            let fixture = RunnerFixture(store: store, clock: clock, service: service, list: list)
            try await fixture.confirm(2)
            clock.set(Self.mondayRun)

            let runs = try await fixture.runner(catchUp: .latest).tick()
            #expect(runs.map(\.state) == [.sent])
            let messages = try await fixture.digestMessages
            #expect(messages.count == 2)
            for message in messages {
                let mail = String(decoding: message.data, as: UTF8.self)
                #expect(mail.contains("CUSTOM-TEXT-TEMPLATE for Ops weekly"), "\(mail.prefix(3000))")
                #expect(mail.contains("<p>CUSTOM-HTML-TEMPLATE for Ops weekly</p>"), "\(mail.prefix(3000))")
                // The built-in page and its text are gone; the subscriber's own greeting is still there.
                #expect(!mail.contains("Here is where the services stand"))
                #expect(!mail.contains("<!DOCTYPE html>"))
                #expect(mail.contains("Hello Person"), "\(mail.prefix(3000))")
            }
        }
    }
}
