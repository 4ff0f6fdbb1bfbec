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
}
