import ArgumentParser
import Demo
import Domain
import Foundation
import ITSMConfig
import Storage

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A small realistic organisation to try the system on.",
        subcommands: [Seed.self, Open.self]
    )

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill an empty database with eight weeks of a demo organisation's ITSM records and two lists.",
            discussion: """
            Twelve services across portfolio states, SLAs on an office-hours calendar with a holiday, some
            hundreds of incidents (a few breaches, two major incidents, items at risk), problems, changes
            (with a collision and a freeze-window conflict ahead), requests, improvement initiatives, and
            the lists ops-weekly and cab-daily with confirmed and pending subscribers (the pending ones are
            sent a confirmation mail). Dates are relative to now (or --at), placed so that each list's
            latest scheduled digest, the one the daemon sends first, tells the story. The same --seed and
            --at give the same organisation.

            Refuses a database that already holds records or lists; --force deletes everything in it first;
            --if-empty leaves such a database alone and exits 0 (what scripts/run does on every start).

            Examples:
              itsm demo seed
              itsm demo seed --seed 7 --force
              itsm demo seed --seed 7 --at 2026-11-25T12:00:00Z
              itsm demo seed --if-empty
            """
        )

        @OptionGroup var options: GlobalOptions

        @Option(help: "Seed of the generator: the same seed, the same organisation.")
        var seed: UInt64 = 1

        @Option(help: ArgumentHelp(
            "Seed as if it were this instant (ISO 8601 with Z or an offset); records are dated back from it. Default: now.",
            valueName: "instant"))
        var at: String?

        @Flag(help: "Delete everything in the database (records, lists, subscribers, mail) and seed again.")
        var force = false

        @Flag(help: "Seed only an empty database; leave one that holds records or lists as it is and exit 0.")
        var ifEmpty = false

        @Flag(help: "Print the summary as JSON.")
        var json = false

        func validate() throws {
            if force && ifEmpty { throw ValidationError("--force and --if-empty: give one or the other") }
            if let at, Instant(iso8601: at) == nil {
                throw ValidationError("--at: expected an ISO 8601 instant such as 2026-11-25T12:00:00Z, got \"\(at)\"")
            }
        }

        func run() async throws {
            let summary: DemoSeed.Summary? = try await options.withContext { context in
                let seededAt = at.flatMap { Instant(iso8601: $0) } ?? context.now
                let service = try context.subscriptionService(now: { seededAt })
                let demo = DemoSeed(store: context.store, subscriptions: service, seed: seed, now: seededAt)
                if try await !demo.databaseIsEmpty() {
                    if ifEmpty { return nil }
                    guard force else {
                        throw CommandFailure("the database already holds records or lists (\(context.configuration.database)); seed an empty one, or add --force to delete everything in it first")
                    }
                    try await demo.reset()
                }
                return try await demo.run()
            }
            guard let summary else {
                if json { try printJSON(["seeded": false]) } else { print("The database already holds records or lists: not seeded.") }
                return
            }
            if json {
                try printJSON(summary)
                return
            }
            print("""
                Seeded the demo: \(summary.services) services, \(summary.incidents) incidents, \(summary.problems) problems, \
                \(summary.changes) changes, \(summary.requests) requests, \(summary.improvements) improvement initiatives.
                Lists: \(summary.lists.joined(separator: ", ")) (\(summary.confirmedSubscribers) confirmed subscribers, \
                \(summary.pendingSubscribers) pending with a confirmation mail in the outbox).

                Next:
                  itsm digest preview ops-weekly          read last week's digest in the terminal
                  itsm digest send ops-weekly             send it to the confirmed subscribers now
                """)
        }
    }
}

extension DemoCommand {
    struct Open: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the newest digest in the mail folder as an HTML file to open in a browser.",
            discussion: """
            With no SMTP server configured, the daemon writes each mail as an .eml file in the mail folder \
            (./var/mail under the state directory), and a digest's HTML part beside it as an .html file of \
            the same name. This prints the newest digest's .html file on standard output (of one list with \
            --list) and a command that opens it on standard error. When there is none yet it says how to \
            send one, and exits 1.

            Examples:
              itsm demo open
              itsm demo open --list cab-daily
              xdg-open "$(itsm demo open)"
            """
        )

        @OptionGroup var options: GlobalOptions

        @Option(help: "Only this list's digests (its slug).")
        var list: String?

        func run() async throws {
            let configuration = try await options.loadConfiguration()
            let slug = list ?? "ops-weekly"
            guard case let .files(directory) = configuration.mail else {
                throw CommandFailure(
                    "mail: goes to the SMTP server in ITSM_SMTP_URL, not to files; read the digest in that mailbox, or write one to a file with: itsm digest preview \(slug) --format html --output digest.html")
            }
            let folder = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
            guard let newest = try DigestFiles(folder: folder).newest(listSlug: list) else {
                print("""
                    No digest\(list.map { " of \($0)" } ?? "") in \(folder.path) yet.
                    The daemon (scripts/run) sends each list's latest digest when it starts. To send one now:
                      itsm digest send \(slug) --to you@example.org    a test copy, delivered by the daemon in seconds
                      itsm digest send \(slug)                         the list's digest to its confirmed subscribers
                    """)
                throw ExitCode.failure
            }
            print(newest.path)
            printError("Open it in a browser: xdg-open \(newest.path)")
        }
    }
}

/// The digests' HTML files in the file transport's mail folder. A digest's file is named for its
/// Message-ID (`digest.<run>.<subscription>` or, for a test copy, `digest-test.<id>`); its list is
/// the `List-Id` of the `.eml` beside it.
struct DigestFiles {
    let folder: URL

    /// The most recently written digest `.html`, of the list with this slug when one is given.
    func newest(listSlug: String?) throws -> URL? {
        guard FileManager.default.fileExists(atPath: folder.path) else { return nil }
        var candidates: [(modified: Date, url: URL)] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path)
        where name.hasSuffix(".html") && (name.hasPrefix("digest.") || name.hasPrefix("digest-test.")) {
            let url = folder.appendingPathComponent(name)
            if let listSlug, try !belongs(url, to: listSlug) { continue }
            let modified = try FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date ?? .distantPast
            candidates.append((modified, url))
        }
        // Newest first; on the same instant the later name, so the answer does not depend on listing order.
        return candidates.max { ($0.modified, $0.url.lastPathComponent) < ($1.modified, $1.url.lastPathComponent) }?.url
    }

    /// Whether the `.eml` beside `html` carries `List-Id: ... <slug.domain>`.
    private func belongs(_ html: URL, to slug: String) throws -> Bool {
        let eml = html.deletingPathExtension().appendingPathExtension("eml")
        guard let data = FileManager.default.contents(atPath: eml.path) else { return false }
        // The header block, with folded lines joined.
        let head = String(decoding: data.prefix(64 * 1024), as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
            .replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: " ")
        return head.components(separatedBy: "\r\n").contains { line in
            line.lowercased().hasPrefix("list-id:") && line.contains("<\(slug).")
        }
    }
}
