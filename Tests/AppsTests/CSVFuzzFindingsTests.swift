import Foundation
import Testing

/// Inputs the CSV fuzz target (`Fuzz/run 60 csv`) found, replayed through the real binary.
@Suite("itsm CSV imports: inputs found by fuzzing")
struct CSVFuzzFindingsTests {
    @Test("a file holding only a UTF-8 byte order mark is an empty file to every import, not a crash")
    func byteOrderMarkOnly() async throws {
        try await CLISession.with(.sqlite) { cli in
            try await cli.succeed(["lists", "create", "ops", "--title", "Ops", "--sender", "itsm@example.org"])
            // What a spreadsheet writes for an empty sheet saved as "CSV UTF-8". The reader used to
            // step past the end of its buffer here ("Index out of range").
            try Data([0xEF, 0xBB, 0xBF]).write(to: cli.directory.appendingPathComponent("bom.csv"))
            for arguments in [["subscribers", "import", "ops", "bom.csv"], ["import", "incidents", "bom.csv"]] {
                let result = try await cli.run(arguments)
                #expect(result.termination == .failure, "\(arguments): \(result.output)")
                #expect(result.standardError.hasPrefix("error: bom.csv: the file is empty"), "\(arguments): \(result.standardError)")
            }
        }
    }

    @Test("a quote or comma followed by a combining mark is quoted on export, so the field comes back whole")
    func combiningMarksOnExport() async throws {
        try await CLISession.with(.sqlite) { cli in
            let title = "Printer \"\u{0301}jam,\u{0301} floor 2"
            try await cli.succeed(["incidents", "create", "--title", title, "--impact", "low", "--urgency", "low"])
            try await cli.succeed(["export", "incidents", "--format", "csv", "--output", "incidents.csv"])
            let parsed = try await run(
                URL(fileURLWithPath: "/usr/bin/python3"),
                ["-c", "import csv, sys; rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8'))); print(len(rows), rows[0]['title'])",
                 "incidents.csv"],
                in: cli.directory, environment: [:])
            #expect(parsed.standardOutput == "1 " + title + "\n")
        }
    }
}
