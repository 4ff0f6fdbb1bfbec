import ArgumentParser
import Domain
import Foundation
import ITSMConfig
import Notifications

struct SMTPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smtp",
        abstract: "Check the configured SMTP server.",
        subcommands: [Test.self]
    )

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect, set up TLS, authenticate and send a test message straight to the server (not through the outbox).",
            discussion: """
            Prints each step with ✓ or ✗ and the server's reply: connect (and the greeting), EHLO, TLS \
            (STARTTLS on smtp://, TLS from the start on smtps://, the certificate checked against the \
            system CAs or ITSM_SMTP_CA_FILE), AUTH when credentials are configured, and the message. \
            Exits 1 with the reason when a step fails, or when no SMTP server is configured (mail then \
            goes to files). Passwords are never printed.

            Examples:
              itsm smtp test --to me@example.org
              itsm smtp test --to me@example.org --from itsm@example.org --config /etc/itsm/config.json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Option(help: "Where the test message goes.")
        var to: String

        @Option(help: "The sender (envelope and From:); default: the --to address.")
        var from: String?

        func validate() throws {
            for (name, value) in [("--to", to), ("--from", from)] {
                guard let value else { continue }
                do {
                    _ = try EmailAddress(parsing: value)
                } catch {
                    throw ValidationError("\(name): \(error)")
                }
            }
        }

        func run() async throws {
            let configuration = try await options.loadConfiguration()
            guard case let .smtp(url, smtpOptions) = configuration.mail else {
                if case .files(let directory) = configuration.mail {
                    printError("No SMTP server is configured (ITSM_SMTP_URL or smtp.url): mail goes to files in \(directory). Nothing to test.")
                }
                throw ExitCode.failure
            }
            let settings = SMTPSettings(configured: url, smtpOptions)
            let recipient = try EmailAddress(parsing: to)
            let sender = try from.map { try EmailAddress(parsing: $0) } ?? recipient
            let now = Instant(Date())
            let id = UUID().uuidString.lowercased()
            let message = try MailMessage(
                from: MailAddress(sender.address, displayName: "itsm"), to: [MailAddress(recipient.address)],
                subject: "[TEST] itsm SMTP test", textBody: """
                    This is a test message from `itsm smtp test`, sent straight to \(settings.safeDescription) \
                    at \(now.iso8601), not through the outbox.

                    If you can read it, the ITSM service can send mail through this server.
                    """,
                date: now, messageIDLocalPart: "smtp-test.\(id)", extraHeaders: .transactionalMail)
            let envelope = Envelope(
                sender: sender.address, recipients: [recipient.address], data: try MIMEEncoder.render(message, boundarySeed: id),
                messageID: message.messageID)

            print("Testing \(settings.safeDescription)\(settings.requireTLS ? " (TLS required)" : "") with a message to \(recipient.address):")
            let steps = await SMTPCheck(settings: settings).run(sending: envelope)
            printSteps(steps)
            if let failed = steps.first(where: { $0.outcome == .failed }) {
                throw CommandFailure("SMTP test failed at \(failed.name): \(failed.detail)")
            }
            print("The server accepted the test message <\(message.messageID)>.")
        }
    }
}

/// One line per step: `✓ TLS     STARTTLS: 220 Ready to start TLS; certificate verified`.
func printSteps(_ steps: [SMTPCheck.Step]) {
    let width = steps.map(\.name.count).max() ?? 0
    for step in steps {
        print("  \(step.outcome.mark) \(step.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(Table.oneLine(step.detail))")
    }
}

extension SMTPCheck.Step.Outcome {
    var mark: String {
        switch self {
        case .passed: "✓"
        case .warning: "⚠"
        case .failed: "✗"
        case .skipped: "–"
        }
    }
}

extension SMTPSettings {
    /// The settings the daemon delivers with, from the configuration.
    init(configured url: URL, _ options: ITSMConfiguration.SMTPOptions) {
        self.init(
            url: url, requireTLS: options.requireTLS, caFile: options.caFile, username: options.username, password: options.password,
            ehloName: options.ehloName, connectTimeout: .seconds(options.connectTimeoutSeconds),
            totalTimeout: .seconds(options.totalTimeoutSeconds), connections: 1)
    }
}
