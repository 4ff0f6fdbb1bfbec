import ArgumentParser
import Domain
import Storage

struct SLACommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slas",
        abstract: "Keep the SLAs: response and resolution targets per priority, in business time.",
        discussion: """
        A target is PRIORITY=RESPONSE/RESOLUTION with durations such as 30m, 4h, 1h30m or 2d, \
        counted on the SLA's calendar. Warning is the share of a target after which an open item \
        is at risk (default 0.75). Services name their SLA by id or name (--sla Standard).
        """,
        subcommands: [Create.self, Update.self, List.self, Show.self]
    )

    struct Fields: ParsableArguments {
        @Option(name: .long, help: "A unique name (required to create).") var name: String?
        @Option(name: .long, help: "The business calendar, by id or name (required to create).") var calendar: String?
        @Option(name: .long, help: "A target such as P1=1h/4h (repeatable; required to create; on update replaces all).") var target: [String] = []
        @Option(name: .long, help: "Warning threshold, a fraction above 0 and at most 1.") var warning: String?

        var fields: FieldMap {
            FieldMap([
                "name": name, "calendar": calendar, "targets": target.isEmpty ? nil : target.joined(separator: ";"), "warning": warning,
            ].compactMapValues { $0 })
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an SLA.",
            discussion: """
            Examples:
              itsm slas create --name Standard --calendar Office --target P1=1h/4h --target P2=4h/1d --warning 0.8
            """
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var values: Fields
        @Flag(name: .long, help: "Print the new SLA as JSON.") var json = false

        func run() async throws {
            try await reportingRecordFailures {
                try await global.withContext { context in
                    let sla = try await CalendarFields.sla(values.fields, references: References(store: context.store))
                    let created = try await context.store.slas.create(sla)
                    if json { return try printJSON(try await SLAJSON(created, store: context.store)) }
                    print("Created SLA \(created.id.map(String.init) ?? "?") (\(created.name)).")
                }
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an SLA; --target replaces every target.",
            discussion: "Examples:\n  itsm slas update Standard --target P1=30m/2h --target P2=2h/8h\n  itsm slas update 1 --warning 0.9"
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The SLA's id or name.") var id: String
        @OptionGroup var values: Fields
        @Flag(name: .long, help: "Print the SLA as JSON.") var json = false

        func validate() throws {
            if values.fields.isEmpty { throw ValidationError("give at least one field to change (see --help)") }
        }

        func run() async throws {
            try await reportingRecordFailures {
                try await global.withContext { context in
                    let references = References(store: context.store)
                    let stored = try await find(id, references: references)
                    let saved = try await context.store.slas.save(try await CalendarFields.updated(stored, with: values.fields, references: references), replacing: stored)
                    if json { return try printJSON(try await SLAJSON(saved, store: context.store)) }
                    print("Updated SLA \(saved.id.map(String.init) ?? "?") (\(saved.name)).")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the SLAs.", discussion: "Examples:\n  itsm slas list\n  itsm slas list --json")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "Print JSON for scripts.") var json = false

        func run() async throws {
            try await reportingRecordFailures {
                try await global.withContext { context in
                    let slas = try await context.store.slas.list()
                    var views: [SLAJSON] = []
                    for sla in slas { views.append(try await SLAJSON(sla, store: context.store)) }
                    if json { return try printJSON(views) }
                    var table = Table("ID", "NAME", "CALENDAR", "WARNING", "TARGETS")
                    for view in views {
                        table.add(String(view.id), view.name, view.calendar, text(view.warning), view.targets.map(\.text).joined(separator: " "))
                    }
                    table.print(emptyMessage: "No SLAs.")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an SLA and its targets.", discussion: "Examples:\n  itsm slas show Standard\n  itsm slas show 1 --json"
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The SLA's id or name.") var id: String
        @Flag(name: .long, help: "Print JSON for scripts.") var json = false

        func run() async throws {
            try await reportingRecordFailures {
                try await global.withContext { context in
                    let view = try await SLAJSON(try await find(id, references: References(store: context.store)), store: context.store)
                    if json { return try printJSON(view) }
                    printDetails([("id", String(view.id)), ("name", view.name), ("calendar", view.calendar), ("warning", text(view.warning))]
                        + view.targets.map { ("target", $0.text) })
                }
            }
        }
    }
}

private func find(_ reference: String, references: References) async throws -> ServiceLevelAgreement {
    guard let id = try await references.sla(FieldMap(["ID": reference]), "ID") ?? nil else {
        throw DomainError.invalidField(field: "ID", value: reference, expected: "the id or name of an existing SLA")
    }
    return try await references.store.slas.get(id)
}

/// An SLA for scripts: targets per priority as text and in seconds.
struct SLAJSON: Encodable {
    struct Target: Encodable {
        var priority: String, response: String, resolution: String, responseSeconds: Int64, resolutionSeconds: Int64
        var text: String { "\(priority)=\(response)/\(resolution)" }
    }

    var id: Int64
    var name: String
    var calendarId: Int64
    var calendar: String
    var warning: Double
    var targets: [Target]

    init(_ sla: ServiceLevelAgreement, store: Store) async throws {
        id = sla.id ?? 0
        name = sla.name
        calendarId = sla.calendarID
        calendar = try await store.calendars.get(sla.calendarID).name
        warning = sla.warningThreshold
        targets = sla.targets.sorted { $0.key < $1.key }.map { priority, target in
            Target(
                priority: priority.description, response: TimeText.text(target.response), resolution: TimeText.text(target.resolution),
                responseSeconds: target.response.components.seconds, resolutionSeconds: target.resolution.components.seconds
            )
        }
    }
}
