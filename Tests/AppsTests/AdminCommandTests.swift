import Foundation
import Testing

/// What `itsm db status --json` prints.
struct SchemaReport: Decodable, Equatable {
    var database: String
    var engine: String
    var current: Int
    var latest: Int
    var pending: [Int]
}

@Suite("itsm admin CLI, end to end")
struct AdminCommandTests {
    @Test("itsm --help exits 0 and lists the command groups db and config")
    func help() async throws {
        try await withWorkingDirectory { directory in
            let result = try await run(try Binaries.itsm(), ["--help"], in: directory, environment: childEnvironment())
            #expect(result.termination == .success)
            let lines = result.standardOutput.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let subcommands = try #require(lines.firstIndex(of: "SUBCOMMANDS:"), "\(result.standardOutput)")
            let listed = lines[(subcommands + 1)...].compactMap { $0.split(separator: " ").first.map(String.init) }
            #expect(listed.contains("db"))
            #expect(listed.contains("config"))
            #expect(result.standardOutput.contains("USAGE: itsm"))
        }
    }

    @Test("db status, db migrate, db status --json: from version 0 with every migration pending to the latest with none", arguments: Engine.available)
    func migrateAndStatus(engine: Engine) async throws {
        let itsm = try Binaries.itsm()
        try await withWorkingDirectory { directory in
            try await ScratchDatabase.with(engine, in: directory) { database in
                let environment = childEnvironment(database.settings)

                // How many migrations this build knows is its own business; from there the numbers follow.
                let fresh = try await run(itsm, ["db", "status", "--json"], in: directory, environment: environment)
                #expect(fresh.termination == .success, "\(fresh.output)")
                let freshReport = try JSONDecoder().decode(SchemaReport.self, from: Data(fresh.standardOutput.utf8))
                let latest = freshReport.latest
                try #require(latest >= 1)
                #expect(freshReport.current == 0)
                #expect(freshReport.pending == Array(1...latest))
                let all = (1...latest).map(String.init).joined(separator: ", ")

                let before = try await run(itsm, ["db", "status"], in: directory, environment: environment)
                #expect(before.termination == .success, "\(before.output)")
                #expect(before.standardOutput.contains("engine    \(engine.rawValue)\n"), "\(before.standardOutput)")
                #expect(before.standardOutput.contains("schema    version 0 (this binary knows up to \(latest))"), "\(before.standardOutput)")
                #expect(before.standardOutput.contains("pending   \(all) (run: itsm db migrate)"), "\(before.standardOutput)")

                let migrate = try await run(itsm, ["db", "migrate"], in: directory, environment: environment)
                #expect(migrate.termination == .success, "\(migrate.output)")
                #expect(migrate.standardOutput.contains("Applied migrations \(all); schema now at version \(latest)"), "\(migrate.standardOutput)")

                let again = try await run(itsm, ["db", "migrate"], in: directory, environment: environment)
                #expect(again.termination == .success, "\(again.output)")
                #expect(again.standardOutput.contains("Schema is up to date at version \(latest)"), "\(again.standardOutput)")

                let status = try await run(itsm, ["db", "status", "--json"], in: directory, environment: environment)
                #expect(status.termination == .success, "\(status.output)")
                let report = try JSONDecoder().decode(SchemaReport.self, from: Data(status.standardOutput.utf8))
                #expect(report.current == latest)
                #expect(report.latest == latest)
                #expect(report.pending == [])
                #expect(report.engine == engine.rawValue)
                #expect(try await database.appliedVersions() == Array(1...latest))

                switch engine {
                case .sqlite:
                    #expect(report.database == "sqlite:./var/itsm.sqlite")
                    #expect(FileManager.default.fileExists(atPath: database.sqliteFile.path))
                case .postgres:
                    let password = try #require(database.password)
                    #expect(report.database.hasPrefix("postgres://postgres:***@127.0.0.1:"), "\(report.database)")
                    for output in [fresh, before, migrate, again, status] {
                        #expect(!output.output.contains(password))
                    }
                    // Nothing on disk: the PostgreSQL run must not quietly fall back to SQLite.
                    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("var").path))
                }
            }
        }
    }

    @Test("CI runs the PostgreSQL cases: ITSM_TEST_POSTGRES_URL is set when CI=true")
    func postgresOnCI() {
        if ProcessInfo.processInfo.environment["CI"] == "true", Engine.postgresURL == nil {
            Issue.record("CI=true but ITSM_TEST_POSTGRES_URL is not set: the PostgreSQL cases did not run (use scripts/test)")
        }
    }

    @Test("a database migrated by a newer binary is refused: migrate and status exit 1 and say to upgrade", arguments: Engine.available)
    func newerSchemaIsRefused(engine: Engine) async throws {
        let itsm = try Binaries.itsm()
        try await withWorkingDirectory { directory in
            try await ScratchDatabase.with(engine, in: directory) { database in
                let environment = childEnvironment(database.settings)
                let migrate = try await run(itsm, ["db", "migrate"], in: directory, environment: environment)
                try #require(migrate.termination == .success, "\(migrate.output)")
                let applied = try await database.appliedVersions()
                _ = try await database.execute("INSERT INTO schema_migrations (version, name, applied_at_us) VALUES (999, 'future', 0)")

                let refused = try await run(itsm, ["db", "migrate"], in: directory, environment: environment)
                #expect(refused.termination == .failure, "\(refused.output)")
                #expect(refused.standardError.contains("version 999"), "\(refused.output)")
                #expect(refused.standardError.contains("upgrade itsm"), "\(refused.output)")

                let status = try await run(itsm, ["db", "status"], in: directory, environment: environment)
                #expect(status.termination == .failure, "\(status.output)")
                #expect(status.standardOutput.contains("schema    version 999"), "\(status.output)")
                #expect(status.standardOutput.contains("newer than this binary; upgrade itsm"), "\(status.output)")

                let json = try await run(itsm, ["db", "status", "--json"], in: directory, environment: environment)
                #expect(json.termination == .failure, "\(json.output)")
                let report = try JSONDecoder().decode(SchemaReport.self, from: Data(json.standardOutput.utf8))
                #expect(report.current == 999)
                #expect(report.pending == [])

                // The refusal changed nothing.
                #expect(try await database.appliedVersions() == applied + [999])
            }
        }
    }

    @Test("a bad setting makes itsm exit 1 with a message naming the variable", arguments: [
        ["config", "show"], ["db", "status"], ["db", "migrate"],
    ])
    func badConfiguration(arguments: [String]) async throws {
        try await withWorkingDirectory { directory in
            let result = try await run(
                try Binaries.itsm(), arguments, in: directory, environment: childEnvironment(["ITSM_HTTP_BIND": "nope"])
            )
            #expect(result.termination == .failure, "\(result.output)")
            #expect(result.standardError.contains("ITSM_HTTP_BIND"), "\(result.output)")
            #expect(result.standardError.contains("'nope'"), "\(result.output)")
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("var").path))
        }
    }

    @Test("config show prints every setting and hides the database password and the secret key")
    func configShow() async throws {
        let password = "Pw-4c0ffee"
        let key = "an-operator-key-0123456789abcdef-xyz"
        try await withWorkingDirectory { directory in
            let result = try await run(try Binaries.itsm(), ["config", "show"], in: directory, environment: childEnvironment([
                "ITSM_DATABASE_URL": "postgres://itsm:\(password)@db.internal:5432/itsm",
                "ITSM_SMTP_URL": "smtp://mailer:\(password)@relay.internal:587",
                "ITSM_PUBLIC_URL": "https://itsm.example.org/",
                "ITSM_SECRET_KEY": key,
                "ITSM_HTTP_BIND": "127.0.0.1:8080",
            ]))
            #expect(result.termination == .success, "\(result.output)")
            let lines = result.standardOutput.split(separator: "\n").map(String.init)
            #expect(lines.contains("database     postgres://itsm:***@db.internal:5432/itsm"), "\(lines)")
            #expect(lines.contains { $0.hasPrefix("mail         SMTP smtp://relay.internal:587") }, "\(lines)")
            #expect(lines.contains("public url   https://itsm.example.org"), "\(lines)")
            #expect(lines.contains("http bind    127.0.0.1:8080"), "\(lines)")
            #expect(lines.contains("secret key   set (hidden)"), "\(lines)")
            #expect(lines.contains("state dir    ./var"), "\(lines)")
            #expect(!result.output.contains(password))
            #expect(!result.output.contains(key))
        }
    }

    @Test("--config FILE is read, and --database overrides both it and ITSM_DATABASE_URL")
    func configFileAndDatabaseOption() async throws {
        let itsm = try Binaries.itsm()
        try await withWorkingDirectory { directory in
            try Data(#"{"database": {"url": "sqlite:./from-file.sqlite"}}"#.utf8).write(to: directory.appendingPathComponent("config.json"))
            let environment = childEnvironment(["ITSM_DATABASE_URL": "sqlite:./from-env.sqlite"])

            let fromFile = try await run(itsm, ["db", "migrate", "--config", "config.json"], in: directory, environment: environment)
            #expect(fromFile.termination == .success, "\(fromFile.output)")
            #expect(fromFile.standardOutput.contains("(sqlite:./from-file.sqlite)"), "\(fromFile.standardOutput)")

            let fromOption = try await run(
                itsm, ["db", "migrate", "--config", "config.json", "--database", "sqlite:./from-option.sqlite"],
                in: directory, environment: environment
            )
            #expect(fromOption.termination == .success, "\(fromOption.output)")
            #expect(fromOption.standardOutput.contains("(sqlite:./from-option.sqlite)"), "\(fromOption.standardOutput)")

            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sqlite") }
            #expect(Set(files) == ["from-file.sqlite", "from-option.sqlite"])
        }
    }

    @Test("an invalid --database is reported as --database, not as ITSM_DATABASE_URL")
    func invalidDatabaseOption() async throws {
        try await withWorkingDirectory { directory in
            let result = try await run(
                try Binaries.itsm(), ["db", "status", "--database", "mysql://x"], in: directory, environment: childEnvironment()
            )
            #expect(result.termination != .success)
            #expect(result.standardError.contains("--database"), "\(result.output)")
            #expect(!result.standardError.contains("ITSM_DATABASE_URL"), "\(result.output)")
        }
    }
}
