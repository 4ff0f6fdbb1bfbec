import ArgumentParser
import Domain
import Foundation
import Storage

struct ListsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lists",
        abstract: "Create, change, inspect and delete the mailing lists digests go to.",
        discussion: """
        A list has a slug (its name in URLs and commands), a title, a sender, the digest it carries \
        (lifecycle stages, services, minimum priority), a schedule read on its time zone's clock, \
        and whether subscribers must confirm by mail (double opt-in, on by default).
        """,
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every mailing list with its schedule and subscriber counts.",
            discussion: """
            Examples:
              itsm lists list
              itsm lists list --json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let reports = try await options.withReportedContext { context in
                var reports: [ListReport] = []
                for list in try await context.store.mailingLists.list() {
                    let counts = try await context.counts(of: list)
                    reports.append(ListReport(list, counts: counts, now: context.now))
                }
                return reports
            }
            if json { return try printJSON(reports) }
            var table = Table("SLUG", "TITLE", "SCHEDULE", "TIME ZONE", "CONFIRMED", "PENDING", "NEXT RUN")
            for report in reports {
                table.add(
                    report.slug, report.title, report.schedule, report.timeZone, String(report.subscribers.confirmed),
                    String(report.subscribers.pending), report.nextRunLocal
                )
            }
            table.print(emptyMessage: "No mailing lists yet (itsm lists create SLUG --title ... --sender ...).")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a list's settings, its subscribers by state and its next digest run.",
            discussion: """
            Examples:
              itsm lists show ops-weekly
              itsm lists show ops-weekly --json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var slug: String

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let report = try await options.withReportedContext { context in
                let list = try await context.mailingList(slug)
                let counts = try await context.counts(of: list)
                return ListReport(list, counts: counts, now: context.now)
            }
            if json { return try printJSON(report) }
            printFields(report.lines)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a list with its subscriptions (consent records stay with the subscribers).",
            discussion: """
            Asks before deleting when standard input is a terminal; elsewhere --yes is required. \
            A list with confirmed subscribers is only deleted with --force.

            Examples:
              itsm lists delete old-list
              itsm lists delete ops-weekly --yes --force
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var slug: String

        @Flag(name: .long, help: "Do not ask; required when standard input is not a terminal.")
        var yes = false

        @Flag(name: .long, help: "Delete even if people have confirmed their subscription.")
        var force = false

        func validate() throws {
            if !yes, isatty(STDIN_FILENO) != 1 {
                throw ValidationError("--yes: standard input is not a terminal, so `itsm lists delete` needs --yes to delete '\(slug)'")
            }
        }

        func run() async throws {
            let askFirst = !yes
            let removed = try await options.withReportedContext { context in
                let list = try await context.mailingList(slug)
                guard let id = list.id else { throw CommandFailure("list: '\(slug)' has no id") }
                let counts = try await context.store.subscriptions.stateCounts(listID: id)
                let confirmed = counts[.confirmed] ?? 0
                if confirmed > 0, !force {
                    throw SubscriptionError.listHasConfirmedSubscribers(slug: list.slug, count: confirmed)
                }
                if askFirst {
                    let total = counts.values.reduce(0, +)
                    FileHandle.standardError.write(Data("Delete list '\(list.slug)' (\(list.title)) and its \(total) subscription\(total == 1 ? "" : "s")? [y/N] ".utf8))
                    let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
                    guard answer == "y" || answer == "yes" else { throw CommandFailure("not confirmed; nothing was deleted") }
                }
                return try await context.store.mailingLists.delete(id, force: force)
            }
            print("Deleted list '\(slug)' and \(removed) subscription\(removed == 1 ? "" : "s").")
        }
    }
}
