import ArgumentParser
import Domain

struct ProblemCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "problems",
        abstract: "Investigate problems and record known errors.",
        discussion: """
        States: new -> investigating, closed; investigating -> resolved, closed; resolved -> \
        investigating, closed. Known error is a flag that needs a root cause or workaround first.
        """,
        subcommands: [
            CreateRecord<Fields>.self, UpdateRecord<Fields>.self, ListRecords<Problem>.self, ShowRecord<Problem>.self,
            MoveRecord<Investigate>.self, MoveRecord<KnownError>.self, MoveRecord<Resolve>.self, MoveRecord<Close>.self,
        ]
    )

    struct Fields: RecordFieldOptions {
        typealias Record = Problem
        @Option(name: .long, help: "The problem, one line (required to create).") var title: String?
        @Option(name: .long, help: "More detail.") var description: String?
        @Option(name: .long, help: "The affected service, by id or name.") var service: String?
        @Option(name: .customLong("root-cause"), help: "The root cause found.") var rootCause: String?
        @Option(name: .long, help: "A workaround for the incidents it causes.") var workaround: String?

        var fields: FieldMap {
            FieldMap(["title": title, "description": description, "service": service, "root-cause": rootCause, "workaround": workaround].compactMapValues { $0 })
        }

        static let createExamples = """
              itsm problems create --title "Mail queue fills up" --service Mail
            """
        static let updateExamples = """
              itsm problems update 2 --root-cause "Disk full on mx1" --workaround "Restart the queue"
            """
    }

    enum Investigate: TargetMove {
        typealias Record = Problem
        static let name = "investigate", abstract = "Start (or restart) investigating a problem.", target = ProblemState.investigating
    }

    enum KnownError: RecordMove {
        static let name = "known-error", abstract = "Mark a problem a known error (needs a root cause or workaround: see update)."
        static var note: String? { nil }
        static func apply(_ record: inout Problem, note: String?, at: Instant, by actor: String) throws(DomainError) {
            try record.markKnownError(at: at, by: actor)
        }
    }

    enum Resolve: TargetMove {
        typealias Record = Problem
        static let name = "resolve", abstract = "Resolve a problem under investigation.", target = ProblemState.resolved
    }

    enum Close: TargetMove {
        typealias Record = Problem
        static let name = "close", abstract = "Close a problem (final).", target = ProblemState.closed
    }
}
