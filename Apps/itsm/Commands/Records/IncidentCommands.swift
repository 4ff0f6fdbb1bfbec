import ArgumentParser
import Domain

struct IncidentCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents",
        abstract: "Log, work and close incidents (priority from impact x urgency).",
        discussion: """
        States: new -> assigned, in-progress, resolved; assigned -> in-progress, on-hold, resolved; \
        in-progress -> assigned, on-hold, resolved; on-hold -> assigned, in-progress; \
        resolved -> in-progress (reopen), closed. Every move is recorded with the operator.
        """,
        subcommands: [
            CreateRecord<Fields>.self, UpdateRecord<Fields>.self, ListRecords<Incident>.self, ShowRecord<Incident>.self,
            Assign.self, MoveRecord<Respond>.self, MoveRecord<Hold>.self, MoveRecord<Resume>.self, MoveRecord<Resolve>.self,
            MoveRecord<Close>.self, MoveRecord<Reopen>.self, LinkProblem.self,
        ]
    )

    struct Fields: RecordFieldOptions {
        typealias Record = Incident
        @Option(name: .long, help: "What is wrong, one line (required to create).") var title: String?
        @Option(name: .long, help: "More detail.") var description: String?
        @Option(name: .long, help: "A category such as network or email.") var category: String?
        @Option(name: .long, help: "high, medium or low (required to create).") var impact: String?
        @Option(name: .long, help: "high, medium or low (required to create).") var urgency: String?
        @Option(name: .long, help: "The affected service, by id or name.") var service: String?
        @Flag(name: .long, inversion: .prefixedNo, help: "A major incident.") var major: Bool?

        var fields: FieldMap {
            FieldMap([
                "title": title, "description": description, "category": category, "impact": impact, "urgency": urgency,
                "service": service, "major": major.map { $0 ? "true" : "false" },
            ].compactMapValues { $0 })
        }

        static let createExamples = """
              itsm incidents create --title "Mail down" --impact high --urgency high --service Mail
              itsm incidents create --title "Slow VPN" --impact medium --urgency low --category network --json
            """
        static let updateExamples = """
              itsm incidents update 7 --urgency high --major
              itsm incidents update 7 --category "" --operator alice
            """
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign an incident to a person or group (new and in-progress incidents become assigned).",
            discussion: "Examples:\n  itsm incidents assign 7 --to service-desk\n  itsm incidents assign 7 --to alice --operator bob --json"
        )
        @OptionGroup var action: RecordAction
        @Option(name: .customLong("to"), help: "The assignee.") var assignee: String

        func run() async throws {
            let assignee = assignee
            try await action.perform(on: Incident.self) { incident, _, at, actor in try incident.assign(to: assignee, at: at, by: actor) }
        }
    }

    struct LinkProblem: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "link-problem", abstract: "Link an incident to the problem that causes it.",
            discussion: "Examples:\n  itsm incidents link-problem 7 --problem 2"
        )
        @OptionGroup var action: RecordAction
        @Option(name: .long, help: "The problem's id.") var problem: String

        func run() async throws {
            let problem = problem
            try await action.perform(on: Incident.self) { incident, references, at, actor in
                try incident.link(problem: try await references.problem(problem), at: at, by: actor)
            }
        }
    }

    enum Respond: RecordMove {
        static let name = "respond", abstract = "Record the first response to the caller (stops the SLA response clock)."
        static var note: String? { nil }
        static func apply(_ record: inout Incident, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.respond(at: at, by: actor) }
    }

    enum Hold: RecordMove {
        static let name = "hold", abstract = "Put an incident on hold (the SLA clock pauses)."
        static var note: String? { "Why it waits." }
        static func apply(_ record: inout Incident, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.hold(at: at, by: actor, reason: note) }
    }

    enum Resume: RecordMove {
        static let name = "resume", abstract = "Resume work on an incident on hold (in-progress)."
        static var note: String? { nil }
        static func apply(_ record: inout Incident, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.resume(at: at, by: actor) }
    }

    enum Resolve: RecordMove {
        static let name = "resolve", abstract = "Resolve an incident."
        static var note: String? { "How it was resolved." }
        static func apply(_ record: inout Incident, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.resolve(at: at, by: actor, note: note) }
    }

    enum Close: RecordMove {
        static let name = "close", abstract = "Close a resolved incident (final)."
        static var note: String? { nil }
        static func apply(_ record: inout Incident, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.close(at: at, by: actor) }
    }

    enum Reopen: RecordMove {
        static let name = "reopen", abstract = "Reopen a resolved incident (back to in-progress)."
        static var note: String? { "Why it is not fixed." }
        static func apply(_ record: inout Incident, note: String?, at: Instant, by actor: String) throws(DomainError) { try record.reopen(at: at, by: actor, reason: note) }
    }
}
