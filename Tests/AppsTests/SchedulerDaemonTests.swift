import Foundation
import Testing

/// A signal that asks the daemon to stop.
struct StopSignal: Sendable, CustomTestStringConvertible {
    var number: Int32
    var name: String
    var testDescription: String { name }

    static let all = [StopSignal(number: SIGTERM, name: "SIGTERM"), StopSignal(number: SIGINT, name: "SIGINT")]
}

/// What `./var/secret.key` looks like on disk.
struct KeyFile: Equatable {
    var contents: String
    var permissions: Int
    var inode: Int
    var modified: Date

    init(at url: URL) throws {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        contents = try String(contentsOf: url, encoding: .utf8)
        permissions = try #require(attributes[.posixPermissions] as? NSNumber).intValue
        inode = try #require(attributes[.systemFileNumber] as? NSNumber).intValue
        modified = try #require(attributes[.modificationDate] as? Date)
    }

    var key: String { contents.trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Every schema version this build knows (1 through latest), as `itsm db status --json` reports on an empty database.
func knownSchemaVersions() async throws -> [Int] {
    try await withWorkingDirectory { directory in
        let result = try await run(try Binaries.itsm(), ["db", "status", "--json"], in: directory, environment: childEnvironment())
        try #require(result.termination == .success, "\(result.output)")
        let latest = try JSONDecoder().decode(SchemaReport.self, from: Data(result.standardOutput.utf8)).latest
        try #require(latest >= 1)
        return Array(1...latest)
    }
}

@Suite("itsm-scheduler daemon, end to end")
struct SchedulerDaemonTests {
    static let started = "itsm-scheduler started"
    static let stopped = "itsm-scheduler stopped"
    static let createdKey = "created a new link-signing key"

    @Test("without ITSM_SECRET_KEY it creates ./var/secret.key, migrates ./var/itsm.sqlite, and stops cleanly on", arguments: StopSignal.all)
    func firstStart(signal: StopSignal) async throws {
        try await withWorkingDirectory { directory in
            let database = try await ScratchDatabase.with(.sqlite, in: directory) { $0 }
            let daemon = try ChildProcess(try Binaries.scheduler(), [], in: directory, environment: childEnvironment())
            try await daemon.waitForStandardError(containing: Self.started)

            let keyFile = try KeyFile(at: directory.appendingPathComponent("var/secret.key"))
            #expect(keyFile.key.count == 64)
            #expect(keyFile.key.allSatisfy { "0123456789abcdef".contains($0) }, "\(keyFile.key)")
            #expect(keyFile.contents == keyFile.key + "\n")
            #expect(keyFile.permissions == 0o600, "mode \(String(keyFile.permissions, radix: 8))")
            let known = try await knownSchemaVersions()
            #expect(try await database.appliedVersions() == known)

            daemon.send(signal.number)
            let termination = try await daemon.waitForExit()
            let log = daemon.standardError
            #expect(termination == .success, "\(log)")
            #expect(log.contains(Self.stopped), "\(log)")
            #expect(log.contains(Self.createdKey), "\(log)")
            #expect(log.contains("./var/secret.key"), "the log names the key file: \(log)")
            #expect(!log.contains(keyFile.key), "the log shows the key itself")
            #expect(!daemon.standardOutput.contains(keyFile.key))
            // Logged in order: started before stopped.
            let startedAt = try #require(log.range(of: Self.started))
            let stoppedAt = try #require(log.range(of: Self.stopped))
            #expect(startedAt.upperBound <= stoppedAt.lowerBound)
        }
    }

    @Test("a taken HTTP port stops the start with one line naming ITSM_HTTP_BIND, before 'started', with exit 1")
    func takenPort() async throws {
        try await withWorkingDirectory { first in
            let environment = childEnvironment()
            let bind = try #require(environment["ITSM_HTTP_BIND"])
            let running = try ChildProcess(try Binaries.scheduler(), [], in: first, environment: environment)
            try await running.waitForStandardError(containing: Self.started)
            // Another daemon (its own database and folder) told to listen on the same address.
            try await withWorkingDirectory { second in
                let refused = try ChildProcess(try Binaries.scheduler(), [], in: second, environment: environment)
                #expect(try await refused.waitForExit() == .failure, "\(refused.standardError)")
                let log = refused.standardError
                #expect(log.contains("http.bind (ITSM_HTTP_BIND) \(bind): the address is already in use"), "\(log)")
                #expect(!log.contains(Self.started), "\(log)")
                #expect(!log.contains("schedule pass failed"), "\(log)")
            }
            running.send(SIGTERM)
            #expect(try await running.waitForExit() == .success, "\(running.standardError)")
        }
    }

    @Test("a second start reuses the key file as it is")
    func secondStartReusesKey() async throws {
        let scheduler = try Binaries.scheduler()
        try await withWorkingDirectory { directory in
            let keyURL = directory.appendingPathComponent("var/secret.key")

            let first = try ChildProcess(scheduler, [], in: directory, environment: childEnvironment())
            try await first.waitForStandardError(containing: Self.started)
            first.send(SIGTERM)
            #expect(try await first.waitForExit() == .success, "\(first.standardError)")
            let before = try KeyFile(at: keyURL)

            let second = try ChildProcess(scheduler, [], in: directory, environment: childEnvironment())
            try await second.waitForStandardError(containing: Self.started)
            #expect(try KeyFile(at: keyURL) == before)
            second.send(SIGTERM)
            #expect(try await second.waitForExit() == .success, "\(second.standardError)")

            #expect(try KeyFile(at: keyURL) == before)
            #expect(!second.standardError.contains(Self.createdKey), "\(second.standardError)")
            #expect(!second.standardError.contains(before.key))
        }
    }

    @Test("with ITSM_SECRET_KEY set it makes no key file and never logs the key")
    func configuredKey() async throws {
        let key = "configured-key-0123456789abcdef-0123456789"
        try await withWorkingDirectory { directory in
            let daemon = try ChildProcess(
                try Binaries.scheduler(), [], in: directory, environment: childEnvironment(["ITSM_SECRET_KEY": key])
            )
            try await daemon.waitForStandardError(containing: Self.started)
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("var/secret.key").path))
            daemon.send(SIGTERM)
            #expect(try await daemon.waitForExit() == .success, "\(daemon.standardError)")
            #expect(!daemon.standardError.contains(key))
            #expect(!daemon.standardError.contains(Self.createdKey))
        }
    }

