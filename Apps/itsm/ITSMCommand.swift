import ArgumentParser
import Foundation
import ITSMConfig
import Logging
import Storage

@main
struct ITSMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "itsm",
        abstract: "Administer the ITSM service: its database, configuration and records.",
        discussion: """
        Configuration comes from the ITSM_* environment variables (ITSM_DATABASE_URL, \
        ITSM_SMTP_URL, ITSM_PUBLIC_URL, ITSM_HTTP_BIND, ITSM_SECRET_KEY), overridden by \
        --config FILE (JSON). --database overrides both.

        Exit codes: 0 success, 1 failure (nothing was changed), 2 usage error (a bad command,
        option or argument).

        Shell completions: itsm --generate-completion-script bash|zsh|fish
        """,
        version: "0.1.0",
        subcommands: [DatabaseCommand.self, ConfigCommand.self, DemoCommand.self, ListsCommand.self, SubscribersCommand.self, DigestCommand.self, OutboxCommand.self, SMTPCommand.self, DoctorCommand.self,
                      ServiceCommands.self, SLACommands.self, CalendarCommands.self, IncidentCommands.self, ProblemCommands.self,
                      ChangeCommands.self, RequestCommands.self, ImprovementCommands.self, ImportCommand.self, ExportCommand.self]
    )

    /// Runs the command; usage errors exit 2 (not ArgumentParser's 64), failures 1 with a message.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                exit(withError: ExitCode(2))
            }
            // A failure no command reported itself (one of a record command's, a migration's):
            // `error: ...` as `reportingFailures` prints, not ArgumentParser's "Error: <description>",
            // which for a PostgreSQL error is PostgresNIO's generic sentence.
            if !(error is ExitCode), exitCode(for: error) == .failure {
                printError("error: " + failureMessage(error))
                exit(withError: ExitCode.failure)
            }
            exit(withError: error)
        }
    }
}

/// Options every command that touches the system takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "A JSON config file; its values override the environment.")
    var config: String?

    @Option(name: .long, help: "Database URL (sqlite:PATH or postgres://...); overrides ITSM_DATABASE_URL and --config.")
    var database: String?

    @Flag(name: .long, help: "Log at debug level to standard error.")
    var verbose = false

    func loadConfiguration() async throws -> ITSMConfiguration {
        var override: DatabaseLocation?
        if let database {
            do {
                override = try DatabaseLocation(parsing: database)
            } catch {
                throw ValidationError("--database: \(error)")
            }
        }
        var configuration = try await ITSMConfiguration.load(environment: ProcessInfo.processInfo.environment, configFile: config)
        if let override { configuration.database = override }
        return configuration
    }

    func logger() -> Logger {
        var logger = Logger(label: "itsm")
        logger.logLevel = verbose ? .debug : .warning
        return logger
    }
}
