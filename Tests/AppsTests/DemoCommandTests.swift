import Foundation
import ITSMTestSupport
import Testing

/// `itsm demo seed` through the real binary: reproducible with --seed and --at, refusing a
/// database that holds anything unless --force, and its usage errors.
@Suite("itsm demo seed")
struct DemoCommandTests {
    static let usage = ChildProcess.Termination(status: 2, bySignal: false)
    /// Monday 23 Nov 2026, 07:00 in Berlin: before both lists' morning runs.
    static let mondayMorning = "2026-11-23T06:00:00Z"

    /// Seeds a new database in its own folder and returns what `itsm incidents list --json` and
    /// `itsm changes list --json` print afterwards.
    private func seededRecords(_ arguments: [String]) async throws -> String {
        let itsm = try Binaries.itsm()
        return try await withWorkingDirectory { directory in
            let environment = childEnvironment()
            let seed = try await run(itsm, ["demo", "seed"] + arguments, in: directory, environment: environment, timeout: .seconds(120))
            try #require(seed.termination == .success, "\(seed.output)")
            var listings = ""
            for kind in ["incidents", "changes"] {
                let listed = try await run(itsm, [kind, "list", "--json"], in: directory, environment: environment)
                try #require(listed.termination == .success, "\(listed.output)")
                listings += listed.standardOutput
            }
            return listings
        }
    }

    @Test("the same --seed and --at give the same records through the CLI; another seed gives others")
    func reproducible() async throws {
        let first = try await seededRecords(["--seed", "7", "--at", Self.mondayMorning])
        let second = try await seededRecords(["--seed", "7", "--at", Self.mondayMorning])
        let other = try await seededRecords(["--seed", "8", "--at", Self.mondayMorning])
        #expect(first.count > 10_000)
        #expect(first == second)
        #expect(first != other)
    }

    @Test("a database holding anything is refused with exit 1 and left as it was; --force seeds it again; --if-empty leaves it")
    func refusesUnlessForced() async throws {
        let itsm = try Binaries.itsm()
        try await withWorkingDirectory { directory in
            let environment = childEnvironment()
            func incidents() async throws -> String {
                let listed = try await run(itsm, ["incidents", "list", "--json"], in: directory, environment: environment)
                try #require(listed.termination == .success, "\(listed.output)")
                return listed.standardOutput
            }
            // Somebody's own data, not the demo's: one suppressed address.
            let suppressed = try await run(
                itsm, ["subscribers", "suppress", "someone@example.org", "--reason", "asked us to stop", "--operator", "olivia"],
                in: directory, environment: environment)
            try #require(suppressed.termination == .success, "\(suppressed.output)")
            let before = try await incidents()
            let refused = try await run(itsm, ["demo", "seed"], in: directory, environment: environment)
            #expect(refused.termination == .failure, "\(refused.output)")
            #expect(refused.standardError.contains("the database already holds records or lists"), "\(refused.output)")
            #expect(refused.standardError.contains("--force"), "\(refused.output)")
            #expect(try await incidents() == before)

            let forced = try await run(
                itsm, ["demo", "seed", "--force", "--seed", "3", "--at", Self.mondayMorning, "--json"], in: directory, environment: environment,
                timeout: .seconds(120))
            try #require(forced.termination == .success, "\(forced.output)")
            let seeded = try await incidents()
            #expect(seeded.count > 10_000)

            let again = try await run(itsm, ["demo", "seed", "--if-empty"], in: directory, environment: environment)
            #expect(again.termination == .success, "\(again.output)")
            #expect(try await incidents() == seeded)
        }
    }

    @Test("a bad --at, or --force with --if-empty, is a usage error (exit 2) naming the option", arguments: [
        (["--at", "last monday"], "--at"), (["--at", "2026-11-23T06:00:00"], "--at"), (["--force", "--if-empty"], "--force and --if-empty"),
    ])
    func usageErrors(arguments: [String], named: String) async throws {
        let itsm = try Binaries.itsm()
        try await withWorkingDirectory { directory in
            let result = try await run(itsm, ["demo", "seed"] + arguments, in: directory, environment: childEnvironment())
            #expect(result.termination == Self.usage, "\(result.output)")
            #expect(result.standardError.contains(named), "\(result.output)")
        }
    }
}
