import ArgumentParser
import Domain
import Foundation
import Storage

extension SubscribersCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the subscribers of a CSV file to a list, reporting every rejected row.",
            discussion: """
            The file needs a header row: email, and optionally name (RFC 4180: quoted fields may hold \
            commas, doubled quotes and line breaks; CRLF or LF line ends). It is read as a stream, so \
            its size does not matter; a progress bar shows on a terminal.

            Each rejected row is reported with its line number and the reason (a bad address, a value \
            in no column, an address twice in the file, a suppressed address...); the good rows are \
            kept, and the command exits 0. With --all-or-nothing any rejected row rolls everything \
            back, and the command exits 1. Rows are written in transactions of \(ImportTransactions.batchSize); \
            one that PostgreSQL ends because of another (a deadlock with another import) is written \
            again, up to \(ImportTransactions.conflictTries) times (under --all-or-nothing the import \
            stops instead, with nothing written).

            Without --confirmed every new subscriber is pending and is sent a confirmation mail.

            Examples:
              itsm subscribers import ops-weekly people.csv
              itsm subscribers import ops-weekly people.csv --confirmed --reason "migrated from the old list server"
              itsm subscribers import ops-weekly people.csv --all-or-nothing --json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var list: String

        @Argument(help: "The CSV file.")
        var file: String

        @Flag(name: .long, help: "Confirm every row at once on your word (no mail); needs --reason.")
        var confirmed = false

        @Option(name: .long, help: "Why, for the consent records (required with --confirmed).")
        var reason: String?

        @Flag(name: .long, help: "Import nothing if any row is rejected (one transaction).")
        var allOrNothing = false

        @Option(name: .customLong("operator"), help: "Your name in the consent records (default: $SUDO_USER or $USER).")
        var operatorName: String?

        @Flag(name: .long, help: "Print the report as JSON for scripts.")
        var json = false

        func validate() throws {
            if confirmed, reason?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
                throw ValidationError("--reason is required with --confirmed: say why these people's consent is on record")
            }
        }

        func run() async throws {
            let committed = try await options.withReportedContext { context in
                let list = try await context.mailingList(list)
                let table = try CSVTable(path: file, required: ["email"], allowed: SubscriberImport.columns)
                let report = CSVImportReport(
                    file: file, format: json ? .json : .text, progress: CSVImportProgress(totalBytes: table.totalBytes))
                let job = SubscriberImport(
                    context: context, service: try context.subscriptionService(), list: list,
                    consent: ConsentEvidence(method: .cli(operator: CommandContext.operatorName(operatorName), reason: reason)),
                    confirmedByOperator: confirmed, table: table, report: report, at: context.now
                )
                do {
                    let committed = try await job.run(allOrNothing: allOrNothing)
                    report.finish(
                        committed: committed,
                        note: committed ? nil : "Nothing was imported: --all-or-nothing and \(report.rejected) row\(report.rejected == 1 ? " was" : "s were") rejected.")
                    return committed
                } catch {
                    report.finish(
                        committed: false,
                        note: allOrNothing ? "Stopped by an error; nothing was imported."
                            : "Stopped by an error; rows in batches of \(ImportTransactions.batchSize) before the failing one were kept.")
                    throw error
                }
            }
            if !committed { throw ExitCode.failure }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a list's subscribers as CSV or JSON to standard output.",
            discussion: """
            CSV columns: email, name, state, subscribed_at, confirmed_at, unsubscribed_at (UTC, ISO 8601). \
            The list is read page by page, so its size does not matter.

            Examples:
              itsm subscribers export ops-weekly > subscribers.csv
              itsm subscribers export ops-weekly --status confirmed --format json
            """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable {
            case csv, json
        }

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var list: String

        @Option(name: .long, help: "Only subscribers in this state (pending, confirmed, unsubscribed).")
        var status: SubscriptionState?

        @Option(name: .long, help: "csv or json.")
        var format = Format.csv

        func run() async throws {
            try await options.withReportedContext { context in
                let list = try await context.mailingList(list)
                guard let listID = list.id else { return }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                var output = format == .csv ? CSVWriter.record(["email", "name", "state", "subscribed_at", "confirmed_at", "unsubscribed_at"]) : "["
                var after: Int64 = 0
                var first = true
                while true {
                    let page = try await context.store.subscriptions.summaries(listID: listID, state: status, after: after, limit: 1000)
                    for summary in page {
                        let row = SubscriptionReport(summary)
                        switch format {
                        case .csv:
                            output += CSVWriter.record([row.email, row.name, row.state, row.subscribedAt, row.confirmedAt, row.unsubscribedAt])
                        case .json:
                            output += (first ? "\n  " : ",\n  ") + String(decoding: try encoder.encode(row), as: UTF8.self)
                        }
                        first = false
                    }
                    FileHandle.standardOutput.write(Data(output.utf8))
                    output = ""
                    guard let last = page.last, page.count == 1000 else { break }
                    after = last.subscriptionID
                }
                if format == .json { FileHandle.standardOutput.write(Data((first ? "]\n" : "\n]\n").utf8)) }
            }
        }
    }
}
