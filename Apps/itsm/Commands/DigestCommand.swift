import ArgumentParser
import Domain
import Foundation
import Reporting
import Scheduling
import Storage

struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Preview a list's digest, send it now or as a test, and see its runs.",
        subcommands: [Preview.self, Send.self, Runs.self]
    )

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a list's digest and print it for a sample subscriber; nothing is sent or recorded.",
            discussion: """
            The period defaults to the latest complete one of the list's schedule (the previous day, \
            week or month in the list's time zone). The greeting and links are a sample subscriber's; \
            the unsubscribe link is a placeholder, not a working token.

            Examples:
              itsm digest preview ops-weekly
              itsm digest preview ops-weekly --period last-month --format html --output digest.html
              itsm digest preview ops-weekly --period 2026-11-01..2026-11-15 --format json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var list: String

        @Option(help: "The days to report on, FIRST..LAST as YYYY-MM-DD..YYYY-MM-DD or the latest complete day, week or month (default: the list's schedule's).")
        var period: PeriodChoice?

        @Option(help: "The rendering.")
        var format: DigestFormat = .text

        @Option(help: "Write the digest to this file instead of standard output.")
        var output: String?

        func validate() throws {
            if case let .days(first, last) = period, first > last {
                throw ValidationError("--period: the first day \(first) is after the last day \(last)")
            }
        }

        func run() async throws {
            let (rendered, subject, chosen) = try await options.withContext { context in
                guard let list = try await context.store.mailingLists.get(slug: self.list) else {
                    throw CommandFailure("there is no list '\(self.list)' (itsm lists list shows them)")
                }
                let chosen = try (period ?? .schedule).period(for: list, now: context.now)
                let digest = try await DigestBuilder(store: context.store, now: { Instant(Date()) }).build(list: list, period: chosen)
                let renderer = try DigestRenderer(digest: digest, templateFolder: list.templateFolder)
                let base = context.configuration.publicURL
                let recipient = try Recipient(
                    name: "Sample Subscriber",
                    unsubscribeURL: base.appendingPathComponent("unsubscribe").absoluteString + "?token=preview-not-a-real-token",
                    manageURL: base.appendingPathComponent("lists").appendingPathComponent(list.slug).absoluteString)
                return (renderer.render(format, for: recipient), renderer.subject, chosen)
            }
            guard let output else {
                print(rendered, terminator: rendered.hasSuffix("\n") ? "" : "\n")
                return
            }
            do {
                try Data(rendered.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CommandFailure("cannot write \(output): \(error.localizedDescription)")
            }
            print("Wrote the \(format.rawValue) digest of \(list) for \(chosen) (\(chosen.kind.rawValue)) to \(output).")
            print("Subject: \(subject)")
        }
    }
}

extension DigestFormat: ExpressibleByArgument {}

/// Which period `itsm digest preview` reports on.
enum PeriodChoice: ExpressibleByArgument, Equatable {
    /// The latest complete period of the list's schedule.
    case schedule
    /// The latest complete day, week or month before now.
    case previous(ReportingPeriod.Kind)
    /// Whole days, both included.
    case days(CivilDate, CivilDate)

    init?(argument: String) {
        switch argument {
        case "last-day": self = .previous(.day)
        case "last-week": self = .previous(.week)
        case "last-month": self = .previous(.month)
        default:
            let parts = argument.components(separatedBy: "..")
            guard parts.count == 2, let first = CivilDate(parts[0]), let last = CivilDate(parts[1]) else { return nil }
            self = .days(first, last)
        }
    }

    static var allValueStrings: [String] { ["last-day", "last-week", "last-month", "YYYY-MM-DD..YYYY-MM-DD"] }

    /// The period on `list`'s clock (its time zone) as of `now`.
    func period(for list: MailingList, now: Instant) throws -> ReportingPeriod {
        let clock = try LocalClock(timeZoneIdentifier: list.timeZoneIdentifier)
        switch self {
        case .schedule:
            return try .previous(try DigestSchedule(parsing: list.schedule).period.reportingKind, before: now, clock: clock)
        case .previous(let kind):
            return try .previous(kind, before: now, clock: clock)
        case let .days(first, last):
            return try ReportingPeriod(from: first, through: last, clock: clock)
        }
    }
}
