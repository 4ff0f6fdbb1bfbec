import ArgumentParser
import Domain

struct ServiceCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "services",
        abstract: "Keep the service portfolio and catalog.",
        discussion: """
        States: pipeline -> catalog, retired; catalog -> retired. Other commands name a service \
        by its id or its unique name (--service Mail).
        """,
        subcommands: [CreateRecord<Fields>.self, UpdateRecord<Fields>.self, ListRecords<Service>.self, ShowRecord<Service>.self, Move.self]
    )

    struct Fields: RecordFieldOptions {
        typealias Record = Service
        @Option(name: .long, help: "A unique name (required to create).") var name: String?
        @Option(name: .long, help: "What the service is for.") var description: String?
        @Option(name: .long, help: "The service owner.") var owner: String?
        @Option(name: .long, help: "low, medium (default), high or critical.") var criticality: String?
        @Option(name: .long, help: "Its SLA, by id or name.") var sla: String?

        var fields: FieldMap {
            FieldMap(["name": name, "description": description, "owner": owner, "criticality": criticality, "sla": sla].compactMapValues { $0 })
        }

        static let createExamples = """
              itsm services create --name Mail --owner "Messaging team" --criticality high --sla Standard
            """
        static let updateExamples = """
              itsm services update Mail --owner alice --description ""
            """
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a service through the portfolio: pipeline -> catalog -> retired.",
            discussion: "Examples:\n  itsm services move Mail --to catalog\n  itsm services move 3 --to retired --operator alice"
        )
        @OptionGroup var action: RecordAction
        @Option(name: .long, help: "catalog or retired.") var to: String

        func run() async throws {
            let target: PortfolioStatus = try await reportingRecordFailures { try FieldMap(["to": to]).requiredChoice("to") }
            try await action.perform(on: Service.self) { service, _, at, actor in
                try service.move(to: target, at: at, by: actor)
            }
        }
    }
}
