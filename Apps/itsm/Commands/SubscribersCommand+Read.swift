import ArgumentParser
import Domain
import Foundation
import Storage

extension SubscribersCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a list's subscribers with their state.",
            discussion: """
            Examples:
              itsm subscribers list ops-weekly
              itsm subscribers list ops-weekly --status pending --json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var list: String

        @Option(name: .long, help: "Only subscribers in this state (pending, confirmed, unsubscribed).")
        var status: SubscriptionState?

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let rows = try await options.withReportedContext { context in
                let list = try await context.mailingList(list)
                var rows: [SubscriptionReport] = []
                var after: Int64 = 0
                while let listID = list.id {
                    let page = try await context.store.subscriptions.summaries(listID: listID, state: status, after: after, limit: 1000)
                    rows += page.map(SubscriptionReport.init)
                    guard let last = page.last, page.count == 1000 else { break }
                    after = last.subscriptionID
                }
                return rows
            }
            if json { return try printJSON(rows) }
            var table = Table("EMAIL", "NAME", "STATE", "SUBSCRIBED", "CONFIRMED", "UNSUBSCRIBED")
            for row in rows { table.add(row.email, row.name, row.state, row.subscribedAt, row.confirmedAt, row.unsubscribedAt) }
            table.print(emptyMessage: "No subscribers\(status.map { " in state \($0.rawValue)" } ?? "").")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one person: every list and state, suppression, and the whole consent history.",
            discussion: """
            Examples:
              itsm subscribers show ada@example.org
              itsm subscribers show ada@example.org --json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The email address.")
        var email: String

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let report = try await options.withReportedContext { context in
                let address = try EmailAddress(parsing: email)
                let subscriber = try await context.store.subscriptions.existingSubscriber(address)
                let suppression = try await context.store.suppressions.suppressionIncludingBounces(of: address)
                guard subscriber != nil || suppression != nil else {
                    throw CommandFailure("email: no subscriber has the address '\(address)', and it is not suppressed")
                }
                return SubscriberReport(
                    email: subscriber?.address.address ?? address.address, name: subscriber?.name, createdAt: subscriber?.createdAt.iso8601,
                    suppression: suppression.map(SubscriberReport.SuppressionReport.init),
                    subscriptions: try await context.store.subscriptions.summaries(of: address).map(SubscriptionReport.init),
                    consent: try await context.store.consent.records(for: address).map(ConsentReport.init)
                )
            }
            if json { return try printJSON(report) }
            printFields([
                ("email", report.email), ("name", report.name ?? "-"), ("since", report.createdAt ?? "-"),
                ("suppressed", report.suppression.map { "since \($0.since) (\($0.source)\($0.reason.map { ": " + $0 } ?? ""))" } ?? "no"),
            ])
            print("")
            var lists = Table("LIST", "STATE", "SUBSCRIBED", "CONFIRMED", "UNSUBSCRIBED")
            for row in report.subscriptions { lists.add(row.list, row.state, row.subscribedAt, row.confirmedAt, row.unsubscribedAt) }
            lists.print(emptyMessage: "No subscriptions.")
            print("")
            var consent = Table("AT", "ACTION", "LIST", "HOW", "BY", "REASON")
            for record in report.consent {
                consent.add(record.at, record.action, record.list, record.method, record.operator ?? record.ipAddress, record.reason)
            }
            consent.print(emptyMessage: "No consent records.")
        }
    }
}

/// One subscription in `subscribers list` and `subscribers show`.
struct SubscriptionReport: Encodable {
    var list: String
    var email: String
    var name: String?
    var state: String
    var subscribedAt: String
    var confirmedAt: String?
    var unsubscribedAt: String?

    init(_ summary: SubscriptionSummary) {
        list = summary.listSlug
        email = summary.address.address
        name = summary.name
        state = summary.state.rawValue
        subscribedAt = summary.subscribedAt.iso8601
        confirmedAt = summary.confirmedAt?.iso8601
        unsubscribedAt = summary.unsubscribedAt?.iso8601
    }
}

/// One person in `subscribers show`.
struct SubscriberReport: Encodable {
    struct SuppressionReport: Encodable {
        var source: String
        var reason: String?
        var since: String

        init(_ suppression: Suppression) {
            source = suppression.source.rawValue
            reason = suppression.reason
            since = suppression.createdAt.iso8601
        }
    }

    var email: String
    var name: String?
    var createdAt: String?
    var suppression: SuppressionReport?
    var subscriptions: [SubscriptionReport]
    var consent: [ConsentReport]
}

/// One consent record, flat, for tables and scripts.
struct ConsentReport: Encodable {
    var at: String
    var action: String
    var list: String?
    /// web, cli or system
    var method: String
    var `operator`: String?
    var reason: String?
    var ipAddress: String?
    var userAgent: String?
    var confirmationText: String?

    init(_ record: ConsentRecord) {
        at = record.at.iso8601
        action = record.action.rawValue
        list = record.listSlug
        confirmationText = record.confirmationText
        switch record.method {
        case let .web(ip, agent): (method, ipAddress, userAgent) = ("web", ip, agent)
        case let .cli(name, why): (method, `operator`, reason) = ("cli", name, why)
        case let .system(why): (method, reason) = ("system", why)
        }
    }
}

extension SubscriptionState: ExpressibleByArgument {}
