import ArgumentParser

/// The issue-5 digest benchmark's data side: generate a realistic two-year ITSM history, and
/// check it against the domain. Run by `bench/digest-build/run`.
@main
struct DigestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "itsm-bench-digest",
        abstract: "Generate and verify the data set the digest benchmark runs on.",
        discussion: """
            Examples:
              itsm-bench-digest generate --database sqlite:/tmp/digest.sqlite --scale 0.01
              itsm-bench-digest verify --database sqlite:/tmp/digest.sqlite
              itsm-bench-digest time --database sqlite:/tmp/digest.sqlite --runs 5
            """,
        subcommands: [GenerateCommand.self, VerifyCommand.self, TimeCommand.self]
    )
}
