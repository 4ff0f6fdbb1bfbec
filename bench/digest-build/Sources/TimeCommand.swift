import ArgumentParser
import Domain
import Foundation
import Logging
import Reporting
import SQLKit
import Storage

/// `time`: the full weekly digest (every stage, no filter) built through the Reporting module,
/// against the same SQL statements, with the same values, run bare in the engine's own shell.
struct TimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "time",
        abstract: "Time a full weekly digest against its own SQL run bare in sqlite3 or psql.",
        discussion: """
            The digest is the week before --end in --time-zone, every lifecycle stage, all services,
            every priority. Each side runs --runs times after one warm-up run; the medians are compared.
            The bare side is the digest's statements (DigestQueries.all) with their bound values
            written in, run in one `sqlite3` or `psql` process per repetition, output discarded; a
            process running `SELECT 1` is timed the same way and its median subtracted (start-up).

            Example:
              itsm-bench-digest time --database sqlite:/tmp/digest.sqlite --runs 5
            """
    )

    @Option(help: "The database generate filled.")
    var database: String

    @Option(help: "The --end given to generate: the digest is the week before it.")
    var end: String = "2026-11-23T00:00:00Z"

    @Option(help: "The list's time zone.")
    var timeZone: String = "Europe/Berlin"

    @Option(help: "Timed repetitions of each side (after one warm-up).")
    var runs: Int = 5

    @Option(help: "Write the bare SQL here (default: a temporary file).")
    var sqlFile: String?

    @Flag(help: "Also time each statement in process (rows fetched, nothing else) and print it.")
    var perQuery = false

    func run() async throws {
        var logger = Logger(label: "itsm-bench-digest")
        logger.logLevel = .warning
        guard let endInstant = Instant(iso8601: end) else { throw ValidationError("--end: expected an ISO 8601 instant, got \(end)") }
        let location = try DatabaseLocation(parsing: database)
        let (store, _) = try await Store.open(location, now: endInstant, logger: logger)
        do {
            let clock = try LocalClock(timeZoneIdentifier: timeZone)
            let period = try ReportingPeriod.previous(.week, before: endInstant, clock: clock)
            let list = try MailingList(
                slug: "bench", title: "Benchmark weekly", sender: try ListSender(address: try EmailAddress(parsing: "bench@example.org")),
                digest: try DigestSelection(stages: Set(LifecycleStage.allCases)), schedule: "weekly MON 08:00",
                timeZoneIdentifier: timeZone)
            let builder = DigestBuilder(store: store, now: { endInstant })

            // The digest, in process: SQL, rows to Swift, medians and business time, the model.
            var digest = try await builder.build(list: list, period: period)
            var digestSeconds: [Double] = []
            for _ in 0..<runs {
                let start = DispatchTime.now().uptimeNanoseconds
                digest = try await builder.build(list: list, period: period)
                digestSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }

            // The same statements, bound values written in, for the engine's shell.
            let scope = DigestScope(
                current: period.range, previous: period.preceding.range, next: period.following.range, serviceIDs: [],
                minimumPriority: .p4)
            // The pauses queries ask about the incidents the rows query marks as held: run it once to know them.
            let statements = try await store.database.withSession { db in
                let held = try await db.raw(DigestQueries.all(scope).first { $0.name == "incident rows" }?.sql ?? "SELECT 1").all()
                    .filter { (try? $0.decode(column: "held", as: Int64.self)) == 1 }
                    .map { try $0.decode(column: "id", as: Int64.self) }
                return try (DigestQueries.all(scope) + DigestQueries.incidentPauses(held: held)).map { query in
                    try Self.inlined(db.serialize(query.sql), engine: location.engine) + ";"
                }
            }
            if perQuery {
                let queries = DigestQueries.all(scope)  // the pauses queries are counted in the bare file
                try await store.database.withSession { db in
                    for query in queries {
                        let start = DispatchTime.now().uptimeNanoseconds
                        let rows = try await db.raw(query.sql).all()
                        print(String(format: "query engine=%@ name=%@ rows=%d s=%.3f", location.engine.rawValue, query.name, rows.count,
                                     Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
                        if location.engine == .sqlite, ProcessInfo.processInfo.environment["ITSM_BENCH_EXPLAIN"] != nil {
                            for row in try await db.raw("EXPLAIN QUERY PLAN " + query.sql).all() {
                                print("  plan \((try? row.decode(column: "detail", as: String.self)) ?? "?")")
                            }
                        }
                    }
                }
            }
            let path = sqlFile ?? FileManager.default.temporaryDirectory.appendingPathComponent("itsm-digest-\(UUID().uuidString).sql").path
            try statements.joined(separator: "\n\n").write(toFile: path, atomically: true, encoding: .utf8)
            let probe = path + ".probe.sql"
            try "SELECT 1;\n".write(toFile: probe, atomically: true, encoding: .utf8)
            try await store.database.close()

            let shell = try Shell(location: location)
            _ = try shell.run(file: path)
            var bareSeconds: [Double] = []
            var startupSeconds: [Double] = []
            for _ in 0..<runs {
                bareSeconds.append(try shell.run(file: path))
                startupSeconds.append(try shell.run(file: probe))
            }
            let digestMedian = Self.median(digestSeconds)
            let bareMedian = max(Self.median(bareSeconds) - Self.median(startupSeconds), 0.000_001)
            print(String(
                format: "time engine=%@ statements=%d digest_s=%.3f bare_sql_s=%.3f shell_startup_s=%.3f ratio=%.2f opened=%.0f resolved=%.0f breaches=%d upcoming=%d",
                location.engine.rawValue, statements.count, digestMedian, bareMedian, Self.median(startupSeconds), digestMedian / bareMedian,
                digest.operation?.opened.current ?? 0, digest.operation?.resolved.current ?? 0, digest.design?.breaches.count ?? 0,
                digest.transition?.upcoming.count ?? 0))
            print("runs engine=\(location.engine.rawValue) digest_s=\(digestSeconds.map { String(format: "%.3f", $0) }.joined(separator: ",")) bare_s=\(bareSeconds.map { String(format: "%.3f", $0) }.joined(separator: ","))")
            print("sql \(path)")
        } catch {
            try? await store.database.close()
            throw error
        }
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count.isMultiple(of: 2) ? (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2 : sorted[sorted.count / 2]
    }

    /// The statement with its placeholders (`?n` on SQLite, `$n` on PostgreSQL) replaced by the
    /// bound values as SQL literals. The values are this program's own integers and fixed words.
    static func inlined(_ serialized: (sql: String, binds: [any Encodable & Sendable]), engine: Engine) throws -> String {
        func literal(_ value: any Encodable & Sendable) throws -> String {
            switch value {
            case let number as Int64: return String(number)
            case let number as Int: return String(number)
            case let text as String: return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
            default: throw ValidationError("cannot write a bound \(type(of: value)) as a literal")
            }
        }
        let literals = try serialized.binds.map(literal)
        // Numbered placeholders: ?N on SQLite, $N on PostgreSQL. From the highest number down,
        // so $10 is replaced before $1 could cut it.
        let sigil = engine == .sqlite ? "?" : "$"
        var result = serialized.sql
        for (index, value) in literals.enumerated().reversed() {
            result = result.replacingOccurrences(of: "\(sigil)\(index + 1)", with: value)
        }
        return result
    }
}

/// The engine's own shell, given a file of statements: `sqlite3 FILE < SQL` or `psql URL -f SQL`,
/// output discarded. Returns the wall time of the whole process.
struct Shell {
    let executable: String
    let arguments: (String) -> [String]

    init(location: DatabaseLocation) throws {
        switch location {
        case let .sqlite(path):
            executable = "/usr/bin/sqlite3"
            arguments = { file in ["-batch", "-bail", path, ".read \(file)"] }
        case let .postgres(url):
            var psql = "/usr/bin/psql"
            for version in ["17", "16", "15"] where FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/psql") {
                psql = "/usr/lib/postgresql/\(version)/bin/psql"
                break
            }
            executable = psql
            arguments = { file in [url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", file] }
        }
    }

    func run(file: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(file)
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        let start = DispatchTime.now().uptimeNanoseconds
        try process.run()
        let errorOutput = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(executable) failed (\(process.terminationStatus)): \(String(decoding: errorOutput, as: UTF8.self))")
        }
        return seconds
    }
}
