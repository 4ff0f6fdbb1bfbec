import ArgumentParser
import Domain
import Foundation
import Hummingbird
import Logging
import Notifications
import Storage

/// The link-pages load benchmark's helpers: a bare Hummingbird hello-world server (the peer the
/// pages are compared with), and the seeding of a database with subscriptions and their tokens.
/// Run by `bench/link-pages/run`.
@main
struct PagesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "itsm-bench-pages",
        abstract: "Seed a database for the link-pages load test, or serve a bare hello-world route beside it.",
        subcommands: [Hello.self, Seed.self, Outbox.self]
    )

    struct Hello: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve GET /hello with Hummingbird, nothing else.")

        @Option(help: "Port on 127.0.0.1.")
        var port: Int

        func run() async throws {
            var logger = Logger(label: "hello")
            logger.logLevel = .warning
            let router = Router()
            router.get("/hello") { _, _ in "hello\n" }
            try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger).runService()
        }
    }

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the list 'bench' with pending subscriptions and write their confirm and unsubscribe tokens, one per line.")

        @Option(help: "sqlite:PATH or postgres://...")
        var database: String

        @Option(help: "Pending subscriptions to create.")
        var subscribers: Int = 20_000

        @Option(help: "The daemon's ITSM_SECRET_KEY (tokens are signed with it).")
        var secretKey: String

        @Option(help: "File for the confirm tokens.")
        var confirmTokens: String

        @Option(help: "File for the unsubscribe tokens.")
        var unsubscribeTokens: String

        func run() async throws {
            var logger = Logger(label: "seed")
            logger.logLevel = .warning
            let now = Instant(Date())
            let (store, _) = try await Store.open(try DatabaseLocation(parsing: database), now: now, logger: logger)
            do {
                let list = try await store.mailingLists.create(try MailingList(
                    slug: "bench", title: "Benchmark list", sender: try ListSender(address: try EmailAddress(parsing: "bench@example.org")),
                    digest: try DigestSelection(stages: [.operation]), schedule: "weekly MON 08:00", timeZoneIdentifier: "UTC"), at: now)
                guard let listID = list.id else { throw ValidationError("the list was stored without an id") }
                let signer = try LinkTokenSigner(secretKey: secretKey)
                var confirm = "", unsubscribe = ""
                let evidence = ConsentEvidence(method: .cli(operator: "bench", reason: "load test"))
                for index in 0..<subscribers {
                    let receipt = try await store.subscriptions.subscribe(
                        address: try EmailAddress(parsing: "reader\(index)@example.org"), listID: listID, consent: evidence, at: now)
                    guard let id = receipt.subscription.id else { continue }
                    confirm += signer.token(action: .confirm, subscriptionID: id, expiresAt: now + .hours(72), issuedAt: now) + "\n"
                    unsubscribe += signer.token(action: .unsubscribe, subscriptionID: id, expiresAt: nil) + "\n"
                }
                try confirm.write(toFile: confirmTokens, atomically: true, encoding: .utf8)
                try unsubscribe.write(toFile: unsubscribeTokens, atomically: true, encoding: .utf8)
                try await store.database.close()
            } catch {
                try? await store.database.close()
                throw error
            }
        }
    }

    struct Outbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print how many messages the outbox holds.")

        @Option(help: "sqlite:PATH or postgres://...")
        var database: String

        func run() async throws {
            var logger = Logger(label: "outbox")
            logger.logLevel = .warning
            let database = try await Database.open(try DatabaseLocation(parsing: database), logger: logger)
            do {
                let summary = try await Store(database: database).outbox.summary()
                print(summary.counts.values.reduce(0, +))
                try await database.close()
            } catch {
                try? await database.close()
                throw error
            }
        }
    }
}
