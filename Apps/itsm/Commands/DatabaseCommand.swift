import ArgumentParser
import Domain
import Foundation
import ITSMConfig
import Logging
import Storage

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Create, upgrade and inspect the database schema.",
        subcommands: [Migrate.self, Status.self]
    )

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the schema migrations this binary knows.",
            discussion: """
            Examples:
              itsm db migrate
              itsm db migrate --database postgres://itsm@db.internal:5432/itsm
            """
        )

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let configuration = try await options.loadConfiguration()
            let database = try await Database.open(configuration.database, logger: options.logger())
            do {
                let migrator = Migrator(database: database)
                let applied = try await migrator.migrate(now: Instant(Date()))
                let status = try await migrator.status()
                if applied.isEmpty {
                    print("Schema is up to date at version \(status.current) (\(configuration.database)).")
                } else {
                    print("Applied migrations \(applied.map(String.init).joined(separator: ", ")); schema now at version \(status.current) (\(configuration.database)).")
                }
                try await database.close()
            } catch {
                try? await database.close()
                throw error
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the schema version of the database and what is pending.",
            discussion: """
            Examples:
              itsm db status
              itsm db status --json
            """
        )

        @OptionGroup var options: GlobalOptions

        @Flag(name: .long, help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let configuration = try await options.loadConfiguration()
            let status = try await Migrator.status(of: configuration.database, logger: options.logger())
            if json {
                struct Report: Encodable {
                    var database: String, engine: String, current: Int, latest: Int, pending: [Int]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                let report = Report(
                    database: configuration.database.description, engine: configuration.database.engine.rawValue,
                    current: status.current, latest: status.latest, pending: status.pending
                )
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                if status.isNewerThanBinary { throw ExitCode.failure }
            } else {
                print("database  \(configuration.database)")
                print("engine    \(configuration.database.engine.rawValue)")
                print("schema    version \(status.current) (this binary knows up to \(status.latest))")
                if status.isNewerThanBinary {
                    print("warning   the database is newer than this binary; upgrade itsm")
                    throw ExitCode.failure
                } else if status.pending.isEmpty {
                    print("pending   none")
                } else {
                    print("pending   \(status.pending.map(String.init).joined(separator: ", ")) (run: itsm db migrate)")
                }
            }
        }
    }
}

extension Migrator {
    /// The schema status of the database at `location`, opened for this and closed again; nothing is migrated.
    static func status(of location: DatabaseLocation, logger: Logger) async throws -> SchemaStatus {
        let database = try await Database.open(location, logger: logger)
        do {
            let status = try await Migrator(database: database).status()
            try await database.close()
            return status
        } catch {
            try? await database.close()
            throw error
        }
    }
}
