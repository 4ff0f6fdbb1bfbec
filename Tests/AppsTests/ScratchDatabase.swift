import Foundation
import Testing

/// The engines the end-to-end tests run on: SQLite always, PostgreSQL when `scripts/test` started one.
enum Engine: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { self == .sqlite ? "SQLite" : "PostgreSQL" }

    /// `postgres://user:password@host:port/db`, set by `scripts/test`.
    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["ITSM_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    static var available: [Engine] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
}

/// A failed SQL tool run, with what it printed.
struct SQLToolFailed: Error, CustomStringConvertible {
    var tool: String
    var result: CommandResult
    var description: String { "\(tool) \(result.termination): \(result.output)" }
}

/// An empty database for one test and the ITSM_* settings that point a child process at it.
///
/// SQL runs through the engines' own tools, not through our Storage module: `psql`, and Python's
/// `sqlite3` module for SQLite (python3 is among the test script's packages; the sqlite3 CLI is not).
struct ScratchDatabase: Sendable {
    let engine: Engine
    /// What to add to the child's environment (nothing for SQLite: the default ./var/itsm.sqlite).
    let settings: [String: String]
    /// The working directory the children run in.
    let directory: URL
    private let postgres: (admin: String, url: String, name: String)?

    /// The SQLite file a child with no ITSM_DATABASE_URL uses.
    var sqliteFile: URL { directory.appendingPathComponent("var/itsm.sqlite") }

    /// The password of the PostgreSQL URL, which must never be printed or logged.
    var password: String? {
        postgres.flatMap { URLComponents(string: $0.url)?.password }
    }

    /// Runs `body` with a fresh database for children working in `directory`, dropped afterwards.
    static func with<R>(_ engine: Engine, in directory: URL, _ body: (ScratchDatabase) async throws -> R) async throws -> R {
        let database = try await create(engine, in: directory)
        do {
            let result = try await body(database)
            await database.drop()
            return result
        } catch {
            await database.drop()
            throw error
        }
    }

    private static func create(_ engine: Engine, in directory: URL) async throws -> ScratchDatabase {
        switch engine {
        case .sqlite:
            return ScratchDatabase(engine: .sqlite, settings: [:], directory: directory, postgres: nil)
        case .postgres:
            let admin = try #require(Engine.postgresURL, "ITSM_TEST_POSTGRES_URL is not set")
            let name = "itsm_apps_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            _ = try await psql(admin, "CREATE DATABASE \(name)")
            var components = try #require(URLComponents(string: admin), "ITSM_TEST_POSTGRES_URL is not a URL")
            components.path = "/" + name
            let url = try #require(components.string)
            return ScratchDatabase(
                engine: .postgres, settings: ["ITSM_DATABASE_URL": url], directory: directory, postgres: (admin, url, name)
            )
        }
    }

    private func drop() async {
        guard let postgres else { return }
        _ = try? await Self.psql(postgres.admin, "DROP DATABASE IF EXISTS \(postgres.name) WITH (FORCE)")
    }

    /// Runs one SQL statement; returns the rows, one a line, columns joined by `|`.
    func execute(_ sql: String) async throws -> String {
        if let postgres { return try await Self.psql(postgres.url, sql) }
        let script = """
            import sqlite3, sys
            connection = sqlite3.connect(sys.argv[1])
            rows = connection.execute(sys.argv[2]).fetchall()
            connection.commit()
            print("\\n".join("|".join(str(value) for value in row) for row in rows))
            """
        return try await Self.tool(Self.python, ["-c", script, sqliteFile.path, sql], in: directory)
    }

    /// Starts `psql` running the SQL file `script` on this PostgreSQL database and returns at once, for a
    /// test that holds a transaction open while a command runs. The password goes in the environment,
    /// not the arguments, which a timeout's message prints.
    func startPSQL(script: URL) throws -> ChildProcess {
        let postgres = try #require(postgres, "psql runs on the PostgreSQL engine only")
        var components = try #require(URLComponents(string: postgres.url))
        let password = components.password ?? ""
        components.password = nil
        return try ChildProcess(
            Self.psqlExecutable, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", try #require(components.string), "-f", script.path],
            in: directory, environment: childEnvironment(["PGPASSWORD": password]))
    }

    /// SQLite: as another process would, writes again and again while `table` grows to `rows` rows:
    /// each time takes the write lock (`BEGIN IMMEDIATE`, waiting with SQLite's own busy handler, which
    /// polls at most every 100 ms, up to 60 s), reads the count and commits; stops once the table is
    /// full or after `seconds`. Returns how many times it had the lock before the table was full, and
    /// the longest wait for it in milliseconds.
    func writesWhileGrowing(_ table: String, to rows: Int, seconds: Int = 150) async throws -> (writes: Int, longestWaitMilliseconds: Int) {
        let script = """
            import sqlite3, sys, time
            writes, longest = 0, 0
            deadline = time.monotonic() + int(sys.argv[4])
            while time.monotonic() < deadline:
                connection = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
                started = time.monotonic()
                connection.execute("BEGIN IMMEDIATE")
                waited = int((time.monotonic() - started) * 1000)
                count = connection.execute("SELECT COUNT(*) FROM " + sys.argv[2]).fetchone()[0]
                connection.execute("COMMIT")
                connection.close()
                if count >= int(sys.argv[3]):
                    break
                writes, longest = writes + 1, max(longest, waited)
            print(writes, longest)
            """
        let output = try await Self.tool(
            Self.python, ["-c", script, sqliteFile.path, table, "\(rows)", "\(seconds)"], in: directory, timeout: .seconds(seconds + 20))
        let values = output.split(separator: " ").compactMap { Int($0) }
        try #require(values.count == 2, "python printed '\(output)'")
        return (values[0], values[1])
    }

    /// The versions recorded in `schema_migrations`, ascending.
    func appliedVersions() async throws -> [Int] {
        try await execute("SELECT version FROM schema_migrations ORDER BY version")
            .split(separator: "\n").map { try #require(Int($0), "not a version: \($0)") }
    }

    private static func psql(_ url: String, _ sql: String) async throws -> String {
        try await tool(psqlExecutable, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql], in: URL(fileURLWithPath: "/"))
    }

    private static func tool(_ executable: URL, _ arguments: [String], in directory: URL, timeout: Duration = .seconds(60)) async throws -> String {
        let result = try await run(executable, arguments, in: directory, environment: childEnvironment(), timeout: timeout)
        guard result.termination == .success else { throw SQLToolFailed(tool: executable.lastPathComponent, result: result) }
        return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static let python = URL(fileURLWithPath: ProcessInfo.processInfo.environment["ITSM_TEST_SMTP_PYTHON"] ?? "/usr/bin/python3")

    /// The newest server's own psql, as `scripts/test` uses; Debian's /usr/bin/psql wrapper otherwise.
    private static let psqlExecutable: URL = {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let path = "/usr/lib/postgresql/\(version)/bin/psql"
            if FileManager.default.isExecutableFile(atPath: path) { return URL(fileURLWithPath: path) }
        }
        return URL(fileURLWithPath: "/usr/bin/psql")
    }()
}
