import ArgumentParser
import Domain

struct ImprovementCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "improvements",
        abstract: "Keep the CSI register: initiatives measured against a baseline and a target.",
        discussion: """
        States: proposed -> approved -> in-progress -> completed; the first three -> cancelled. \
        Progress is the share of the way from baseline to target, 0-100%.
        """,
        subcommands: [
            CreateRecord<Fields>.self, UpdateRecord<Fields>.self, ListRecords<Improvement>.self, ShowRecord<Improvement>.self,
            MoveRecord<Approve>.self, MoveRecord<Start>.self, Measure.self, MoveRecord<Complete>.self, MoveRecord<Cancel>.self,
        ]
    )

    struct Fields: RecordFieldOptions {
        typealias Record = Improvement
        @Option(name: .long, help: "The initiative, one line (required to create).") var title: String?
        @Option(name: .long, help: "Who drives it.") var owner: String?
        @Option(name: .long, help: "The service improved, by id or name.") var service: String?
        @Option(name: .long, help: "What is measured (required to create).") var metric: String?
        @Option(name: .long, help: "The metric's value now (required to create; fixed once work starts).") var baseline: String?
        @Option(name: .long, help: "The value aimed at (required to create).") var target: String?
        @Option(name: .long, help: "Due date, YYYY-MM-DD.") var due: String?

        var fields: FieldMap {
            FieldMap([
                "title": title, "owner": owner, "service": service, "metric": metric, "baseline": baseline, "target": target, "due": due,
            ].compactMapValues { $0 })
        }

        static let createExamples = """
              itsm improvements create --title "Faster P2 fixes" --metric "MTTR P2 (h)" --baseline 10 --target 6 --due 2027-03-31
            """
        static let updateExamples = """
              itsm improvements update 3 --target 5 --owner alice
            """
    }

    struct Measure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a new measurement of an improvement's metric.",
            discussion: "Examples:\n  itsm improvements measure 3 8.5\n  itsm improvements measure 3 7 --operator alice --json"
        )
        @OptionGroup var action: RecordAction
        @Argument(help: "The measured value.") var value: String

        func run() async throws {
            let measured = try await reportingRecordFailures { try FieldMap(["value": value]).requiredNumber("value") }
            try await action.perform(on: Improvement.self) { improvement, _, at, actor in
                try improvement.measure(measured, at: at, by: actor)
            }
        }
    }

    enum Approve: TargetMove {
        typealias Record = Improvement
        static let name = "approve", abstract = "Approve a proposed improvement.", target = ImprovementState.approved
    }

    enum Start: TargetMove {
        typealias Record = Improvement
        static let name = "start", abstract = "Start work on an approved improvement.", target = ImprovementState.inProgress
    }

    enum Complete: TargetMove {
        typealias Record = Improvement
        static let name = "complete", abstract = "Complete an improvement in progress.", target = ImprovementState.completed
    }

    enum Cancel: TargetMove {
        typealias Record = Improvement
        static let name = "cancel", abstract = "Cancel an improvement that is not completed.", target = ImprovementState.cancelled
    }
}
