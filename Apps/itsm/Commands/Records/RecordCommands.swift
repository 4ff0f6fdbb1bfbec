import ArgumentParser
import Domain
import Foundation
import Storage

// The commands every record kind shares: create, update, list, show and state moves, written once
// over `CommandRecord`. A kind's group lists them with its own field options and moves.

/// Runs a record command. A refusal prints `error: <field>: ...` and exits 1 (2 when an argument
/// or field value is not acceptable); the store was not changed, as each command writes at most
/// one transaction.
@discardableResult
func reportingRecordFailures<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as DomainError {
        printError("error: \(error)")
        if case .invalidField = error { throw ExitCode(2) }
        throw ExitCode.failure
    } catch let error as StorageError {
        if case let .duplicate(_, field, _) = error { printError("error: \(field): \(error)") } else { printError("error: \(error)") }
        throw ExitCode.failure
    } catch let error as CommandFailure {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}

/// What a command that acts on one record takes: the record, the operator, --json.
struct RecordAction: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    @Argument(help: "The record's id (a service also by its name).")
    var id: String

    @Option(name: .customLong("operator"), help: "Who does this, for the audit trail (default: $SUDO_USER, $USER or cli).")
    var operatorName: String?

    @Flag(name: .long, help: "Print the record as JSON, with its history.")
    var json = false

    /// Loads the record, lets `body` change it at the current instant as the operator, and saves
    /// it in one transaction (refused when someone else saved it since it was read).
    func perform<Record: CommandRecord>(
        on _: Record.Type, _ body: (inout Record, References, Instant, String) async throws -> Void
    ) async throws {
        try await reportingRecordFailures {
            try await global.withContext { context in
                var record = try await Record.find(id, in: context.store)
                let known = record.events.count
                try await body(&record, References(store: context.store), context.now, CommandContext.operatorName(operatorName))
                let changed = record.events.count > known
                if changed { record = try await record.save(to: context.store) }
                try report(record, newEvents: changed ? Array(record.events.dropFirst(known)) : [], names: try await ReferenceNames.load(context.store))
            }
        }
    }

    private func report<Record: CommandRecord>(_ record: Record, newEvents: [RecordEvent<Record.State>], names: ReferenceNames) throws {
        if json { return try printJSON(RecordJSON(record: record, names: names, withEvents: true)) }
        let name = "\(Record.singular) \(record.id.map(String.init) ?? "?")"
        guard !newEvents.isEmpty else { return print("\(name): nothing changed (\(record.currentState.rawValue))") }
        print("\(name): \(record.currentState.rawValue) (version \(record.version))")
        for event in newEvents {
            let move = event.to.map { to in " " + (event.from.map { "\($0.rawValue) -> " } ?? "-> ") + to.rawValue } ?? ""
            print("  \(event.action.rawValue)\(move)" + (event.detail.map { ": \(Table.oneLine($0))" } ?? ""))
        }
    }
}

/// A kind's field options, shared by its `create` and `update` commands.
protocol RecordFieldOptions: ParsableArguments {
    associatedtype Record: CommandRecord
    /// The options given, as fields (absent options are absent; an empty value clears on update).
    var fields: FieldMap { get }
    static var createExamples: String { get }
    static var updateExamples: String { get }
}

struct CreateRecord<Options: RecordFieldOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "create", abstract: "Create \(Options.Record.singular.withArticle).", discussion: "Examples:\n" + Options.createExamples)
    }

    @OptionGroup var global: GlobalOptions
    @OptionGroup var values: Options

    @Option(name: .customLong("operator"), help: "Who does this, for the audit trail (default: $SUDO_USER, $USER or cli).")
    var operatorName: String?

    @Flag(name: .long, help: "Print the new record as JSON, with its history.")
    var json = false

    func run() async throws {
        try await reportingRecordFailures {
            try await global.withContext { context in
                let record = try await Options.Record.make(
                    values.fields, references: References(store: context.store), at: context.now, by: CommandContext.operatorName(operatorName)
                )
                let created = try await Options.Record.create(record, in: context.store)
                if json { return try printJSON(RecordJSON(record: created, names: try await ReferenceNames.load(context.store), withEvents: true)) }
                print("Created \(Options.Record.singular) \(created.id.map(String.init) ?? "?") (\(created.currentState.rawValue)).")
            }
        }
    }
}

struct UpdateRecord<Options: RecordFieldOptions>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "update", abstract: "Change fields of \(Options.Record.singular.withArticle); an empty value clears an optional field.",
            discussion: "Only the fields given change; one 'updated' event names them.\n\nExamples:\n" + Options.updateExamples
        )
    }

    @OptionGroup var action: RecordAction
    @OptionGroup var values: Options

    func validate() throws {
        if values.fields.isEmpty { throw ValidationError("give at least one field to change (see --help)") }
    }

    func run() async throws {
        let fields = values.fields
        try await action.perform(on: Options.Record.self) { record, references, at, actor in
            try await record.apply(fields, references: references, at: at, by: actor)
        }
    }
}

struct ShowRecord<Record: CommandRecord>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "show", abstract: "Show \(Record.singular.withArticle) with its history (when, who, what, from -> to, detail).",
            discussion: "Examples:\n  itsm \(Record.plural) show 1\n  itsm \(Record.plural) show 1 --json"
        )
    }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The record's id (a service also by its name).")
    var id: String

    @Flag(name: .long, help: "Print JSON for scripts (instants as ISO 8601 UTC).")
    var json = false

    func run() async throws {
        try await reportingRecordFailures {
            try await global.withContext { context in
                let record = try await Record.find(id, in: context.store)
                let names = try await ReferenceNames.load(context.store)
                if json { return try printJSON(RecordJSON(record: record, names: names, withEvents: true)) }
                printDetails(record.details(names))
                printHistory(record.events)
            }
        }
    }
}
