import ArgumentParser
import Domain
import Foundation
import Storage

extension SubscribersCommand {
    struct Suppress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Never mail an address again, whatever its subscriptions say (kept as a hash).",
            discussion: """
            Examples:
              itsm subscribers suppress ada@example.org --reason "asked by phone not to be mailed"
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The email address.")
        var email: String

        @Option(name: .long, help: "Why (required; kept with the suppression and in the consent record).")
        var reason: String

        @Option(name: .customLong("operator"), help: "Your name in the consent record (default: $SUDO_USER or $USER).")
        var operatorName: String?

        func run() async throws {
            let message = try await options.withReportedContext { context in
                let address = try EmailAddress(parsing: email)
                let method = ConsentMethod.cli(operator: CommandContext.operatorName(operatorName), reason: reason)
                let suppressions = context.store.suppressions
                if try await suppressions.suppress(address, source: .admin, reason: reason, by: method, at: context.now) {
                    return "Suppressed \(address): it is never mailed until `itsm subscribers unsuppress` lifts it."
                }
                let since = try await suppressions.suppression(of: address).map { " since \($0.createdAt) (\($0.source.rawValue))" } ?? ""
                return "\(address) was already suppressed\(since); nothing changed."
            }
            print(message)
        }
    }

    struct Unsuppress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift a suppression (an erased address may then be added again).",
            discussion: """
            Examples:
              itsm subscribers unsuppress ada@example.org --reason "asked to be mailed again"
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The email address.")
        var email: String

        @Option(name: .long, help: "Why, for the consent record.")
        var reason: String?

        @Option(name: .customLong("operator"), help: "Your name in the consent record (default: $SUDO_USER or $USER).")
        var operatorName: String?

        func run() async throws {
            let message = try await options.withReportedContext { context in
                let address = try EmailAddress(parsing: email)
                let method = ConsentMethod.cli(operator: CommandContext.operatorName(operatorName), reason: reason)
                guard try await context.store.suppressions.unsuppress(address, by: method, at: context.now) else {
                    throw CommandFailure("email: '\(address)' is not on the suppression list")
                }
                return "Lifted the suppression of \(address)."
            }
            print(message)
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a person everywhere (GDPR); only the address's hash stays, as a suppression.",
            discussion: """
            Removes the subscriber, every subscription with its history, every consent record and the \
            outbox's bounce count. The hash left in the suppression list stops the address from being \
            added again by accident; `itsm subscribers unsuppress` lifts it deliberately. \
            Asks first when standard input is a terminal; elsewhere --yes is required.

            Examples:
              itsm subscribers erase ada@example.org
              itsm subscribers erase ada@example.org --yes
            """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The email address.")
        var email: String

        @Flag(name: .long, help: "Do not ask; required when standard input is not a terminal.")
        var yes = false

        func validate() throws {
            if !yes, isatty(STDIN_FILENO) != 1 {
                throw ValidationError("--yes: standard input is not a terminal, so `itsm subscribers erase` needs --yes")
            }
        }

        func run() async throws {
            let askFirst = !yes
            let message = try await options.withReportedContext { context in
                let address = try EmailAddress(parsing: email)
                if askFirst {
                    FileHandle.standardError.write(Data("Erase everything kept about \(address)? This cannot be undone. [y/N] ".utf8))
                    let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
                    guard answer == "y" || answer == "yes" else { throw CommandFailure("not confirmed; nothing was erased") }
                }
                let erasure = try await context.store.consent.erase(address, at: context.now)
                func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
                let removed = erasure.subscriberFound
                    ? "the subscriber, \(count(erasure.subscriptions, "subscription")) and \(count(erasure.consentRecords, "consent record"))"
                    : "no subscriber (none had this address)"
                var mail: [String] = []
                if erasure.outboxMessagesDeleted > 0 { mail.append("\(count(erasure.outboxMessagesDeleted, "unsent message")) deleted") }
                if erasure.outboxMessagesRedacted > 0 { mail.append("\(count(erasure.outboxMessagesRedacted, "sent message")) stripped of the address and content") }
                let outbox = mail.isEmpty ? "" : "; outbox: " + mail.joined(separator: ", ")
                return "Erased \(removed)\(outbox); only the address's hash is kept, in the suppression list."
            }
            print(message)
        }
    }
}
