import Foundation
import Testing

/// The `itsm` binary against one scratch database, for the ITSM record commands: one database per
/// test, reused across its steps. The operator defaults to "records-test" ($USER).
struct RecordSession {
    let itsm: URL
    let directory: URL
    let database: ScratchDatabase
    let environment: [String: String]

    static func with(_ engine: Engine, _ body: (RecordSession) async throws -> Void) async throws {
        let itsm = try Binaries.itsm()
        try await withWorkingDirectory { directory in
            try await ScratchDatabase.with(engine, in: directory) { database in
                var settings = database.settings
                settings["USER"] = "records-test"
                try await body(RecordSession(itsm: itsm, directory: directory, database: database, environment: childEnvironment(settings)))
            }
        }
    }

    func run(_ arguments: [String]) async throws -> CommandResult {
        try await AppsTests.run(itsm, arguments, in: directory, environment: environment, timeout: .seconds(120))
    }

    /// Runs and requires exit 0; returns standard output.
    @discardableResult
    func succeed(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await run(arguments)
        try #require(result.termination == .success, "\(arguments.joined(separator: " ")): \(result.output)", sourceLocation: sourceLocation)
        return result.standardOutput
    }

    /// Runs with `--json`, requires exit 0, and parses one JSON object.
    func object(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONObject {
        let output = try await succeed(arguments + ["--json"], sourceLocation: sourceLocation)
        let parsed = try JSONSerialization.jsonObject(with: Data(output.utf8))
        return JSONObject(try #require(parsed as? [String: Any], "not an object: \(output)", sourceLocation: sourceLocation))
    }

    /// Runs with `--json`, requires exit 0, and parses a JSON array of objects.
    func array(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [JSONObject] {
        let output = try await succeed(arguments + ["--json"], sourceLocation: sourceLocation)
        let parsed = try JSONSerialization.jsonObject(with: Data(output.utf8))
        return try #require(parsed as? [[String: Any]], "not an array: \(output)", sourceLocation: sourceLocation).map(JSONObject.init)
    }

    /// Runs and requires exit `status` with `message` on standard error.
    func fail(
        _ arguments: [String], status: Int32, message: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let result = try await run(arguments)
        #expect(result.termination == .init(status: status, bySignal: false), "\(arguments.joined(separator: " ")): \(result.output)", sourceLocation: sourceLocation)
        #expect(result.standardError.contains(message), "\(arguments.joined(separator: " ")): \(result.standardError)", sourceLocation: sourceLocation)
        #expect(result.standardOutput.isEmpty, "\(result.standardOutput)", sourceLocation: sourceLocation)
    }
}

/// A parsed JSON object with typed reads (a missing key and JSON null both read as nil).
struct JSONObject {
    let values: [String: Any]
    init(_ values: [String: Any]) { self.values = values }

    func string(_ key: String) -> String? { values[key] as? String }
    func int(_ key: String) -> Int64? { (values[key] as? NSNumber)?.int64Value }
    func double(_ key: String) -> Double? { (values[key] as? NSNumber)?.doubleValue }
    func bool(_ key: String) -> Bool? { values[key] as? Bool }
    func isNull(_ key: String) -> Bool { values[key] is NSNull }
    func strings(_ key: String) -> [String]? { values[key] as? [String] }
    func objects(_ key: String) -> [JSONObject] { (values[key] as? [[String: Any]] ?? []).map(JSONObject.init) }

    /// The history as `action from->to actor detail` lines, for comparing whole trails.
    var trail: [String] {
        objects("events").map { event in
            var line = event.string("action") ?? "?"
            if let to = event.string("to") { line += " \(event.string("from") ?? "")->\(to)" }
            line += " by \(event.string("actor") ?? "?")"
            if let detail = event.string("detail") { line += ": \(detail)" }
            return line
        }
    }
}
