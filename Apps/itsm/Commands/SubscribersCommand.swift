import ArgumentParser
import Domain
import Foundation
import Notifications
import Storage

struct SubscribersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscribers",
        abstract: "Add, import, export, inspect, suppress and erase the subscribers of mailing lists.",
        discussion: """
        Every change is kept as a consent record naming the operator (--operator, else $SUDO_USER or \
        $USER). Adding without --confirmed sends the double opt-in confirmation mail through the \
        outbox; --confirmed records the operator's word, with --reason, as the consent.
        """,
        subcommands: [
            Add.self, Import.self, Export.self, List.self, Show.self, Remove.self, ResendConfirmation.self,
            Suppress.self, Unsuppress.self, Erase.self,
        ]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a subscriber to a list: pending with a confirmation mail, or confirmed on your word.",
            discussion: """
            Examples:
              itsm subscribers add ops-weekly ada@example.org --name "Ada Lovelace"
              itsm subscribers add ops-weekly grace@example.org --confirmed --reason "asked in ticket 4711"
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var list: String

        @Argument(help: "The subscriber's email address.")
        var email: String

        @Option(name: .long, help: "The subscriber's name, for the To: header.")
        var name: String?

        @Flag(name: .long, help: "Confirm at once on your word (no mail); needs --reason.")
        var confirmed = false

        @Option(name: .long, help: "Why, for the consent record (required with --confirmed).")
        var reason: String?

        @Option(name: .customLong("operator"), help: "Your name in the consent record (default: $SUDO_USER or $USER).")
        var operatorName: String?

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func validate() throws {
            if confirmed, reason?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
                throw ValidationError("--reason is required with --confirmed: say why this person's consent is on record")
            }
        }

        func run() async throws {
            let report = try await options.withReportedContext { context in
                let list = try await context.mailingList(list)
                let address = try EmailAddress(parsing: email)
                let consent = ConsentEvidence(method: .cli(operator: CommandContext.operatorName(operatorName), reason: reason))
                let enrolment = try await context.subscriptionService().enrol(
                    list: list, address: address, name: name, consent: consent, confirmedByOperator: confirmed)
                return EnrolmentReport(list: list, enrolment: enrolment)
            }
            if json { return try printJSON(report) }
            print(report.sentence)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Unsubscribe an address from a list (a consent record names you).",
            discussion: """
            Examples:
              itsm subscribers remove ops-weekly ada@example.org
              itsm subscribers remove ops-weekly ada@example.org --reason "left the company"
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var list: String

        @Argument(help: "The subscriber's email address.")
        var email: String

        @Option(name: .long, help: "Why, for the consent record.")
        var reason: String?

        @Option(name: .customLong("operator"), help: "Your name in the consent record (default: $SUDO_USER or $USER).")
        var operatorName: String?

        func run() async throws {
            let message = try await options.withReportedContext { context in
                let list = try await context.mailingList(list)
                let address = try EmailAddress(parsing: email)
                guard let listID = list.id, let subscription = try await context.store.subscriptions.subscription(listID: listID, address: address),
                      let id = subscription.id
                else { throw CommandFailure("email: '\(address)' has no subscription to '\(list.slug)'") }
                let consent = ConsentEvidence(method: .cli(operator: CommandContext.operatorName(operatorName), reason: reason))
                let (_, outcome) = try await context.store.subscriptions.unsubscribe(subscriptionID: id, consent: consent, at: context.now)
                return outcome == .unsubscribed
                    ? "Unsubscribed \(address) from '\(list.slug)'."
                    : "\(address) was already unsubscribed from '\(list.slug)'; nothing changed."
            }
            print(message)
        }
    }

    struct ResendConfirmation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resend-confirmation",
            abstract: "Mail a pending subscriber a fresh confirmation link (at most once per resend interval).",
            discussion: """
            The interval is ITSM_SUBSCRIPTIONS_RESEND_MINUTES (10 by default).

            Examples:
              itsm subscribers resend-confirmation ops-weekly ada@example.org
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The list's slug.")
        var list: String

        @Argument(help: "The subscriber's email address.")
        var email: String

        func run() async throws {
            let message = try await options.withReportedContext { context in
                let list = try await context.mailingList(list)
                let address = try EmailAddress(parsing: email)
                switch try await context.subscriptionService().resendConfirmation(list: list, address: address) {
                case .enqueued:
                    return "A confirmation mail with a fresh link to \(address) is in the outbox."
                case let .rateLimited(next):
                    throw CommandFailure("email: a confirmation went to '\(address)' less than the resend interval ago; the next may go at \(next)")
                case let .notPending(state):
                    throw CommandFailure("email: '\(address)' is \(state.rawValue) on '\(list.slug)', not pending; there is nothing to confirm")
                case .notSubscribed:
                    throw CommandFailure("email: '\(address)' has no subscription to '\(list.slug)'")
                }
            }
            print(message)
        }
    }
}

/// What `itsm subscribers add` did, for people and for `--json`.
struct EnrolmentReport: Encodable {
    var list: String
    var email: String
    var state: String
    /// pending, confirmed, already-pending or already-confirmed (as `outcome(_:)` names them).
    var outcome: String
    var confirmationMailed: Bool

    init(list: MailingList, enrolment: Enrolment) {
        self.list = list.slug
        email = enrolment.subscriber.address.address
        state = enrolment.subscription.state.rawValue
        outcome = Self.outcome(enrolment)
        confirmationMailed = enrolment.confirmationEnqueued
    }

    /// The outcome's name in reports: what the add did to the subscription.
    static func outcome(_ enrolment: Enrolment) -> String {
        switch (enrolment.effect, enrolment.subscription.state) {
        case (.existing(.alreadyConfirmed), _): "already-confirmed"
        case (_, .confirmed): "confirmed"
        case (.existing(.alreadyPending), _): "already-pending"
        default: "pending"
        }
    }

    var sentence: String {
        switch (outcome, confirmationMailed) {
        case ("already-confirmed", _): "\(email) is already confirmed on '\(list)'; nothing changed."
        case ("confirmed", _): "\(email) is confirmed on '\(list)'."
        case (_, true): "\(email) is pending on '\(list)'; a confirmation mail is in the outbox."
        default: "\(email) is pending on '\(list)'; a confirmation mail went out less than the resend interval ago, so none was sent now."
        }
    }
}
