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
        subcommands: [Seed.self]
    )

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fill an empty database with eight weeks of a demo organisation's ITSM records and two lists.",
            discussion: """
            Twelve services across portfolio states, SLAs on an office-hours calendar with a holiday, some
            hundreds of incidents (a few breaches, two major incidents, items at risk), problems, changes
            (with a collision and a freeze-window conflict ahead), requests, improvement initiatives, and
            the lists ops-weekly and cab-daily with confirmed and pending subscribers (the pending ones are
            sent a confirmation mail). The same --seed gives the same organisation.

            Refuses a database that already holds records or lists; --force deletes everything in it first.

            Examples:
              itsm demo seed
              itsm demo seed --seed 7 --force
            """
        )

        @OptionGroup var options: GlobalOptions

        @Option(help: "Seed of the generator: the same seed, the same organisation.")
        var seed: UInt64 = 1

        @Flag(help: "Delete everything in the database (records, lists, subscribers, mail) and seed again.")
        var force = false

        @Flag(help: "Print the summary as JSON.")
        var json = false

        func run() async throws {
            let summary = try await options.withContext { context in
                let demo = DemoSeed(store: context.store, subscriptions: try context.subscriptionService(), seed: seed, now: context.now)
                if try await !demo.databaseIsEmpty() {
                    guard force else {
                        throw CommandFailure("the database already holds records or lists (\(context.configuration.database)); seed an empty one, or add --force to delete everything in it first")
                    }
                    try await demo.reset()
                }
                return try await demo.run()
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