    @Test("on PostgreSQL it migrates the configured database and never logs the password", arguments: Engine.available.filter { $0 == .postgres })
    func postgres(engine: Engine) async throws {
        let scheduler = try Binaries.scheduler()
        try await withWorkingDirectory { directory in
            try await ScratchDatabase.with(engine, in: directory) { database in
                let password = try #require(database.password)
                let daemon = try ChildProcess(
                    scheduler, ["--log-level", "debug"], in: directory, environment: childEnvironment(database.settings)
                )
                try await daemon.waitForStandardError(containing: Self.started)
                let known = try await knownSchemaVersions()
            #expect(try await database.appliedVersions() == known)
                daemon.send(SIGTERM)
                #expect(try await daemon.waitForExit() == .success, "\(daemon.standardError)")
                #expect(daemon.standardError.contains("database=postgres://postgres:***@"), "\(daemon.standardError)")
                #expect(!daemon.standardError.contains(password))
                #expect(!daemon.standardOutput.contains(password))
                #expect(!FileManager.default.fileExists(atPath: database.sqliteFile.path))
            }
        }
    }

    @Test("a bad setting makes it exit 1 with a configuration error naming the variable, touching nothing")
    func badConfiguration() async throws {
        try await withWorkingDirectory { directory in
            let result = try await run(
                try Binaries.scheduler(), [], in: directory, environment: childEnvironment(["ITSM_HTTP_BIND": "nope"])
            )
            #expect(result.termination == .failure, "\(result.output)")
            #expect(result.standardError.contains("configuration error: ITSM_HTTP_BIND"), "\(result.output)")
            #expect(!result.output.contains(Self.started))
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("var").path))
        }
    }

    @Test("a database migrated by a newer binary makes it exit 1 before starting", arguments: Engine.available)
    func newerSchema(engine: Engine) async throws {
        try await withWorkingDirectory { directory in
            try await ScratchDatabase.with(engine, in: directory) { database in
                let environment = childEnvironment(database.settings.merging(["ITSM_SECRET_KEY": String(repeating: "s", count: 32)]) { $1 })
                let migrate = try await run(try Binaries.itsm(), ["db", "migrate"], in: directory, environment: environment)
                try #require(migrate.termination == .success, "\(migrate.output)")
                let applied = try await database.appliedVersions()
                _ = try await database.execute("INSERT INTO schema_migrations (version, name, applied_at_us) VALUES (999, 'future', 0)")

                let result = try await run(try Binaries.scheduler(), [], in: directory, environment: environment)
                #expect(result.termination == .failure, "\(result.output)")
                #expect(result.standardError.contains("cannot open the database"), "\(result.output)")
                #expect(result.standardError.contains("upgrade itsm"), "\(result.output)")
                #expect(!result.standardError.contains(Self.started))
                #expect(try await database.appliedVersions() == applied + [999])
            }
        }
    }
}
